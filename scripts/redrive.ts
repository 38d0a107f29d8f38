/**
 * `npm run redrive`: moves the messages of the ingest dead-letter queue back to the ingest queue, once the cause
 * of their failure is fixed. On AWS it starts SQS's own message move task (StartMessageMoveTask); where that is
 * not available (the emulator) it receives, re-sends and deletes each message, in that order, so none is lost.
 *
 *   npm run redrive                                   # the local platform (.gamma/local.json)
 *   npm run redrive -- --dlq <url> --queue <url>      # any account: the stack outputs IngestDeadLetterQueueUrl, IngestQueueUrl
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';

const { values } = parseArgs({ options: { dlq: { type: 'string' }, queue: { type: 'string' } } });
let dlq = values.dlq;
let queue = values.queue;
let endpoint: string | undefined;
if (!dlq || !queue) {
  const local = JSON.parse(readFileSync(join(import.meta.dirname, '..', '.gamma', 'local.json'), 'utf8'));
  dlq ??= local.resources.IngestDeadLetterQueueUrl as string;
  queue ??= local.resources.IngestQueueUrl as string;
  endpoint = local.endpoint as string;
}
const sqs = new SQSClient(
  endpoint
    ? { endpoint, region: 'us-east-1', credentials: { accessKeyId: '000000000000', secretAccessKey: 'test' } }
    : {},
);

const arnOf = async (url: string) =>
  (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes
    ?.QueueArn as string;

/** Moves every message it can receive; returns how many moved. */
export async function moveByHand(from: string, to: string): Promise<number> {
  let moved = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: from, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return moved;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: to,
        Entries: Messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body ?? '' })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => Number(s.Id)));
    // Only what was re-sent is deleted; the rest reappears in the dead-letter queue after the visibility timeout.
    const done = Messages.filter((_, i) => ok.has(i));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: from,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    moved += done.length;
    if (done.length < Messages.length)
      throw new Error(`${Messages.length - done.length} message(s) could not be re-sent`);
  }
}

try {
  const { TaskHandle } = await sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn: await arnOf(dlq), DestinationArn: await arnOf(queue) }),
  );
  console.log(`Started SQS message move task ${TaskHandle}: the dead-letter queue drains into ${queue}`);
} catch (err) {
  const name = (err as Error).name;
  if (!/Unsupported|InvalidAction|UnknownOperation|NotImplemented|InvalidParameter/i.test(name)) throw err;
  console.log(`StartMessageMoveTask is not available here (${name}); moving messages one by one`);
  console.log(`Moved ${await moveByHand(dlq, queue)} message(s) from ${dlq} to ${queue}`);
}
