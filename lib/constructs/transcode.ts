import * as path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bundleTranscoderSync } from '../../containers/transcoder/build.mjs';
import { JOB_TABLE_ACTIONS } from '../../containers/transcoder/src/job-scope.js';
import { CHUNK_TASK_DEFAULTS, type ChunkWorkers, QUEUE_WORKER_DEFAULTS } from '../../lambdas/core/domain/chunks.js';
import { type EnvName, environmentOf } from '../../lambdas/core/env.js';
import { ASSET_KEYS_PATTERN } from '../../lambdas/core/tables.js';
import { GammaFunction } from './gamma-function.js';
import { PROJECT_ROOT } from './sources-hash.js';
import { TranscodeFunction, type TranscodeFunctionProps } from './transcode-function.js';
import { TranscodeWorkers, type TranscodeWorkersProps } from './transcode-workers.js';
import type { Transcoder } from './transcoder.js';

const CONTAINER_DIR = path.join(PROJECT_ROOT, 'containers', 'transcoder');
export const TRANSCODER_CONTAINER_NAME = 'transcoder';

/** Where queue jobs run (FargateTranscoder `jobRuntime`). */
export type JobRuntime = 'lambda' | 'fargate';
export const JOB_RUNTIMES: readonly JobRuntime[] = ['lambda', 'fargate'];

export interface FargateTranscoderProps {
  readonly ingestBucket: s3.IBucket;
  readonly outputBucket: s3.IBucket;
  readonly mediaTable: dynamodb.ITable;
  /**
   * Where the container image comes from.
   * @default the Dockerfile in containers/transcoder: the entry point is bundled at synth, the image is built for
   * ARM64 by `cdk deploy` (needs Docker on the deploying machine) and pushed to the bootstrap repository
   */
  readonly image?: ecs.ContainerImage;
  /**
   * Event sources besides `aws.ecs` whose "ECS Task State Change" events count as task stops. The local agent that
   * plays Fargate in the emulator publishes under its own source, as only AWS may use `aws.ecs`.
   * @default none
   */
  readonly extraStopEventSources?: string[];
  /** Record rejected VPC traffic in flow logs. @default true (the emulator has no flow logs) */
  readonly flowLogs?: boolean;
  /**
   * vCPU units of a task or worker. Queue workers default to 4 vCPU: a worker encodes the first segment of every
   * rung (the first job's one-segment chunk 0) right after planning, and with 4 vCPU that takes about 2 s of the 5 s
   * from upload to playable (README, Decisions); the busy cost per source minute is the same at any size.
   * @default 4096 (4 vCPU) with `chunkWorkers: 'queue'`, else 2048
   */
  readonly cpu?: number;
  /** @default 8192 MiB with `chunkWorkers: 'queue'`, else 4096 */
  readonly memoryLimitMiB?: number;
  /**
   * How a long source is encoded in chunks. `queue`: every job goes on a work queue taken by a queue-driven worker
   * service (TranscodeWorkers: a warm minimum, scaled on depth); the first job plans the chunks, records the plan on
   * the asset, puts one job per further chunk on the queue (the transcode function's own chunk queue with `jobRuntime:
   * 'lambda'`) and encodes a one-segment first chunk; the job that
   * completes the chunks writes the playlists. `tasks`: the same with one RunTask per chunk (each pays Fargate's
   * start-up). `process`: one ffmpeg in one task, no chunks.
   * @default 'queue'
   */
  readonly chunkWorkers?: ChunkWorkers;
  /**
   * With `queue`: where the work queue's jobs run. `lambda`: the transcode function (TranscodeFunction: the same
   * image, nothing at rest, a job started within a second or two), which hands the jobs it cannot end in Lambda's
   * 15 minutes to the worker service (then 0 warm workers by default). `fargate`: the worker service takes them all.
   * @default 'lambda'
   */
  readonly jobRuntime?: JobRuntime;
  /** With `jobRuntime: 'lambda'`: the function's settings. @default TranscodeFunction's defaults */
  readonly jobFunction?: Pick<
    TranscodeFunctionProps,
    | 'memorySize'
    | 'maxConcurrency'
    | 'uploadConcurrency'
    | 'handoffAfter'
    | 'eventSource'
    | 'visibilityTimeout'
    | 'provisionedConcurrency'
  >;
  /**
   * With `jobRuntime: 'lambda'`: the function's image.
   * @default the Dockerfile in containers/transcoder, as the tasks' (one image asset for both)
   */
  readonly functionCode?: lambda.DockerImageCode;
  /** With `queue`: the worker service (warm minimum, maximum, visibility timeout). @default TranscodeWorkers' defaults */
  readonly workers?: Pick<TranscodeWorkersProps, 'warmWorkers' | 'maxWorkers' | 'visibilityTimeout' | 'service'>;
  /** With `tasks`: chunk tasks per asset at most. @default 16 */
  readonly chunkTasks?: number;
  /**
   * With `tasks`: the shortest chunk worth a task of its own (a task takes about 30 s to start on Fargate); a source
   * is chunked only when it makes at least two. @default 60 seconds
   */
  readonly minChunkDuration?: Duration;
  /**
   * Let the task fetch track files (text and audio inputs) from loopback addresses: only for the local platform,
   * whose tests serve files on 127.0.0.1. @default false
   */
  readonly allowLoopbackUrls?: boolean;
  /**
   * Transcribe generated subtitles in the task with pocketsphinx (`-c transcriber=pocketsphinx`): the image gets
   * pocketsphinx, the task TRANSCRIBER=pocketsphinx (a `subtitles` task, or the transcode's own once the asset is
   * ready, transcribes the generated tracks). @default false (Amazon Transcribe, the GeneratedSubtitles construct)
   */
  readonly transcribeInTask?: boolean;
}

