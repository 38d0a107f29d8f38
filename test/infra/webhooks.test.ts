/**
 * The webhook queue's wiring that the ordering and backoff depend on: a FIFO queue (and FIFO dead-letter queue)
 * scaled per message group, partial batch failures on the deliver function's event source, and the backoff
 * schedule in minutes on AWS and in seconds in the emulator.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/core/env.js';
import { LOCAL, resources, synthGamma } from './app.js';

const at = (path: string) => ({ Metadata: { 'aws:cdk:path': Match.stringLikeRegexp(path) } });

describe.each([
  ['AWS', {}, { base: '30', max: '3600' }],
  ['the emulator', LOCAL, { base: '1', max: '4' }],
] as const)('webhooks on %s', (_where, context, schedule) => {
  const { pipeline$ } = synthGamma(context);

  it('queue deliveries in a FIFO queue per message group, dead-lettering to a FIFO queue after 30 receives', () => {
    pipeline$.hasResource('AWS::SQS::Queue', {
      ...at('Webhooks/DLQ/'),
      Properties: Match.objectLike({ FifoQueue: true }),
    });
    pipeline$.hasResource('AWS::SQS::Queue', {
      ...at('Webhooks/Queue/'),
      Properties: Match.objectLike({
        FifoQueue: true,
        FifoThroughputLimit: 'perMessageGroupId',
        DeduplicationScope: 'messageGroup',
        RedrivePolicy: Match.objectLike({ maxReceiveCount: 30 }),
      }),
    });
  });

  it('give the deliver function its backoff schedule and report partial batch failures', () => {
    const deliver = resources(pipeline$, 'AWS::Lambda::Function').find(([, fn]) =>
      String(fn.Metadata?.['aws:cdk:path']).includes('Webhooks/DeliverFunction/'),
    );
    const variables = deliver?.[1].Properties.Environment.Variables;
    expect(variables[ENV.WEBHOOK_RETRY_BASE_SECONDS]).toBe(schedule.base);
    expect(variables[ENV.WEBHOOK_RETRY_MAX_SECONDS]).toBe(schedule.max);
    pipeline$.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: deliver?.[0] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});
