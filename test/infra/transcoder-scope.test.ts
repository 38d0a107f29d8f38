/**
 * The transcoder's credentials (issue 13 finding 3): the task role may only assume the job role (and start chunk
 * tasks); S3 and DynamoDB are the job role's, which each job assumes with a session policy naming its asset
 * (containers/transcoder/src/job-scope.ts, test/unit/job-scope.test.ts); the task talks HTTPS and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { LOCAL, logicalId, policiesOfRole, resources, synthGamma } from './app.js';

describe.each([
  ['on AWS', {}],
  ['in the emulator', LOCAL],
])('transcoder credentials %s', (_mode, context) => {
  const { pipeline$: t } = synthGamma(context);
  const taskRole = logicalId(t, 'AWS::IAM::Role', 'TaskDefinition/TaskRole');
  const jobRole = logicalId(t, 'AWS::IAM::Role', 'Transcode/JobRole');

  it('gives the task role exactly: assuming the job role, and the work queue its jobs are read from and put on', () => {
    const own = policiesOfRole(t, taskRole);
    const actions = new Set(own.flatMap((s) => s.actions));
    // No S3, DynamoDB, Secrets Manager or SSM: the master MP4's URL is signed by the API when the asset is read
    // (usecases/master-urls.ts), so the task cannot read the stream's key. Chunk jobs go through the work queue on
    // AWS (queue workers); the emulator's chunks are child processes of the task (nothing to start).
    const queue = [
      'sqs:ReceiveMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueUrl',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:SendMessage',
    ];
    // On AWS a worker also grows its own service as it takes jobs (containers/transcoder/src/fleet.ts).
    const fleet = ['ecs:DescribeTasks', 'ecs:DescribeServices', 'ecs:UpdateService'];
    expect(actions).toEqual(new Set(['sts:AssumeRole', ...(context === LOCAL ? [] : [...queue, ...fleet])]));
    const assume = own.find((s) => s.actions.includes('sts:AssumeRole'));
    expect(assume?.resources).toEqual([{ 'Fn::GetAtt': [jobRole, 'Arn'] }]);
    if (context === LOCAL) return;
    // Only the tasks and services of the transcoder's own cluster.
    const cluster = logicalId(t, 'AWS::ECS::Cluster', 'Transcode/Cluster');
    for (const [action, kind] of [
      ['ecs:DescribeTasks', 'task'],
      ['ecs:UpdateService', 'service'],
    ] as const) {
      const resource = JSON.stringify(own.find((s) => s.actions.includes(action))?.resources);
      expect(resource).toContain(`:${kind}/`);
      expect(resource).toContain(`{"Ref":"${cluster}"}`);
      expect(resource).toMatch(/\/\*"\]\]\}\]$/);
    }
  });

  it('lets only the task role, and on AWS the transcode function, assume the job role', () => {
    const [, role] = resources(t, 'AWS::IAM::Role').find(([id]) => id === jobRole) ?? [];
    const trust = role?.Properties.AssumeRolePolicyDocument.Statement as { Principal: unknown; Action: string }[];
    const principal = (id: string) =>
      expect.objectContaining({ Action: 'sts:AssumeRole', Principal: { AWS: { 'Fn::GetAtt': [id, 'Arn'] } } });
    if (context === LOCAL) {
      expect(trust).toEqual([principal(taskRole)]);
      return;
    }
    const functionRole = logicalId(t, 'AWS::IAM::Role', 'Transcode/Function/Function/ServiceRole');
    expect(trust).toEqual([principal(taskRole), principal(functionRole)]);
  });

  it.skipIf(context === LOCAL)(
    'gives the function exactly: the job role, its two queues, and the workers’ queue to hand off to',
    () => {
      const functionRole = logicalId(t, 'AWS::IAM::Role', 'Transcode/Function/Function/ServiceRole');
      const own = policiesOfRole(t, functionRole);
      const queue = logicalId(t, 'AWS::SQS::Queue', 'Transcode/Function/Queue');
      const chunkQueue = logicalId(t, 'AWS::SQS::Queue', 'Transcode/Function/ChunkQueue');
      const arns = (...ids: string[]) => new Set(ids.map((id) => JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] })));
      const workers = logicalId(t, 'AWS::SQS::Queue', 'Workers/Queue');
      const on = (action: string) =>
        own.filter((s) => s.actions.includes(action)).flatMap((s) => s.resources.map((r) => JSON.stringify(r)));
      expect(new Set(own.flatMap((s) => s.actions))).toEqual(
        new Set([
          'sts:AssumeRole',
          'sqs:ReceiveMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueUrl',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:SendMessage',
        ]),
      );
      expect(on('sts:AssumeRole')).toEqual([JSON.stringify({ 'Fn::GetAtt': [jobRole, 'Arn'] })]);
      expect(new Set(on('sqs:ReceiveMessage'))).toEqual(arns(queue, chunkQueue));
      expect(new Set(on('sqs:ChangeMessageVisibility'))).toEqual(arns(queue, chunkQueue));
      // Chunk jobs on the chunk queue, further work on the work queue, what it cannot take on to the workers'.
      expect(new Set(on('sqs:SendMessage'))).toEqual(arns(queue, chunkQueue, workers));
    },
  );

  it('tells the task which role its jobs assume', () => {
    const [, def] = resources(t, 'AWS::ECS::TaskDefinition')[0] ?? [];
    const env: { Name: string; Value: unknown }[] = def?.Properties.ContainerDefinitions[0].Environment ?? [];
    expect(env.find((e) => e.Name === 'JOB_ROLE_ARN')?.Value).toEqual({ 'Fn::GetAtt': [jobRole, 'Arn'] });
  });

  it('lets the task out on HTTP(S) only (track files may be http), with S3 and DynamoDB through gateway endpoints', () => {
    const [, sg] = resources(t, 'AWS::EC2::SecurityGroup').find(([id]) => id.includes('TaskSecurityGroup')) ?? [];
    expect(sg?.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 80, ToPort: 80 }),
    ]);
    const endpoints = resources(t, 'AWS::EC2::VPCEndpoint').map(([, e]) => JSON.stringify(e.Properties.ServiceName));
    expect(endpoints.some((n) => n.includes('.s3'))).toBe(true);
    expect(endpoints.some((n) => n.includes('.dynamodb'))).toBe(true);
    expect(resources(t, 'AWS::EC2::VPCEndpoint').every(([, e]) => e.Properties.VpcEndpointType === 'Gateway')).toBe(
      true,
    );
  });
});