/**
 * The FFmpeg worker: an ECS cluster and a Fargate task definition whose container transcodes one asset per task
 * (or, for a long source with `chunkWorkers: 'tasks'`, one chunk of it per task), plus the handler that retries a
 * task (or only a chunk's task) that stops without finishing, then marks its asset errored.
 *
 * Tasks run in public subnets with a public IP and no inbound rule: no NAT gateway to pay for at rest.
 */
export class FargateTranscoder extends Construct implements Transcoder {
  readonly runnerComponent: 'fargateRunner' | 'queueRunner';
  readonly cluster: ecs.Cluster;
  /** With `chunkWorkers: 'queue'`: the work queue and its worker service. */
  readonly workers?: TranscodeWorkers;
  /** With `jobRuntime: 'lambda'`: the transcode function and its queue, where every job goes first. */
  readonly jobFunction?: TranscodeFunction;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  /** What each job's credentials are made from (scoped by a session policy to the job's asset). */
  readonly jobRole: iam.Role;
  readonly vpc: ec2.Vpc;
  /** Absent with queue workers: the work queue re-runs a dead worker's job (TranscodeWorkers). */
  readonly taskStoppedFunction?: GammaFunction;
  private readonly chunkWorkers: ChunkWorkers;

  constructor(scope: Construct, id: string, props: FargateTranscoderProps) {
    super(scope, id);
    this.chunkWorkers = props.chunkWorkers ?? 'queue';
    this.runnerComponent = this.chunkWorkers === 'queue' ? 'queueRunner' : 'fargateRunner';
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC }],
      restrictDefaultSecurityGroup: false,
      ...((props.flowLogs ?? true) && { flowLogs: { rejected: { trafficType: ec2.FlowLogTrafficType.REJECT } } }),
      // Free gateway endpoints: the bulk of a task's traffic (sources, renditions, its item) stays off the internet.
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    if (props.flowLogs === false) {
      Validations.of(this.vpc).acknowledge({
        id: 'AwsSolutions-VPC7',
        reason: 'Flow logs are turned off only where they do not exist (the local emulator)',
      });
    }
    // HTTP(S) out and nothing else: every AWS API the task calls (S3, DynamoDB, STS, ECS, ECR, logs) is on 443 and
    // sources are in S3, never fetched by ffmpeg; the only other fetches are a ready asset's text and audio track
    // files (options/tracks.ts), on http or https, under the input-URL address rules (no private or metadata
    // addresses). DNS goes to the VPC resolver, which security groups do not filter.
    this.securityGroup = new ec2.SecurityGroup(this, 'TaskSecurityGroup', {
      vpc: this.vpc,
      description: 'Transcoder tasks: HTTP(S) out only',
      allowAllOutbound: false,
    });
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'AWS APIs and track files over HTTPS');
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'Track files over plain HTTP');
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: props.cpu ?? (this.chunkWorkers === 'queue' ? 4096 : 2048),
      memoryLimitMiB: props.memoryLimitMiB ?? (this.chunkWorkers === 'queue' ? 8192 : 4096),
      ephemeralStorageGiB: 50,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    // The task role may only assume the job role (and start chunk tasks); the job role holds the grants every job
    // needs, and each job assumes it with a session policy naming its own asset (containers/transcoder/src/
    // job-scope.ts), so its credentials reach its source, its `assets/<id>/` prefix and its `asset#<id>` item only.
    // No other item kind and no other table either way (signing keys live apart).
    const { taskRole } = this.taskDefinition;
    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ArnPrincipal(taskRole.roleArn),
      description: 'Assumed by each transcoder job with a session policy naming its asset',
    });
    this.jobRole.grantAssumeRole(taskRole);
    const onLambda = this.chunkWorkers === 'queue' && (props.jobRuntime ?? 'lambda') === 'lambda';
    if (props.jobFunction?.provisionedConcurrency && !onLambda) {
      throw new Error(
        "jobFunction.provisionedConcurrency is for the transcode function: use chunkWorkers 'queue' with jobRuntime 'lambda'",
      );
    }
    if (this.chunkWorkers === 'queue') {
      this.workers = new TranscodeWorkers(this, 'Workers', {
        // With the function, workers take only the jobs it hands off, which may wait a start-up: none at rest.
        ...(onLambda && { warmWorkers: 0 }),
        ...props.workers,
        cluster: this.cluster,
        taskDefinition: this.taskDefinition,
        securityGroup: this.securityGroup,
        mediaTable: props.mediaTable,
      });
    }
    this.taskDefinition.addContainer(TRANSCODER_CONTAINER_NAME, {
      image: props.image ?? imageFromDockerfile(props.transcribeInTask ? 'pocketsphinx' : 'amazon-transcribe'),
      essential: true,
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'transcoder',
        logGroup: new logs.LogGroup(this, 'TaskLogs', { retention: logs.RetentionDays.ONE_MONTH }),
      }),
      environment: this.staticEnvironment(props),
      readonlyRootFilesystem: false,
      // An init process as PID 1 (tini): it reaps an ffmpeg left running by a job process that died, once it ends
      // (it would otherwise stay a zombie of node, which reaps only its own children), and node, no longer PID 1,
      // keeps the default action for signals it does not handle (a single job's SIGTERM ends it).
      linuxParameters: new ecs.LinuxParameters(this, 'Linux', { initProcessEnabled: true }),
    });
    if (onLambda && this.workers) {
      this.jobFunction = new TranscodeFunction(this, 'Function', {
        ...props.jobFunction,
        code:
          props.functionCode ??
          functionCodeFromDockerfile(props.transcribeInTask ? 'pocketsphinx' : 'amazon-transcribe'),
        environment: this.staticEnvironment(props),
        handoffQueue: this.workers.queue,
        deadLetterQueue: this.workers.deadLetterQueue,
        jobRole: this.jobRole,
      });
    }
    props.ingestBucket.grantRead(this.jobRole, 'uploads/*');
    props.outputBucket.grantPut(this.jobRole, 'assets/*');
    // Work on a ready asset reads what the ladder stored: tracks are cut along its playlists, shots read a rung.
    props.outputBucket.grantRead(this.jobRole, 'assets/*');
    iam.Grant.addToPrincipal({
      grantee: this.jobRole,
      actions: [...JOB_TABLE_ACTIONS],
      resourceArns: [props.mediaTable.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [ASSET_KEYS_PATTERN] } },
    });
    // Chunk jobs read the audio slices and manifests beside the output and the finisher removes them; a task for a
    // ready asset remuxes static renditions from the stored rungs, and removes a master no longer wanted.
    props.outputBucket.grantDelete(this.jobRole, 'assets/*');
    // Chunk jobs: the first job starts the others (RunTask of this task definition, PassRole of its roles; or a
    // message on the work queue).
    if (this.chunkWorkers !== 'process') this.grantStart(taskRole);
    // No signing key: the master MP4's URL is signed by the API when the asset is read (usecases/master-urls.ts).

    // The sweeper catches assets whose dispatch was lost (a claim taken, the job never started) or whose stop event
    // was lost; it starts jobs, so it gets the runner's wiring.
    const retryEnvironment = {
      MEDIA_TABLE: props.mediaTable.tableName,
      OUTPUT_BUCKET: props.outputBucket.bucketName,
      ...this.runnerEnvironment(),
    };
    const sweeper = new GammaFunction(this, 'SweeperFunction', {
      handler: 'sweeper',
      components: ['sweeper', this.runnerComponent],
      environment: retryEnvironment,
      timeout: Duration.minutes(5),
      description:
        'Resolves assets stuck in preparing (a lost dispatch or stop event); deletes expired test assets and masters',
    });
    props.mediaTable.grantReadWriteData(sweeper);
    // Expired test assets are deleted with their files: renditions, and the source and watermarks they fetched.
    props.outputBucket.grantRead(sweeper, 'assets/*'); // listing the asset's folder
    props.outputBucket.grantDelete(sweeper, 'assets/*');
    props.ingestBucket.grantDelete(sweeper, 'uploads/*');
    this.grantStart(sweeper);
    // It also removes master MP4s past their 24 hours (usecases/asset-files.ts).
    props.outputBucket.grantDelete(sweeper, 'assets/*');
    new events.Rule(this, 'SweeperSchedule', {
      description: 'Sweeps assets stuck in preparing',
      schedule: events.Schedule.rate(Duration.minutes(10)),
      targets: [new targets.LambdaFunction(sweeper, { retryAttempts: 2 })],
    });
    // With tasks, a task that dies is retried (bounded attempts on the asset) by the task-stopped function. Queue
    // workers need none: the work queue's visibility timeout re-runs a dead worker's job, its dead-letter queue
    // bounds the attempts (TranscodeWorkers).
    if (this.chunkWorkers !== 'queue') this.taskStoppedFunction = this.taskStopped(props, retryEnvironment);
  }

  private taskStopped(props: FargateTranscoderProps, environment: Partial<Record<EnvName, string>>): GammaFunction {
    const taskStopped = new GammaFunction(this, 'TaskStoppedFunction', {
      handler: 'task-stopped',
      components: ['taskStopped', 'fargateRunner'],
      environment,
      description: 'Retries a transcoder task that stopped without finishing, then marks its asset errored',
    });
    props.mediaTable.grantReadWriteData(taskStopped);
    this.grantStart(taskStopped);
    new events.Rule(this, 'TaskStoppedRule', {
      description: 'Transcoder tasks that stopped',
      eventPattern: {
        source: ['aws.ecs', ...(props.extraStopEventSources ?? [])],
        detailType: ['ECS Task State Change'],
        detail: { clusterArn: [this.cluster.clusterArn], lastStatus: ['STOPPED'] },
      },
      targets: [
        new targets.LambdaFunction(taskStopped, {
          retryAttempts: 4,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: new sqs.Queue(this, 'TaskStoppedDLQ', {
            enforceSSL: true,
            retentionPeriod: Duration.days(14),
          }),
        }),
      ],
    });
    return taskStopped;
  }

  /** Variables baked into the task definition; the per-asset ones arrive as container overrides. */
  private staticEnvironment(props: FargateTranscoderProps): Record<string, string> {
    const common = {
      MEDIA_TABLE: props.mediaTable.tableName,
      OUTPUT_BUCKET: props.outputBucket.bucketName,
      JOB_ROLE_ARN: this.jobRole.roleArn,
      ...(props.allowLoopbackUrls && { ALLOW_LOOPBACK_URLS: 'true' }),
      ...(props.transcribeInTask && { TRANSCRIBER: 'pocketsphinx' }),
    };
    if (this.chunkWorkers === 'process') return environmentOf(common);
    if (this.workers) {
      return environmentOf({
        ...common,
        CHUNK_WORKERS: 'queue',
        CHUNK_PARALLELISM: String(props.workers?.maxWorkers ?? QUEUE_WORKER_DEFAULTS.maxWorkers),
        CHUNK_MIN_SECONDS: String(props.minChunkDuration?.toSeconds() ?? QUEUE_WORKER_DEFAULTS.minChunkSeconds),
        WORK_QUEUE_URL: this.workers.queue.queueUrl,
        WORK_VISIBILITY_SECONDS: String(this.workers.visibilityTimeout.toSeconds()),
      });
    }
    const chunkTasks = props.chunkTasks ?? CHUNK_TASK_DEFAULTS.tasks;
    const minChunkSeconds = props.minChunkDuration?.toSeconds() ?? CHUNK_TASK_DEFAULTS.minChunkSeconds;
    if (!Number.isInteger(chunkTasks) || chunkTasks < 1) throw new Error(`chunkTasks must be a whole number ≥ 1`);
    const runner = this.runnerEnvironment();
    return environmentOf({
      ...common,
      CHUNK_WORKERS: 'tasks',
      CHUNK_PARALLELISM: String(chunkTasks),
      CHUNK_MIN_SECONDS: String(minChunkSeconds),
      ECS_CLUSTER_ARN: runner.ECS_CLUSTER_ARN,
      // The family, not the ARN: the ARN in the task definition's own environment would be a circular reference.
      // RunTask takes the family as its latest active revision, which is this one.
      TASK_DEFINITION_ARN: this.taskDefinition.family,
      TASK_CONTAINER_NAME: runner.TASK_CONTAINER_NAME,
      TASK_SUBNETS: runner.TASK_SUBNETS,
      TASK_SECURITY_GROUPS: runner.TASK_SECURITY_GROUPS,
    });
  }

  /** The transcode function's, where it runs the jobs (TranscodeFunction `warmUpEnvironment`); else none. */
  warmUpEnvironment(): Partial<Record<EnvName, string>> {
    return this.jobFunction?.warmUpEnvironment() ?? {};
  }

  grantWarmUp(grantee: iam.IGrantable): void {
    this.jobFunction?.grantWarmUp(grantee);
  }

  /** Variables a dispatcher needs to start tasks (the `fargateRunner` entry of the registry). */
  runnerEnvironment(): Partial<Record<EnvName, string>> {
    const queue = this.jobFunction?.queue ?? this.workers?.queue;
    if (queue) return { TRANSCODER: 'queue', WORK_QUEUE_URL: queue.queueUrl };
    return {
      TRANSCODER: 'fargate',
      ECS_CLUSTER_ARN: this.cluster.clusterArn,
      TASK_DEFINITION_ARN: this.taskDefinition.taskDefinitionArn,
      TASK_CONTAINER_NAME: TRANSCODER_CONTAINER_NAME,
      TASK_SUBNETS: this.vpc.publicSubnets.map((s) => s.subnetId).join(','),
      TASK_SECURITY_GROUPS: this.securityGroup.securityGroupId,
    };
  }

  /**
   * Lets `grantee` start transcodes: send to the work queue (queue workers), or ecs:RunTask on this task definition
   * and iam:PassRole on its roles.
   */
  grantStart(grantee: iam.IGrantable): void {
    const queue = this.jobFunction?.queue ?? this.workers?.queue;
    if (queue) queue.grantSendMessages(grantee);
    else this.taskDefinition.grantRun(grantee);
  }
}

type TranscriberBuild = 'amazon-transcribe' | 'pocketsphinx';

/** The image built from containers/transcoder, whose Dockerfile copies the bundle: build the bundle first. */
function imageFromDockerfile(transcriber: TranscriberBuild): ecs.ContainerImage {
  bundleTranscoderSync();
  return ecs.ContainerImage.fromAsset(CONTAINER_DIR, imageAssetOptions(transcriber));
}

/** The same image for the transcode function: the same options make the same asset, built and pushed once. */
function functionCodeFromDockerfile(transcriber: TranscriberBuild): lambda.DockerImageCode {
  bundleTranscoderSync();
  return lambda.DockerImageCode.fromImageAsset(CONTAINER_DIR, imageAssetOptions(transcriber));
}

// The Dockerfile installs pocketsphinx only when the deployment transcribes in the task.
const imageAssetOptions = (transcriber: TranscriberBuild) => ({
  platform: Platform.LINUX_ARM64,
  buildArgs: { TRANSCRIBER: transcriber },
});
