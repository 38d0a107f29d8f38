import { ECSClient, RunTaskCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { FargateRunner } from '../../lambdas/core/adapters/ecs-runner.js';

const ecs = mockClient(ECSClient);
const runner = new FargateRunner(new ECSClient({ region: 'eu-west-1' }), {
  cluster: 'arn:cluster',
  taskDefinition: 'arn:taskdef',
  containerName: 'transcoder',
  subnets: ['subnet-a', 'subnet-b'],
  securityGroups: ['sg-1'],
});
const job = {
  assetId: 'asset1',
  source: { bucket: 'ingest', key: 'uploads/u1' },
  outputBucket: 'output',
  maxResolutionTier: '2160p',
};

beforeEach(() => ecs.reset());

describe('FargateRunner', () => {
  it('runs one private Fargate task with the asset inputs as container overrides', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/1' }], failures: [] });

    expect(await runner.start(job)).toEqual({ jobId: 'arn:task/1' });
    expect(ecs.commandCalls(RunTaskCommand)[0]?.args[0].input).toEqual({
      cluster: 'arn:cluster',
      taskDefinition: 'arn:taskdef',
      launchType: 'FARGATE',
      count: 1,
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-a', 'subnet-b'],
          securityGroups: ['sg-1'],
          assignPublicIp: 'ENABLED',
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: 'transcoder',
            environment: [
              { name: 'ASSET_ID', value: 'asset1' },
              { name: 'SOURCE_BUCKET', value: 'ingest' },
              { name: 'SOURCE_KEY', value: 'uploads/u1' },
              { name: 'MAX_RESOLUTION_TIER', value: '2160p' },
            ],
          },
        ],
      },
      startedBy: 'gamma',
      referenceId: 'asset1',
    });
  });

  it('names the chunk of a chunk task in its overrides', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/2' }] });
    expect(await runner.start({ ...job, chunk: { index: 3 } })).toEqual({ jobId: 'arn:task/2' });
    const environment =
      ecs.commandCalls(RunTaskCommand)[0]?.args[0].input.overrides?.containerOverrides?.[0]?.environment;
    expect(environment?.at(-1)).toEqual({ name: 'CHUNK_INDEX', value: '3' });
    expect(environment?.find((e) => e.name === 'ASSET_ID')?.value).toBe('asset1');
  });

  it('leaves MAX_RESOLUTION_TIER out when the asset has no cap', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: 'arn:task/1' }] });
    await runner.start({ ...job, maxResolutionTier: undefined });

    const env = ecs.commandCalls(RunTaskCommand)[0]?.args[0].input.overrides?.containerOverrides?.[0]?.environment;
    expect(env?.map((e) => e.name)).toEqual(['ASSET_ID', 'SOURCE_BUCKET', 'SOURCE_KEY']);
  });

  it('throws with the reasons when ECS reports failures', async () => {
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: 'RESOURCE:ENI', detail: 'no capacity' }] });
    await expect(runner.start(job)).rejects.toThrow('RunTask for asset asset1 failed: RESOURCE:ENI: no capacity');
  });

  it('throws when no task was started', async () => {
    ecs.on(RunTaskCommand).resolves({});
    await expect(runner.start(job)).rejects.toThrow('no task was started');
  });
});
