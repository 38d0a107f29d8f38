import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTION_DEFAULTS } from '../../lambdas/core/domain/chunks.js';
import { type EnvName, environmentOf } from '../../lambdas/core/env.js';
import { KEEP_WARM_EVENT } from '../../lambdas/core/ports/transcode.js';
import { WORK_MAX_RECEIVES } from '../../lambdas/core/usecases/work-dead-letters.js';

/** Lambda's longest run: a job that cannot end within it is handed off to the workers (HANDOFF_AFTER_SECONDS). */
const FUNCTION_TIMEOUT = Duration.minutes(15);

export interface TranscodeFunctionProps {
  /** The transcoder's image, from the same Dockerfile as the workers' tasks. */
  readonly code: lambda.DockerImageCode;
  /** The task definition's own variables (table, bucket, job role, chunking); the queues are set here. */
  readonly environment: Record<string, string>;
  /** The Fargate workers' queue: jobs longer than the function takes on are forwarded there. */
  readonly handoffQueue: sqs.IQueue;
  /** Where a job that failed on every receive goes (the workers' dead-letter queue, whose function errors it). */
  readonly deadLetterQueue: sqs.IQueue;
  /** The role each job assumes with a session policy naming its asset (FargateTranscoder `jobRole`). */
  readonly jobRole: iam.Role;
  /**
   * The function's memory; Lambda gives a vCPU per 1,769 MB, so 10,240 MB is its 6 vCPU.
   * @default 10240
   */
  readonly memorySize?: number;
  /**
   * Chunk jobs run at once at most (the chunk queue's event source's maximum concurrency), and the chunks a long
   * source is cut into. More makes a long source ready sooner and costs more: each chunk's sandbox starts cold, and
   * a start is billed (FUNCTION_DEFAULTS; README, How fast).
   * @default 16
   */
  readonly maxConcurrency?: number;
  /**
   * Jobs from the work queue run at once at most (its event source's maximum concurrency): uploads' first jobs,
   * which make an asset playable, and work on ready assets (tracks, static renditions). Apart from `maxConcurrency`
   * so that a long source's chunks, however many, never keep a new upload waiting for a sandbox. Nothing at rest.
   * @default 16
   */
  readonly uploadConcurrency?: number;
  /**
   * The longest source one job takes on in the function: a longer single pass goes to the workers, and chunks are
   * planned no longer. 10 minutes of 1080p is about 3 minutes' encode on 6 vCPU and 4K about 4 times that, inside
   * the 15 minutes.
   * @default 10 minutes
   */
  readonly handoffAfter?: Duration;
  /**
   * How long a taken job stays invisible. Lambda refuses a mapping whose queue's is shorter than the function's
   * timeout; a shorter one is for a queue the local agent takes, which extends it while an invocation runs.
   * @default the function's timeout and a minute
   */
  readonly visibilityTimeout?: Duration;
  /**
   * How often a scheduled ping keeps a sandbox started, so an upload's first job does not pay the image's cold
   * start (a few seconds): 8,640 invocations of a few milliseconds a month, a few cents. `false`: none.
   * @default 5 minutes (Lambda keeps an idle sandbox for minutes, not hours)
   */
  readonly keepWarm?: Duration | false;
  /**
   * Sandboxes Lambda keeps initialised at all times: provisioned concurrency on the function's `live` alias, which
   * both event sources then invoke. That many uploads at once (fewer while chunk jobs hold some) start their first
   * job warm however long the function sat idle, so first playable never pays the image's cold start (README, How
   * fast). Each costs its memory around the clock at the provisioned rate, about $88 a month at 10,240 MB on ARM; the
   * keep-warm schedule is then not created (they need no ping), and the API's ping at an upload's creation goes to
   * the alias, where it takes an idle provisioned sandbox or, with all of them busy, starts one more. At most
   * `uploadConcurrency` and `maxConcurrency` together, all the sandboxes both event sources invoke. Lambda keeps 100
   * of the account's concurrency unreserved, so a new account's low quota may refuse the deploy. Needs the event sources: locally the Lambda agent
   * keeps its own sandboxes started.
   * @default 0 (none: the keep-warm ping keeps one sandbox started while Lambda lets it)
   */
  readonly provisionedConcurrency?: number;
  /**
   * Let Lambda take the queues (an SQS event source mapping each). The emulator runs no image functions without
   * Docker: locally the Lambda agent plays the mappings and the function (scripts/local/lambda-agent.ts).
   * @default true
   */
  readonly eventSource?: boolean;
}

