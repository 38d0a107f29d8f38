import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { eachMessageGroup, eachRecord } from '../../lambdas/handlers/sqs-batch.js';

const record = (messageId: string, group?: string) =>
  ({ messageId, body: messageId, attributes: { ...(group && { MessageGroupId: group }) } }) as unknown as SQSRecord;
const failing =
  (...ids: string[]) =>
  async (r: SQSRecord) => {
    if (ids.includes(r.messageId)) throw new Error(`${r.messageId} failed`);
  };

describe('eachRecord (standard queue)', () => {
  it('reports each failed record and handles every other one, in order', async () => {
    const handled: string[] = [];
    const logged: string[] = [];
    const response = await eachRecord(
      ['1', '2', '3'].map((id) => record(id)),
      async (r) => {
        handled.push(r.messageId);
        await failing('2')(r);
      },
      (r, err) => {
        logged.push(`${r.messageId}: ${(err as Error).message}`);
      },
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '2' }]);
    expect(handled).toEqual(['1', '2', '3']);
    expect(logged).toEqual(['2: 2 failed']);
  });
});

describe('eachMessageGroup (FIFO queue)', () => {
  it('holds back the records after a failure in its group, unhandled; other groups carry on', async () => {
    const handled: string[] = [];
    const held: string[][] = [];
    const records = [record('a1', 'a'), record('b1', 'b'), record('a2', 'a'), record('a3', 'a'), record('b2', 'b')];
    const response = await eachMessageGroup(
      records,
      async (r) => {
        handled.push(r.messageId);
        await failing('a2')(r);
      },
      async (rs, err) => {
        held.push(rs.map((r) => r.messageId));
        expect((err as Error).message).toBe('a2 failed');
      },
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'a2' }, { itemIdentifier: 'a3' }]);
    expect(handled.filter((id) => id.startsWith('a'))).toEqual(['a1', 'a2']);
    expect(handled.filter((id) => id.startsWith('b'))).toEqual(['b1', 'b2']);
    expect(held).toEqual([['a2', 'a3']]);
  });

  it('treats a record without a group as a group of its own', async () => {
    const response = await eachMessageGroup([record('x'), record('y')], failing('x'), async () => undefined);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'x' }]);
  });
});
