import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeServicesCommand, DescribeTasksCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Fleet, type FleetProps } from '../../containers/transcoder/src/fleet.js';
import { work } from '../../containers/transcoder/src/worker.js';

const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/gamma-transcoder';
const TASK = 'arn:aws:ecs:us-east-1:123456789012:task/gamma-transcoder/abc';
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const ecs = new ECSClient({ region: 'us-east-1', credentials });
const sqs = new SQSClient({ region: 'us-east-1', credentials });
const ecsMock = mockClient(ecs);
const sqsMock = mockClient(sqs);
const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

/** The task metadata endpoint as ECS serves it to the worker's container. */
const metadata = (async (url: string) => {
  expect(url).toBe('http://169.254.170.2/v4/abc/task');
  return new Response(JSON.stringify({ Cluster: CLUSTER, TaskARN: TASK }));
}) as typeof fetch;

let clock = 0;
const fleet = (props: Partial<FleetProps> = {}) =>
  new Fleet({
    ...{ ecs, sqs, queueUrl: 'https://sqs.example/work', maxWorkers: 32, logger },
    ...{ metadataUri: 'http://169.254.170.2/v4/abc', fetch: metadata, now: () => clock },
    ...props,
  });

/** `waiting` jobs visible on the queue and `running` taken; the service at `desired` tasks, its task's group. */
function given({ waiting = 0, running = 0, desired = 1, group = 'service:gamma-workers' }) {
  sqsMock.on(GetQueueAttributesCommand).resolves({
    Attributes: {
      ApproximateNumberOfMessages: String(waiting),
      ApproximateNumberOfMessagesNotVisible: String(running),
    },
  });
  ecsMock.on(DescribeTasksCommand).resolves({ tasks: [{ group }] });
  ecsMock.on(DescribeServicesCommand).resolves({ services: [{ desiredCount: desired }] });
  ecsMock.on(UpdateServiceCommand).resolves({});
}
const updates = () => ecsMock.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input);

beforeEach(() => {
  ecsMock.reset();
  sqsMock.reset();
  clock += 60_000;
});

describe('Fleet', () => {
  it('asks for a worker per job waiting or running, in its own service, up to the most the service may have', async () => {
    given({ waiting: 30, running: 2, desired: 1 });
    await fleet().grow();
    expect(updates()).toEqual([{ cluster: CLUSTER, service: 'gamma-workers', desiredCount: 32 }]);
    expect(ecsMock.commandCalls(DescribeTasksCommand)[0]?.args[0].input).toEqual({ cluster: CLUSTER, tasks: [TASK] });
    ecsMock.reset();
    given({ waiting: 80, running: 5, desired: 1 });
    await fleet().grow();
    expect(updates()).toEqual([{ cluster: CLUSTER, service: 'gamma-workers', desiredCount: 32 }]);
  });

  it('never shrinks the service (its idle rule does), and asks at most every 5 s', async () => {
    given({ waiting: 0, running: 1, desired: 4 });
    const one = fleet();
    await one.grow();
    expect(updates()).toEqual([]);
    given({ waiting: 10, running: 1, desired: 4 });
    clock += 1_000;
    await one.grow(); // too soon after the last ask
    expect(ecsMock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    clock += 5_000;
    await one.grow();
    expect(updates()).toEqual([{ cluster: CLUSTER, service: 'gamma-workers', desiredCount: 11 }]);
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(1); // its service is learnt once
  });

  it('asks again after a failed lookup of its own service, rather than give up for the worker’s life', async () => {
    given({ waiting: 10, running: 1, desired: 1 });
    let calls = 0;
    const flaky = (async (url: string) => {
      calls++;
      if (calls === 1) return new Response('', { status: 500 });
      return metadata(url);
    }) as typeof fetch;
    const one = fleet({ fetch: flaky });
    await one.grow();
    expect(updates()).toEqual([]);
    clock += 6_000;
    await one.grow();
    expect(updates()).toEqual([{ cluster: CLUSTER, service: 'gamma-workers', desiredCount: 11 }]);
  });

  it('leaves alone a task that is not a service’s, and never throws', async () => {
    given({ waiting: 10, group: 'family:gamma-transcoder' });
    await fleet().grow();
    expect(updates()).toEqual([]);
    ecsMock.reset();
    ecsMock.on(DescribeTasksCommand).rejects(new Error('AccessDenied'));
    await expect(fleet().grow()).resolves.toBeUndefined();
    const down = (async () => new Response('', { status: 500 })) as unknown as typeof fetch;
    await expect(fleet({ fetch: down }).grow()).resolves.toBeUndefined();
  });

  it('is asked by the worker when it takes a job, and every 5 s while the job runs (its fan-out queues more)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let asked = 0;
    let polls = 0;
    sqsMock.on(ReceiveMessageCommand).callsFake(async () => {
      polls++;
      const job = { assetId: 'a1', source: { bucket: 'ingest', key: 'uploads/a1' } };
      return { Messages: [{ MessageId: 'm1', ReceiptHandle: 'r1', Body: JSON.stringify(job) }] };
    });
    await work({
      sqs,
      env: { WORK_QUEUE_URL: 'https://sqs.example/work' },
      logger,
      checkJob: async () => undefined,
      runJob: async () => {
        vi.advanceTimersByTime(11_000); // a job of 11 s
        return 0;
      },
      stopping: () => polls >= 1,
      fleet: {
        grow: async () => {
          asked++;
        },
      },
    });
    vi.useRealTimers();
    expect(asked).toBe(3); // at the take, then at 5 and 10 s
  });
});