/**
 * The transcode function (jobRuntime 'lambda'): the work queue every transcode job goes on and the chunk queue its
 * jobs put their chunk jobs on, taken by a Lambda function running the transcoder's image (containers/transcoder/
 * src/lambda-runtime.ts) — nothing at rest, a job started within a second or two of its message. Each queue has its
 * own event source and maximum concurrency, so an upload's first job finds a sandbox while another source's chunks
 * take all theirs. Jobs it cannot end within Lambda's 15 minutes (a long source it cannot cut into chunks, a master,
 * generated subtitles) are forwarded to the Fargate workers' queue.
 * A job that failed is made visible again at once; one whose sandbox died comes back after the visibility timeout
 * (which must cover the function's timeout); after WORK_MAX_RECEIVES receives it goes to the dead-letter queue.
 */
export class TranscodeFunction extends Construct {
  /** Where transcode jobs are started: uploads' first jobs, and work on ready assets. */
  readonly queue: sqs.Queue;
  /** Where the function's jobs put their chunk jobs. */
  readonly chunkQueue: sqs.Queue;
  readonly function: lambda.DockerImageFunction;
  /** With `provisionedConcurrency`: the alias the event sources invoke, holding the provisioned sandboxes. */
  readonly alias?: lambda.Alias;
  /** What the event sources invoke (the alias, else the function); absent without them. */
  private readonly invoked?: lambda.IFunction;
  readonly maxConcurrency: number;
  readonly uploadConcurrency: number;

