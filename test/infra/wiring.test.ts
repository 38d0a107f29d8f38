import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, AssetStaging } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it, vi } from 'vitest';
import { ENV, USES } from '../../lambdas/core/env.js';
import { HANDLER_METADATA, HANDLERS_DIR } from '../../lib/constructs/gamma-function.js';
import { defineGamma } from '../../lib/gamma-app.js';
import { LOCAL, logicalId, policiesOfRole, resources, statements, synthGamma } from './app.js';

const MODES = [
  ['fargate', {}],
  ['mediaconvert', { transcoder: 'mediaconvert' }],
  ['the emulator', LOCAL],
] as const;
const all = (g: ReturnType<typeof synthGamma>) => [g.stateful$, g.pipeline$];
/** Objects under uploads/ or assets/, or (for listing, in a read grant) the bucket itself. */
const OBJECTS_OR_BUCKET = /\/(assets|uploads)\/\*"|^\{"Fn::(ImportValue|GetAtt)":[^/]*\}$/;
/** The registry components a handler's source reads with envFor(). */
const componentsReadBy = (handler: string) =>
  [...readFileSync(join(HANDLERS_DIR, `${handler}.ts`), 'utf8').matchAll(/envFor\('(\w+)'\)/g)].map(
    (m) => m[1] as keyof typeof USES,
  );

