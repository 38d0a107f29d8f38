/**
 * The worker service grown to the jobs it has, by its own workers: a worker, as it takes a job and every few seconds
 * while it runs one, asks for a worker per job waiting or running (up to the most the service may have), so a
 * fan-out's chunk jobs get their workers seconds after they are queued — the first job's own worker asks once they
 * are. The service's queue-depth alarm waits for a one-minute metric; it only wakes a first worker when none runs
 * (lib/constructs/transcode-workers.ts), and the idle rule brings the service back to its warm minimum. This only
 * ever grows the service.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  type ECSClient,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** A worker asks at most this often (each ask is two or three API calls). */
const ASK_INTERVAL_MS = 5_000;

export interface FleetProps {
  ecs: ECSClient;
  sqs: SQSClient;
  queueUrl: string;
  /** The most workers the service may run (its scaling's maximum, CHUNK_PARALLELISM). */
  maxWorkers: number;
  /** The task metadata endpoint (ECS_CONTAINER_METADATA_URI_V4, set by ECS): where this worker learns its service. */
  metadataUri: string;
  logger: Logger;
  fetch?: typeof fetch;
  now?: () => number;
}

/** This worker's cluster and service, as ECS names them; undefined when the task is not a service's. */
interface ServiceName {
  cluster: string;
  service: string;
}

export class Fleet {
  private service?: Promise<ServiceName | undefined>;
  private lastAsk = Number.NEGATIVE_INFINITY;

  constructor(private readonly props: FleetProps) {}

  /**
   * Asks for a worker per job waiting or running, where the service has fewer; never shrinks it and never throws
   * (a job does not wait for, or fail with, its fleet).
   */
  async grow(): Promise<void> {
    const now = (this.props.now ?? Date.now)();
    if (now - this.lastAsk < ASK_INTERVAL_MS) return;
    this.lastAsk = now;
    try {
      // Learnt once; a failed lookup (the metadata endpoint or DescribeTasks refusing once) is asked again next time.
      this.service ??= this.ownService().catch((error: unknown) => {
        this.service = undefined;
        throw error;
      });
      const service = await this.service;
      if (service) await this.growTo(service, await this.jobs());
    } catch (error) {
      this.props.logger.warn('Could not grow the worker service', error as Error);
    }
  }

  private async jobs(): Promise<number> {
    const { Attributes = {} } = await this.props.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.props.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }

  private async growTo({ cluster, service }: ServiceName, jobs: number): Promise<void> {
    const wanted = Math.min(this.props.maxWorkers, jobs);
    const { services = [] } = await this.props.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
    const desired = services[0]?.desiredCount ?? 0;
    if (wanted <= desired) return;
    await this.props.ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: wanted }));
    this.props.logger.info('Grew the worker service', { from: desired, to: wanted, jobs });
  }

  /** From the task's metadata (its ARN and cluster), then its group: `service:<name>` for a service's task. */
  private async ownService(): Promise<ServiceName | undefined> {
    const response = await (this.props.fetch ?? fetch)(`${this.props.metadataUri}/task`);
    if (!response.ok) throw new Error(`The task metadata endpoint answered ${response.status}`);
    const { Cluster: cluster, TaskARN: task } = (await response.json()) as { Cluster?: string; TaskARN?: string };
    if (!cluster || !task) throw new Error('The task metadata has no cluster or task ARN');
    const { tasks = [] } = await this.props.ecs.send(new DescribeTasksCommand({ cluster, tasks: [task] }));
    const group = tasks[0]?.group ?? '';
    return group.startsWith('service:') ? { cluster, service: group.slice('service:'.length) } : undefined;
  }
}