  constructor(scope: Construct, id: string, props: TranscodeFunctionProps) {
    super(scope, id);
    const memorySize = props.memorySize ?? 10_240;
    this.maxConcurrency = props.maxConcurrency ?? FUNCTION_DEFAULTS.maxConcurrency;
    this.uploadConcurrency = props.uploadConcurrency ?? FUNCTION_DEFAULTS.uploadConcurrency;
    const handoffAfter = props.handoffAfter ?? Duration.seconds(FUNCTION_DEFAULTS.handoffAfterSeconds);
    for (const [name, value] of Object.entries({
      maxConcurrency: this.maxConcurrency,
      uploadConcurrency: this.uploadConcurrency,
    })) {
      if (!Number.isInteger(value) || value < 2 || value > 1000) {
        throw new Error(`${name} must be a whole number from 2 to 1000 (an SQS event source’s maximum concurrency)`);
      }
    }
    const provisioned = props.provisionedConcurrency ?? 0;
    const invocable = this.uploadConcurrency + this.maxConcurrency;
    if (!Number.isInteger(provisioned) || provisioned < 0 || provisioned > invocable) {
      throw new Error(
        `provisionedConcurrency must be a whole number from 0 to uploadConcurrency + maxConcurrency (${invocable}): ` +
          'a sandbox the event sources may never invoke is paid for nothing (raise them with -c uploadConcurrency=N ' +
          'or -c maxConcurrency=N)',
      );
    }
    if (provisioned > 0 && props.keepWarm !== undefined && props.keepWarm !== false) {
      throw new Error(
        'keepWarm schedules a ping provisioned sandboxes do not need: leave it unset (or false) with them',
      );
    }
    if (provisioned > 0 && props.eventSource === false) {
      throw new Error(
        'provisionedConcurrency needs the event sources (eventSource: true): nothing else invokes the alias',
      );
    }
    if (handoffAfter.toSeconds() < 10) throw new Error('handoffAfter must be at least 10 seconds');
    const visibilityTimeout = props.visibilityTimeout ?? FUNCTION_TIMEOUT.plus(Duration.minutes(1));
    if (props.eventSource !== false && visibilityTimeout.toSeconds() < FUNCTION_TIMEOUT.toSeconds()) {
      throw new Error('visibilityTimeout must cover the function’s 15 minutes when Lambda takes the queues');
    }
    const jobQueue = (id: string) =>
      new sqs.Queue(this, id, {
        enforceSSL: true,
        // At least the function's timeout (Lambda refuses the mapping otherwise): a sandbox that died mid-job lets
        // its message come back after it.
        visibilityTimeout,
        deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: WORK_MAX_RECEIVES },
      });
    this.queue = jobQueue('Queue');
    this.chunkQueue = jobQueue('ChunkQueue');
    this.function = new lambda.DockerImageFunction(this, 'Function', {
      code: props.code,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      ephemeralStorageSize: Size.mebibytes(10_240),
      timeout: FUNCTION_TIMEOUT,
      description: 'Runs transcode jobs and chunk jobs from its two queues; hands longer ones to the Fargate workers',
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup: new logs.LogGroup(this, 'Logs', {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      environment: environmentOf({
        ...props.environment,
        WORK_QUEUE_URL: this.queue.queueUrl,
        CHUNK_QUEUE_URL: this.chunkQueue.queueUrl,
        HANDOFF_QUEUE_URL: props.handoffQueue.queueUrl,
        HANDOFF_AFTER_SECONDS: String(handoffAfter.toSeconds()),
        CHUNK_PARALLELISM: String(this.maxConcurrency),
        // The runtime extends a running job's visibility by this, every third of it, as a worker does.
        WORK_VISIBILITY_SECONDS: String(visibilityTimeout.toSeconds()),
        // Lambda runs the function as one user that cannot start a process as another: the image's tool user is
        // off here, and node's execute-only install keeps the tools out of its environment (sandbox.ts).
        MEDIA_TOOL_USER: '',
      }),
    });
    const role = this.function.role as iam.IRole;
    // The runtime makes each job's credentials from the job role, as a worker's task role does.
    props.jobRole.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({ actions: ['sts:AssumeRole'], principals: [new iam.ArnPrincipal(role.roleArn)] }),
    );
    props.jobRole.grantAssumeRole(role);
    for (const queue of [this.queue, this.chunkQueue]) {
      queue.grantConsumeMessages(role); // and ChangeMessageVisibility: a failed job is retried at once
      // A first job puts its chunk jobs on the chunk queue, and a job may start further work on the work queue.
      queue.grantSendMessages(role);
    }
    props.handoffQueue.grantSendMessages(role);
    if (props.eventSource === false) return;
    // Provisioned sandboxes are held by a version, so the event sources invoke it through an alias; a new image or
    // setting publishes a new version, and the alias moves once its sandboxes are initialised.
    this.alias =
      provisioned > 0
        ? new lambda.Alias(this, 'Live', {
            aliasName: 'live',
            version: this.function.currentVersion,
            provisionedConcurrentExecutions: provisioned,
          })
        : undefined;
    if (props.keepWarm !== false && provisioned === 0) {
      new events.Rule(this, 'KeepWarm', {
        description: 'Keeps a transcode function sandbox started for the next upload',
        schedule: events.Schedule.rate(props.keepWarm ?? Duration.minutes(5)),
        targets: [
          new targets.LambdaFunction(this.function, {
            event: events.RuleTargetInput.fromObject(KEEP_WARM_EVENT),
            retryAttempts: 0,
          }),
        ],
      });
    }
    this.invoked = this.alias ?? this.function;
    // A ping that failed is not retried, and one Lambda could not start within a minute is dropped: it is only worth
    // its sandbox while the upload it was sent for is under way (the schedule's target has no retries either).
    this.invoked.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });
    for (const [queue, maxConcurrency] of [
      [this.queue, this.uploadConcurrency],
      [this.chunkQueue, this.maxConcurrency],
    ] as const) {
      this.invoked.addEventSource(
        new SqsEventSource(queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency }),
      );
    }
  }

  /**
   * What lets a function start a sandbox ahead of a job (SandboxWarmer): what the event sources invoke, this function
   * or its `live` alias. Empty without them (locally the Lambda agent keeps its own sandboxes).
   */
  warmUpEnvironment(): Partial<Record<EnvName, string>> {
    return this.invoked ? { TRANSCODE_FUNCTION_NAME: this.invoked.functionArn } : {};
  }

  /** Lets `grantee` invoke what `warmUpEnvironment` names (with the keep-warm ping), and nothing else. */
  grantWarmUp(grantee: iam.IGrantable): void {
    if (!this.invoked) return;
    // Exactly that ARN: not `grantInvoke`, which adds every version and alias (`:*`).
    iam.Grant.addToPrincipal({ grantee, actions: ['lambda:InvokeFunction'], resourceArns: [this.invoked.functionArn] });
  }
}
