/**
 * SQS partial batch responses (`reportBatchItemFailures` on the event source), written once for every consumer:
 * a record whose handler throws is reported as a batch item failure — SQS shows it again after its visibility
 * timeout and, after the queue's last receive, moves it to the dead-letter queue — and the rest are deleted.
 */
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';

/** Handles one record; throws to have it retried. */
export type RecordHandler = (record: SQSRecord) => Promise<void>;

/**
 * Standard queue: every record on its own, one after another (so the keys a handler puts on the shared logger are
 * that record's). `onFailure` logs why a record will come back (and may set when: `Redelivery`).
 */
export async function eachRecord(
  records: readonly SQSRecord[],
  handle: RecordHandler,
  onFailure: (record: SQSRecord, error: unknown) => void | Promise<void>,
): Promise<SQSBatchResponse> {
  const failed: SQSRecord[] = [];
  for (const record of records) {
    try {
      await handle(record);
    } catch (err) {
      await onFailure(record, err);
      failed.push(record);
    }
  }
  return report(failed);
}

/**
 * FIFO queue: message groups side by side, each group's records in queue order. When one throws, it and the records
 * behind it in its group are reported failed without being handled, so the group comes back whole and in order;
 * other groups carry on. `onHeld` is given those records and the error first (to log them, or postpone their return).
 */
export async function eachMessageGroup(
  records: readonly SQSRecord[],
  handle: RecordHandler,
  onHeld: (held: SQSRecord[], error: unknown) => Promise<void>,
): Promise<SQSBatchResponse> {
  const failed = await Promise.all(
    [...byGroup(records).values()].map(async (group) => {
      for (const [i, record] of group.entries()) {
        try {
          await handle(record);
        } catch (err) {
          const held = group.slice(i);
          await onHeld(held, err);
          return held;
        }
      }
      return [];
    }),
  );
  return report(failed.flat());
}

/** Records by message group, in queue order (a record without a group is its own). */
function byGroup(records: readonly SQSRecord[]): Map<string, SQSRecord[]> {
  const groups = new Map<string, SQSRecord[]>();
  for (const record of records) {
    const key = record.attributes.MessageGroupId ?? record.messageId;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  return groups;
}

const report = (failed: readonly SQSRecord[]): SQSBatchResponse => ({
  batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })),
});
