/**
 * What tests created that the API no longer lists once they delete it, written down for the deployed runner's
 * cleanup: a webhook endpoint a test deletes itself leaves a delivery log that only its id finds. The runner names
 * the file in GAMMA_LEDGER; under `npm test` nothing is written (the platform goes away with the run).
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export const LEDGER_VARIABLE = 'GAMMA_LEDGER';

export type LedgerKind = 'webhook-endpoint';

export function recordCreated(kind: LedgerKind, id: string, env = process.env): void {
  const file = env[LEDGER_VARIABLE];
  if (file) appendFileSync(file, `${JSON.stringify({ kind, id })}\n`);
}

export function readLedger(file: string): { kind: LedgerKind; id: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}
