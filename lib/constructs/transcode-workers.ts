import { Duration, Stack } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WORK_MAX_RECEIVES } from '../../lambdas/core/usecases/work-dead-letters.js';
import { GammaFunction } from './gamma-function.js';

export interface TranscodeWorkersProps {
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.ISecurityGroup;
  readonly mediaTable: dynamodb.ITable;
  /**
   * Workers kept running when the queue is empty, so a new upload's first chunk starts at once (about $119 a month
   * each for the default 4 vCPU / 8 GB ARM task, README Decisions). 0 scales to nothing at rest, and a job then
   * waits for a scaling alarm and a Fargate start-up (minutes).
   * @default 1
   */
  readonly warmWorkers?: number;
  /** Workers at most, scaled out on the queue's depth. @default 32 */
  readonly maxWorkers?: number;
  /**
   * How long a taken job stays invisible without its worker's heartbeat: the delay before the job of a worker that
   * died is re-run. @default 60 seconds
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Run the worker service. The emulator runs no service autoscaling, and the local Fargate agent plays the service.
   * @default true
   */
  readonly service?: boolean;
}

/**
 * The queue-driven worker service (`chunkWorkers: 'queue'`): the work queue every transcode and chunk job goes on,
 * a Fargate service of transcoder tasks in worker mode that long-poll it (a warm minimum, scaled out on the queue's
 * depth), and the dead-letter queue whose function errors the asset of a job that failed on every receive. The
 * visibility timeout re-runs the job of a worker that died, alone: no task-stopped function is needed.
 */
export class TranscodeWorkers extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly service?: ecs.FargateService;
  readonly visibilityTimeout: Duration;

  constructor(scope: Construct, id: string, props: TranscodeWorkersProps) {
    super(scope, id);
    const warm = props.warmWorkers ?? 1;
    const max = props.maxWorkers ?? 32;
    if (!Number.isInteger(warm) || warm < 0) throw new Error('warmWorkers must be a whole number ≥ 0');
    if (!Number.isInteger(max) || max < Math.max(1, warm)) throw new Error('maxWorkers must be ≥ warmWorkers and ≥ 1');
    this.visibilityTimeout = props.visibilityTimeout ?? Duration.seconds(60);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      enforceSSL: true,
      visibilityTimeout: this.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: WORK_MAX_RECEIVES },
    });
    const deadLetters = new GammaFunction(this, 'DeadLetterFunction', {
      handler: 'work-dead-letters',
      components: ['workDeadLetters'],
      environment: { MEDIA_TABLE: props.mediaTable.tableName },
      description: 'Marks errored the asset of a transcode job that failed on every receive',
    });
    props.mediaTable.grantReadWriteData(deadLetters);
    deadLetters.addEventSource(
      new SqsEventSource(this.deadLetterQueue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    const { taskRole } = props.taskDefinition;
    this.queue.grantConsumeMessages(taskRole);
    this.queue.grantSendMessages(taskRole); // the first job puts the chunk jobs on the queue

    if (props.service === false) return;
    // A worker grows its own service as it takes jobs (containers/transcoder/src/fleet.ts): it reads its task's group
    // (`service:<name>`) and the service's desired count, and raises it. This cluster's tasks and services only.
    const inCluster = (resource: 'task' | 'service') =>
      Stack.of(this).formatArn({ service: 'ecs', resource, resourceName: `${props.cluster.clusterName}/*` });
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ecs:DescribeTasks'], resources: [inCluster('task')] }),
    );
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecs:DescribeServices', 'ecs:UpdateService'],
        resources: [inCluster('service')],
      }),
    );
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition: props.taskDefinition,
      desiredCount: warm,
      assignPublicIp: true,
      securityGroups: [props.securityGroup],
      minHealthyPercent: 100,
      circuitBreaker: { rollback: true },
    });
    const scaling = this.service.autoScaleTaskCount({ minCapacity: warm, maxCapacity: max });
    // The workers size the service themselves, a worker per job waiting or running, within seconds (fleet.ts). This
    // alarm only wakes a first one when jobs wait and none runs (warmWorkers 0, or the warm one gone): a worker a
    // minute, not steps on top of what the workers asked for, which would leave idle workers until the idle rule.
    scaling.scaleOnMetric('QueueDepth', {
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      scalingSteps: [
        { upper: 0, change: 0 },
        { lower: 1, change: +1 },
      ],
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.minutes(1),
    });
    // Back to the warm minimum once nothing waits and nothing runs (a running job's message is in flight).
    scaling.scaleOnMetric('Idle', {
      metric: this.queue.metricApproximateNumberOfMessagesNotVisible({ period: Duration.minutes(5) }),
      scalingSteps: [
        { upper: 0, change: -max },
        { lower: 1, change: 0 },
      ],
      adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.minutes(5),
    });
  }
}