describe.each(MODES)('%s', (_mode, context) => {
  const gamma = synthGamma(context);

  it('sets every variable a function’s handler reads (from the registry), for the runner it is configured with', () => {
    const functions = all(gamma).flatMap((t) => resources(t, 'AWS::Lambda::Function'));
    const checked = functions.filter(([, fn]) => fn.Metadata?.[HANDLER_METADATA]);
    expect(checked.length).toBeGreaterThanOrEqual(7);
    for (const [id, fn] of checked) {
      const variables = fn.Properties.Environment?.Variables ?? {};
      const transcoder = variables[ENV.TRANSCODER];
      const components = componentsReadBy(fn.Metadata[HANDLER_METADATA]).filter(
        (c) => !c.endsWith('Runner') || c === `${transcoder}Runner`,
      );
      expect(components.length, `${id} reads no registry component`).toBeGreaterThan(0);
      for (const name of components.flatMap((c) => USES[c])) {
        expect(variables[ENV[name]], `${id} (${fn.Metadata[HANDLER_METADATA]}) needs ${name}`).toBeDefined();
      }
    }
  });

  it('gives no policy a "*" action', () => {
    for (const t of all(gamma)) {
      for (const s of statements(t)) expect(s.actions.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
    }
  });

  it('gives every queue a dead-letter queue or makes it one, and alarms on every dead-letter queue', () => {
    for (const t of all(gamma)) {
      const queues = resources(t, 'AWS::SQS::Queue');
      const alarmedQueues = resources(t, 'AWS::CloudWatch::Alarm').flatMap(([, a]) =>
        (a.Properties.Dimensions ?? []).filter((d: { Name: string }) => d.Name === 'QueueName'),
      );
      for (const [id, q] of queues.filter(([, q]) => !q.Properties?.RedrivePolicy)) {
        const referenced = JSON.stringify(t.toJSON()).split(`"${id}"`).length - 1;
        expect(referenced, `${id} is nobody's dead-letter queue`).toBeGreaterThan(1);
        expect(JSON.stringify(alarmedQueues), `${id} has no depth alarm`).toContain(`"${id}"`);
        expect(q).toBeDefined();
      }
    }
  });

  it('alarms on the errors of every function, notifying the alarm topic', () => {
    for (const t of all(gamma)) {
      const fns = resources(t, 'AWS::Lambda::Function').filter(([, f]) => f.Metadata?.[HANDLER_METADATA]);
      const alarms = resources(t, 'AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.MetricName === 'Errors');
      for (const [id] of fns) {
        expect(JSON.stringify(alarms.map(([, a]) => a.Properties.Dimensions))).toContain(`"${id}"`);
      }
      for (const [, a] of alarms) expect(a.Properties.AlarmActions).toHaveLength(1);
    }
  });

  it('runs every function on Node 22, ARM64, with JSON logs kept a month and source maps', () => {
    for (const t of all(gamma)) {
      for (const [, fn] of resources(t, 'AWS::Lambda::Function').filter(([, f]) => f.Metadata?.[HANDLER_METADATA])) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          LoggingConfig: { LogFormat: 'JSON' },
          Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
        });
      }
      const logGroups = t.findResources('AWS::Logs::LogGroup');
      for (const [, fn] of resources(t, 'AWS::Lambda::Function').filter(([, f]) => f.Metadata?.[HANDLER_METADATA])) {
        const group = logGroups[fn.Properties.LoggingConfig.LogGroup.Ref];
        expect(group?.Properties.RetentionInDays).toBe(30);
      }
    }
  });

  it('routes $connect, $disconnect and subscribe on the WebSocket API, and outputs the three URLs', () => {
    for (const key of ['$connect', '$disconnect', 'subscribe']) {
      gamma.pipeline$.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: key });
    }
    for (const output of ['ApiUrl', 'WebSocketUrl', 'StreamUrl']) gamma.pipeline$.hasOutput(output, {});
  });

  it("sends every method of Mux Data's paths to the API function, which answers why they are not offered", () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      gamma.pipeline$.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${method} /data/v1/{proxy+}` });
    }
  });

  it('consumes the ingest queue with partial batch failures and the media table stream in notify', () => {
    gamma.pipeline$.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('IngestQueue') }),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    gamma.pipeline$.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: Match.objectLike({ 'Fn::ImportValue': Match.stringLikeRegexp('MediaTable.*StreamArn') }),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('stateful stack', () => {
  const { stateful$: t } = synthGamma();
  const queue = logicalId(t, 'AWS::SQS::Queue', 'IngestQueue');
  const bucket = logicalId(t, 'AWS::S3::Bucket', 'IngestBucket');

  it('sends the ingest bucket’s ObjectCreated events under uploads/ to the ingest queue', () => {
    t.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucket },
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            QueueArn: { 'Fn::GetAtt': [queue, 'Arn'] },
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
          },
        ],
      },
    });
  });

  it('lets exactly that bucket send to the queue', () => {
    const [policy, ...others] = resources(t, 'AWS::SQS::QueuePolicy').filter(([, p]) =>
      JSON.stringify(p.Properties.Queues).includes(queue),
    );
    expect(others).toEqual([]);
    const fromS3 = policy?.[1].Properties.PolicyDocument.Statement.filter(
      (s: { Principal?: { Service?: string } }) => s.Principal?.Service === 's3.amazonaws.com',
    );
    expect(fromS3).toHaveLength(1);
    expect(fromS3[0].Effect).toBe('Allow');
    expect(fromS3[0].Condition).toEqual({ ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucket, 'Arn'] } } });
  });

  it('takes browser uploads (CORS PUT) and aborts incomplete multipart uploads', () => {
    t.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedMethods: ['PUT'] })] },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } })],
      },
    });
  });

  it('keeps buckets and data tables on stack deletion unless -c retainData=false', () => {
    const kept = (tpl: Template, type: string) => resources(tpl, type).map(([, r]) => (r as any).DeletionPolicy);
    expect(kept(t, 'AWS::S3::Bucket').every((p) => p === 'Retain')).toBe(true);
    expect(kept(t, 'AWS::DynamoDB::Table')).toContain('Retain');
    const disposable = synthGamma({ retainData: 'false' }).stateful$;
    expect(kept(disposable, 'AWS::S3::Bucket').every((p) => p === 'Delete')).toBe(true);
    expect(kept(disposable, 'AWS::DynamoDB::Table').every((p) => p === 'Delete')).toBe(true);
  });

  it('streams the media table and serves the output bucket through CloudFront with origin access control', () => {
    t.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    t.resourceCountIs('AWS::CloudFront::OriginAccessControl', 2);
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' }),
        ]),
      },
    });
  });
});

describe('fargate transcoder', () => {
  // Chunk tasks (RunTask per chunk); the default, queue workers, is checked below.
  const { pipeline$: t } = synthGamma({ chunkWorkers: 'tasks' });
  const taskRole = logicalId(t, 'AWS::IAM::Role', 'TaskDefinition/TaskRole');
  const jobRole = logicalId(t, 'AWS::IAM::Role', 'Transcode/JobRole');
  const ingestRole = logicalId(t, 'AWS::IAM::Role', 'Ingest/Function/ServiceRole');

  it('lets jobs write only under assets/ and read only under uploads/ and assets/', () => {
    const s3 = policiesOfRole(t, jobRole).filter((s) => s.actions.some((a) => a.startsWith('s3:')));
    const writes = s3.filter((s) => s.actions.some((a) => a.startsWith('s3:Put')));
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) for (const r of w.resources) expect(JSON.stringify(r)).toMatch(/\/assets\/\*"/);
    for (const s of s3) for (const r of s.resources) expect(JSON.stringify(r)).toMatch(OBJECTS_OR_BUCKET);
  });

  it('lets the ingest function run only the transcoder task and pass only its roles', () => {
    const own = policiesOfRole(t, ingestRole);
    const run = own.find((s) => s.actions.includes('ecs:RunTask'));
    expect(run?.resources).toEqual([{ Ref: logicalId(t, 'AWS::ECS::TaskDefinition', 'Transcode/TaskDefinition') }]);
    const pass = own.find((s) => s.actions.includes('iam:PassRole'));
    expect(JSON.stringify(pass?.resources)).toContain(taskRole);
    expect(pass?.resources).toHaveLength(2); // the task role and the execution role
  });

  it('lets the task start its own chunk tasks (RunTask of its definition, PassRole of its roles); jobs count them', () => {
    const own = policiesOfRole(t, taskRole);
    const run = own.find((s) => s.actions.includes('ecs:RunTask'));
    expect(run?.resources).toEqual([{ Ref: logicalId(t, 'AWS::ECS::TaskDefinition', 'Transcode/TaskDefinition') }]);
    const pass = own.find((s) => s.actions.includes('iam:PassRole'));
    expect(pass?.resources).toHaveLength(2);
    const table = policiesOfRole(t, jobRole).find((s) => s.actions.includes('dynamodb:UpdateItem'));
    expect(JSON.stringify(table?.resources)).toMatch(/MediaTable/);
  });

  it('gives the task the chunk-task variables, naming its own definition by family (no circular reference)', () => {
    const [, def] = resources(t, 'AWS::ECS::TaskDefinition')[0] ?? [];
    const env: { Name: string; Value: unknown }[] = def?.Properties.ContainerDefinitions[0].Environment ?? [];
    const vars = Object.fromEntries(env.map((e) => [e.Name, e.Value]));
    expect(vars).toMatchObject({ CHUNK_WORKERS: 'tasks', CHUNK_PARALLELISM: '16', CHUNK_MIN_SECONDS: '60' });
    expect(vars.TASK_DEFINITION_ARN).toBe(def?.Properties.Family);
    expect(typeof vars.TASK_DEFINITION_ARN).toBe('string');
    for (const name of ['ECS_CLUSTER_ARN', 'TASK_CONTAINER_NAME', 'TASK_SUBNETS', 'TASK_SECURITY_GROUPS']) {
      expect(vars[name], name).toBeDefined();
    }
  });

  it('runs chunks as processes of one task locally unless -c chunkWorkers=tasks, and refuses other values', () => {
    const chunkVars = (context: Record<string, string>) => {
      const [, def] = resources(synthGamma(context).pipeline$, 'AWS::ECS::TaskDefinition')[0] ?? [];
      const env: { Name: string; Value: unknown }[] = def?.Properties.ContainerDefinitions[0].Environment ?? [];
      return env.filter((e) => e.Name.startsWith('CHUNK_')).map((e) => `${e.Name}=${e.Value}`);
    };
    expect(chunkVars(LOCAL)).toEqual([]);
    expect(chunkVars({ ...LOCAL, chunkWorkers: 'tasks' })).toEqual([
      'CHUNK_WORKERS=tasks',
      'CHUNK_PARALLELISM=4',
      'CHUNK_MIN_SECONDS=12',
    ]);
    const local = synthGamma(LOCAL).pipeline$;
    const localTaskRole = logicalId(local, 'AWS::IAM::Role', 'TaskDefinition/TaskRole');
    expect(policiesOfRole(local, localTaskRole).some((s) => s.actions.includes('ecs:RunTask'))).toBe(false);
    expect(() => synthGamma({ chunkWorkers: 'threads' })).toThrow(/chunkWorkers=threads: use process or tasks/);
  });

  it('with jobRuntime fargate puts jobs on a work queue for a worker service with one warm worker, and has no task-stopped function', () => {
    const { pipeline$: q } = synthGamma({ jobRuntime: 'fargate' });
    const queue = logicalId(q, 'AWS::SQS::Queue', 'Workers/Queue');
    const dlq = logicalId(q, 'AWS::SQS::Queue', 'Workers/DeadLetterQueue');
    q.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 60,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 3 },
    });
    q.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 1, LaunchType: 'FARGATE' });
    q.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1, MaxCapacity: 32 });
    // The workers size the service (fleet.ts): the depth alarm adds one worker a minute, never a step on top of theirs.
    const steps = resources(q, 'AWS::ApplicationAutoScaling::ScalingPolicy')
      .map(([, p]) => p.Properties.StepScalingPolicyConfiguration)
      .filter((c) => c?.StepAdjustments.some((a: { ScalingAdjustment: number }) => a.ScalingAdjustment > 0));
    expect(
      steps.flatMap((c) => c.StepAdjustments.map((a: { ScalingAdjustment: number }) => a.ScalingAdjustment)),
    ).toEqual([1]);
    q.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
    const [, def] = resources(q, 'AWS::ECS::TaskDefinition')[0] ?? [];
    const env: { Name: string; Value: unknown }[] = def?.Properties.ContainerDefinitions[0].Environment ?? [];
    const vars = Object.fromEntries(env.map((e) => [e.Name, e.Value]));
    expect(vars).toMatchObject({ CHUNK_WORKERS: 'queue', CHUNK_PARALLELISM: '32', CHUNK_MIN_SECONDS: '12' });
    expect(vars.WORK_QUEUE_URL).toEqual({ Ref: queue });
    expect(vars.TASK_DEFINITION_ARN).toBeUndefined();
    // Workers of 4 vCPU: the first job's one-segment chunk 0 (the whole ladder) encodes within the 5 s to playable.
    expect(def?.Properties).toMatchObject({ Cpu: '4096', Memory: '8192' });
    // tini as PID 1: a job process's orphaned ffmpeg is reaped, and signals keep their default action.
    expect(def?.Properties.ContainerDefinitions[0].LinuxParameters).toMatchObject({ InitProcessEnabled: true });
    const [, taskDef] = resources(t, 'AWS::ECS::TaskDefinition')[0] ?? [];
    expect(taskDef?.Properties).toMatchObject({ Cpu: '2048', Memory: '4096' });
    const ingest = policiesOfRole(q, logicalId(q, 'AWS::IAM::Role', 'Ingest/Function/ServiceRole'));
    expect(ingest.some((s) => s.actions.includes('ecs:RunTask'))).toBe(false);
    expect(ingest.find((s) => s.actions.includes('sqs:SendMessage'))?.resources).toEqual([
      { 'Fn::GetAtt': [queue, 'Arn'] },
    ]);
    expect(Object.keys(q.findResources('AWS::Events::Rule')).some((id) => id.includes('TaskStopped'))).toBe(false);
    // Locally the agent plays the service: no service, no autoscaling (the emulator has none).
    const local = synthGamma({ ...LOCAL, chunkWorkers: 'queue' }).pipeline$;
    expect(Object.keys(local.findResources('AWS::ECS::Service'))).toEqual([]);
    local.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 10 });
  });

  it('by default runs jobs in the transcode function, one message an invocation, and hands long ones to workers', () => {
    const { pipeline$: p } = synthGamma();
    const queue = logicalId(p, 'AWS::SQS::Queue', 'Function/Queue');
    const chunkQueue = logicalId(p, 'AWS::SQS::Queue', 'Function/ChunkQueue');
    const workQueue = logicalId(p, 'AWS::SQS::Queue', 'Workers/Queue');
    const dlq = logicalId(p, 'AWS::SQS::Queue', 'Workers/DeadLetterQueue');
    const fn = logicalId(p, 'AWS::Lambda::Function', 'Transcode/Function/Function');
    // The visibility covers Lambda's 15 minutes (it refuses the mapping otherwise); failures share the workers' DLQ.
    for (const id of [queue, chunkQueue]) {
      expect(resources(p, 'AWS::SQS::Queue').find(([q]) => q === id)?.[1].Properties).toMatchObject({
        VisibilityTimeout: 960,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 3 },
      });
      // Each queue its own mapping and maximum concurrency: chunks never take every sandbox from first jobs.
      p.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [id, 'Arn'] },
        FunctionName: { Ref: fn },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 16 },
      });
    }
    const [, fnDef] = resources(p, 'AWS::Lambda::Function').find(([id]) => id === fn) ?? [];
    expect(fnDef?.Properties).toMatchObject({
      PackageType: 'Image',
      Architectures: ['arm64'],
      MemorySize: 10240,
      Timeout: 900,
      EphemeralStorage: { Size: 10240 },
    });
    const vars = fnDef?.Properties.Environment.Variables;
    expect(vars).toMatchObject({
      WORK_QUEUE_URL: { Ref: queue },
      CHUNK_QUEUE_URL: { Ref: chunkQueue },
      HANDOFF_QUEUE_URL: { Ref: workQueue },
      HANDOFF_AFTER_SECONDS: '600',
      CHUNK_WORKERS: 'queue',
      CHUNK_PARALLELISM: '16',
      MEDIA_TOOL_USER: '',
    });
    // One image for the function and the tasks: the same asset, built and pushed once.
    const [, taskDef] = resources(p, 'AWS::ECS::TaskDefinition')[0] ?? [];
    const imageOf = (value: unknown) => JSON.stringify(value).match(/[0-9a-f]{64}/)?.[0];
    expect(imageOf(fnDef?.Properties.Code.ImageUri)).toBeDefined();
    expect(imageOf(fnDef?.Properties.Code.ImageUri)).toBe(imageOf(taskDef?.Properties.ContainerDefinitions[0].Image));
    // A sandbox kept started for the next upload's first job.
    p.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [{ Arn: { 'Fn::GetAtt': [fn, 'Arn'] }, Input: '{"keepWarm":true}' }],
    });
    // The workers take only what the function hands off: none at rest.
    p.hasResourceProperties('AWS::ECS::Service', { DesiredCount: 0 });
    const taskEnv: { Name: string; Value: unknown }[] = taskDef?.Properties.ContainerDefinitions[0].Environment ?? [];
    const taskVars = Object.fromEntries(taskEnv.map((e) => [e.Name, e.Value]));
    expect(taskVars.WORK_QUEUE_URL).toEqual({ Ref: workQueue });
    expect(taskVars.HANDOFF_QUEUE_URL).toBeUndefined();
    expect(taskVars.CHUNK_QUEUE_URL).toBeUndefined(); // a worker's chunk jobs go on the workers' one queue
    // Dispatchers send to the function's queue.
    const ingest = policiesOfRole(p, logicalId(p, 'AWS::IAM::Role', 'Ingest/Function/ServiceRole'));
    expect(ingest.find((s) => s.actions.includes('sqs:SendMessage'))?.resources).toEqual([
      { 'Fn::GetAtt': [queue, 'Arn'] },
    ]);
    // The API starts a sandbox when an upload or input URL is created: the function's name, and leave to invoke it.
    const apiFn = logicalId(p, 'AWS::Lambda::Function', 'Api/Function');
    const [, apiDef] = resources(p, 'AWS::Lambda::Function').find(([id]) => id === apiFn) ?? [];
    expect(apiDef?.Properties.Environment.Variables.TRANSCODE_FUNCTION_NAME).toEqual({ 'Fn::GetAtt': [fn, 'Arn'] });
    const api = policiesOfRole(p, logicalId(p, 'AWS::IAM::Role', 'Api/Function/ServiceRole'));
    expect(api.find((st) => st.actions.includes('lambda:InvokeFunction'))?.resources).toEqual([
      { 'Fn::GetAtt': [fn, 'Arn'] },
    ]);
    // A ping is worth its sandbox only while its upload is under way: never retried, dropped after a minute.
    p.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fn },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    // Locally the Lambda agent plays the mapping.
    const local = synthGamma({ ...LOCAL, chunkWorkers: 'queue' }).pipeline$;
    const localFn = logicalId(local, 'AWS::Lambda::Function', 'Transcode/Function/Function');
    const mappings = resources(local, 'AWS::Lambda::EventSourceMapping');
    expect(mappings.some(([, m]) => JSON.stringify(m.Properties.FunctionName).includes(localFn))).toBe(false);
    expect(() => synthGamma({ jobRuntime: 'ec2' })).toThrow(/jobRuntime=ec2: use lambda or fargate/);
  });

  it('keeps provisioned sandboxes on a live alias the event source invokes, with no keep-warm ping beside them', () => {
    const { pipeline$: p } = synthGamma({ provisionedConcurrency: '2' });
    const fn = logicalId(p, 'AWS::Lambda::Function', 'Transcode/Function/Function');
    const queues = ['Function/Queue', 'Function/ChunkQueue'].map((path) => logicalId(p, 'AWS::SQS::Queue', path));
    const aliases = resources(p, 'AWS::Lambda::Alias');
    expect(aliases).toHaveLength(1);
    const [aliasId, alias] = aliases[0] ?? [];
    expect(alias?.Properties).toMatchObject({
      FunctionName: { Ref: fn },
      Name: 'live',
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    const versionId = resources(p, 'AWS::Lambda::Version')[0]?.[0];
    expect(alias?.Properties.FunctionVersion).toEqual({ 'Fn::GetAtt': [versionId, 'Version'] });
    // Only the alias is invoked by the queues: an invocation of the function itself would find no provisioned sandbox.
    for (const queue of queues) {
      const mappings = resources(p, 'AWS::Lambda::EventSourceMapping').filter(([, m]) =>
        JSON.stringify(m.Properties.EventSourceArn).includes(queue),
      );
      expect(mappings).toHaveLength(1);
      const mapped = JSON.stringify(mappings[0]?.[1].Properties.FunctionName);
      expect(mapped).toContain(JSON.stringify({ Ref: aliasId }));
      expect(mapped).not.toContain(JSON.stringify({ Ref: fn }));
    }
    const pings = (t: typeof p) =>
      resources(t, 'AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties.Targets).includes('keepWarm'));
    expect(pings(p)).toEqual([]);
    // Without the flag: no alias, the function itself is mapped (the test above), and the ping is kept.
    expect(resources(synthGamma().pipeline$, 'AWS::Lambda::Alias')).toEqual([]);
    expect(pings(synthGamma().pipeline$)).toHaveLength(1);
    // The API's ping at an upload's creation goes to the alias: an idle provisioned sandbox takes it, or, with all
    // of them busy, it starts one more of the same version.
    const apiFn = logicalId(p, 'AWS::Lambda::Function', 'Api/Function');
    const [, apiDef] = resources(p, 'AWS::Lambda::Function').find(([id]) => id === apiFn) ?? [];
    expect(apiDef?.Properties.Environment.Variables.TRANSCODE_FUNCTION_NAME).toEqual({ Ref: aliasId });
    const api = policiesOfRole(p, logicalId(p, 'AWS::IAM::Role', 'Api/Function/ServiceRole'));
    expect(api.find((st) => st.actions.includes('lambda:InvokeFunction'))?.resources).toEqual([{ Ref: aliasId }]);
    const invokeConfigs = resources(p, 'AWS::Lambda::EventInvokeConfig');
    expect(invokeConfigs).toHaveLength(1);
    const invokeConfig = invokeConfigs[0]?.[1];
    expect(JSON.stringify(invokeConfig?.Properties.Qualifier)).toContain(aliasId);
    expect(invokeConfig?.Properties).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });

    expect(() => synthGamma({ provisionedConcurrency: 'two' })).toThrow(/use a whole number of sandboxes/);
    // At most the sandboxes both mappings may invoke.
    expect(() => synthGamma({ provisionedConcurrency: '33' })).toThrow(
      /from 0 to uploadConcurrency \+ maxConcurrency \(32\).*-c uploadConcurrency=N or -c maxConcurrency=N/,
    );
    expect(() => synthGamma({ provisionedConcurrency: '40', maxConcurrency: '24' })).not.toThrow();
    expect(() => synthGamma({ provisionedConcurrency: '1', jobRuntime: 'fargate' })).toThrow(
      /provisionedConcurrency is for the transcode function/,
    );
    expect(() => synthGamma({ provisionedConcurrency: '1', transcoder: 'mediaconvert' })).toThrow(
      /provisionedConcurrency is for the transcode function/,
    );
    expect(() => synthGamma({ ...LOCAL, provisionedConcurrency: '1' })).toThrow(/locally the Lambda agent/);
  });

  it('sets the chunks’ and the first jobs’ sandboxes at once apart, with -c maxConcurrency and -c uploadConcurrency', () => {
    const { pipeline$: p } = synthGamma({ maxConcurrency: '48', uploadConcurrency: '24' });
    const concurrencyOf = (path: string) => {
      const queue = logicalId(p, 'AWS::SQS::Queue', path);
      const [, mapping] =
        resources(p, 'AWS::Lambda::EventSourceMapping').find(([, m]) =>
          JSON.stringify(m.Properties.EventSourceArn).includes(queue),
        ) ?? [];
      return mapping?.Properties.ScalingConfig.MaximumConcurrency;
    };
    expect(concurrencyOf('Function/ChunkQueue')).toBe(48);
    expect(concurrencyOf('Function/Queue')).toBe(24);
    // The chunk plan follows the chunks' sandboxes, not the first jobs'.
    const fn = logicalId(p, 'AWS::Lambda::Function', 'Transcode/Function/Function');
    const [, fnDef] = resources(p, 'AWS::Lambda::Function').find(([id]) => id === fn) ?? [];
    expect(fnDef?.Properties.Environment.Variables.CHUNK_PARALLELISM).toBe('48');

    for (const flag of ['maxConcurrency', 'uploadConcurrency']) {
      expect(() => synthGamma({ [flag]: 'many' })).toThrow(new RegExp(`${flag}=many: use a whole number`));
      expect(() => synthGamma({ [flag]: '1' })).toThrow(new RegExp(`^${flag} must be a whole number from 2 to 1000`));
      const elsewhere: Record<string, string>[] = [
        { jobRuntime: 'fargate' },
        { chunkWorkers: 'tasks' },
        { chunkWorkers: 'process' },
        { transcoder: 'mediaconvert' },
      ];
      for (const other of elsewhere) {
        expect(() => synthGamma({ [flag]: '8', ...other })).toThrow(
          new RegExp(`${flag} is for the transcode function: deploy with -c transcoder=fargate`),
        );
      }
      expect(() => synthGamma({ ...LOCAL, [flag]: '8' })).toThrow(new RegExp(`${flag} is for Lambda on AWS`));
    }
  });

  it('builds the image from containers/transcoder for ARM64 with the bundle in place', () => {
    const asset = JSON.stringify(t.findResources('AWS::ECS::TaskDefinition'));
    expect(asset).toContain('cdk-hnb659fds-container-assets');
    const bundle = readFileSync(join(HANDLERS_DIR, '..', '..', 'containers', 'transcoder', 'dist', 'main.mjs'), 'utf8');
    expect(bundle).toMatch(/export\s*\{|run/);
    // Every job loads the bundle in a process of its own: the MediaConvert client (and the use cases behind its
    // runner) would be loaded for nothing (lambdas/core/adapters/task-runner-from-env.ts).
    expect(bundle).toContain('node_modules/@aws-sdk/client-ecs');
    expect(bundle).not.toContain('node_modules/@aws-sdk/client-mediaconvert');
  });
});

describe('mediaconvert transcoder', () => {
  const { pipeline$: t } = synthGamma({ transcoder: 'mediaconvert' });
  const jobRole = logicalId(t, 'AWS::IAM::Role', 'Transcode/JobRole');

  it('has no ECS cluster, and a role MediaConvert assumes that reads uploads/ and writes assets/', () => {
    t.resourceCountIs('AWS::ECS::Cluster', 0);
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'mediaconvert.amazonaws.com' } })],
      },
    });
    for (const s of policiesOfRole(t, jobRole)) {
      for (const r of s.resources) expect(JSON.stringify(r)).toMatch(OBJECTS_OR_BUCKET);
      if (s.actions.some((a) => a.startsWith('s3:Put'))) expect(JSON.stringify(s.resources)).not.toContain('uploads');
    }
  });

  it('lets ingest create jobs in the Default queue and pass only the job role', () => {
    const ingestRole = logicalId(t, 'AWS::IAM::Role', 'Ingest/Function/ServiceRole');
    const own = policiesOfRole(t, ingestRole);
    const create = own.find((s) => s.actions.includes('mediaconvert:CreateJob'));
    expect(JSON.stringify(create?.resources)).toContain(':queues/Default');
    const pass = own.find((s) => s.actions.includes('iam:PassRole'));
    expect(pass?.resources).toEqual([{ 'Fn::GetAtt': [jobRole, 'Arn'] }]);
  });

  it('sends this deployment’s COMPLETE and ERROR job state changes to the status function', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.mediaconvert'],
        'detail-type': ['MediaConvert Job State Change'],
        detail: { status: ['COMPLETE', 'ERROR'], userMetadata: { gammaOutputBucket: Match.anyValue() } },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue() })],
    });
  });
});

describe('the emulator (-c localEndpoint)', () => {
  const { pipeline$: t } = synthGamma(LOCAL);

  it('builds no image and also takes task stops from the local agent', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: 'gamma/transcoder:local' })],
    });
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.ecs', 'gamma.local.ecs'] }),
    });
    t.resourceCountIs('AWS::EC2::FlowLog', 0);
  });

  it("names each function's bundle by its sources, so a synthesis skips the bundles the last one built", () => {
    // As the local platform does (scripts/local/asset-cache.ts): the next synthesis finds the bundles in its
    // cloud assembly. Only the stateful stack is bundled: two functions, a few seconds.
    const outdir = mkdtempSync(join(tmpdir(), 'gamma-infra-bundles-'));
    const synth = () => {
      const app = new App({ outdir, context: { ...LOCAL, 'aws:cdk:bundling-stacks': ['GammaStateful'] } });
      return resources(Template.fromStack(defineGamma(app).stateful), 'AWS::Lambda::Function')
        .filter(([, r]) => r.Metadata?.[HANDLER_METADATA])
        .map(([, r]) => r.Properties.Code.S3Key as string);
    };
    // CDK says so on stderr each time it bundles an asset, bundler and all.
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const bundled = () => stderr.mock.calls.filter(([text]) => String(text).startsWith('Bundling asset')).length;
    try {
      const first = synth();
      expect(first.length).toBeGreaterThan(0);
      expect(bundled()).toBe(first.length);
      stderr.mockClear();
      // A new process, as the next start is: CDK also keeps what it staged in memory.
      AssetStaging.clearAssetHashCache();
      expect(synth()).toEqual(first);
      expect(bundled()).toBe(0);
    } finally {
      stderr.mockRestore();
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('refuses MediaConvert, which no emulator runs', () => {
    expect(() => synthGamma({ ...LOCAL, transcoder: 'mediaconvert' })).toThrow(/transcoder=fargate/);
  });
});
