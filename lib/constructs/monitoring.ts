import { Aspects, Duration, type IAspect, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { GammaFunction } from './gamma-function.js';

export interface MonitoringProps {
  /** Where alarms notify. @default a new topic */
  readonly topic?: sns.ITopic;
  /** An address subscribed to a new topic (confirm the email AWS sends). @default no subscription */
  readonly alarmEmail?: string;
}

/**
 * Alarms for the stack it is created in, so nothing can be added without one: every GammaFunction alarms on
 * errors, and every dead-letter queue (a queue with no DLQ of its own: every other queue has one) on holding any
 * message. Found by an aspect at synth, so constructs added later are covered too.
 */
export class Monitoring extends Construct {
  readonly topic: sns.ITopic;
  private readonly action: cloudwatch.IAlarmAction;

  constructor(scope: Construct, id: string, props: MonitoringProps = {}) {
    super(scope, id);
    if (props.topic) {
      this.topic = props.topic;
    } else {
      const topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Gamma alarms', enforceSSL: true });
      if (props.alarmEmail) topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      this.topic = topic;
    }
    this.action = new actions.SnsAction(this.topic);
    const watch: IAspect = { visit: (node) => this.watch(node) };
    Aspects.of(Stack.of(this)).add(watch);
  }

  private watch(node: IConstruct): void {
    if (node instanceof GammaFunction) this.alarmOnErrors(node);
    else if (node instanceof sqs.Queue && !node.deadLetterQueue) this.alarmOnDeadLetters(node);
  }

  /** Any invocation error in five minutes. */
  alarmOnErrors(fn: GammaFunction): void {
    if (fn.node.tryFindChild('ErrorsAlarm')) return;
    new cloudwatch.Alarm(fn, 'ErrorsAlarm', {
      alarmDescription: `${fn.node.path} failed`,
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(this.action);
  }

  /** A dead-letter queue holds a message that needs a look. */
  alarmOnDeadLetters(queue: sqs.Queue): void {
    if (queue.node.tryFindChild('DepthAlarm')) return;
    new cloudwatch.Alarm(queue, 'DepthAlarm', {
      alarmDescription: `${queue.node.path} holds failed messages`,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(this.action);
  }
}
