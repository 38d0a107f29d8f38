import type { ChunkPlanRecord, ChunkState } from '../../lambdas/core/domain/chunks.js';
import { TransitionError } from '../../lambdas/core/domain/errors.js';
import type { ChunkLedger } from '../../lambdas/core/ports.js';

/** The chunk ledger in memory, with the adapter's rules (one plan, a done set that counts each chunk once). */
export class InMemoryChunkLedger implements ChunkLedger {
  readonly states = new Map<string, ChunkState>();
  /** Assets that have left preparing (the adapter's status condition). */
  readonly finished = new Set<string>();

  async recordPlan(assetId: string, plan: ChunkPlanRecord): Promise<ChunkPlanRecord> {
    if (this.finished.has(assetId)) throw new TransitionError('asset', assetId, 'preparing', ['preparing']);
    const stored = this.states.get(assetId);
    if (stored) return stored.plan;
    this.states.set(assetId, { plan: structuredClone(plan), done: [], jobs: {}, attempts: {} });
    return plan;
  }

  async get(assetId: string): Promise<ChunkState | undefined> {
    const state = this.states.get(assetId);
    return state && structuredClone(state);
  }

  async recordChunkJob(assetId: string, index: number, jobId: string): Promise<void> {
    const state = this.must(assetId);
    state.jobs[index] = jobId;
  }

  async completeChunk(assetId: string, index: number) {
    const state = this.must(assetId);
    if (this.finished.has(assetId) || state.done.includes(index)) {
      return { counted: false, complete: false, done: state.done.length };
    }
    state.done.push(index);
    return { counted: true, complete: state.done.length === state.plan.chunks.length, done: state.done.length };
  }

  async claimChunkRetry(assetId: string, index: number, failedJobId: string, maxAttempts: number) {
    const state = this.states.get(assetId);
    const attempts = state?.attempts[index] ?? 1;
    if (!state || this.finished.has(assetId)) return { refused: 'not_current' as const, attempts };
    const finishing = state.done.length === state.plan.chunks.length;
    if (state.done.includes(index) && !finishing) return { refused: 'done' as const, attempts };
    if (state.jobs[index] !== failedJobId) return { refused: 'not_current' as const, attempts };
    if (attempts >= maxAttempts) return { refused: 'exhausted' as const, attempts };
    state.attempts[index] = attempts + 1;
    delete state.jobs[index];
    return { attempt: attempts + 1 };
  }

  private must(assetId: string): ChunkState {
    const state = this.states.get(assetId);
    if (!state) throw new Error(`no chunk plan for ${assetId}`);
    return state;
  }
}
