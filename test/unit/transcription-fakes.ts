/** Fakes for generated subtitles: vocabularies in memory and a speech-to-text service driven by the test. */
import { NotFoundError } from '../../lambdas/core/domain/errors.js';
import type { VocabularyRecord } from '../../lambdas/core/domain/transcription-vocabularies.js';
import type {
  Page,
  Transcriber,
  TranscriptionProgress,
  TranscriptionRequest,
  VocabularyRepository,
} from '../../lambdas/core/ports.js';

export class InMemoryVocabularies implements VocabularyRepository {
  readonly items = new Map<string, VocabularyRecord>();

  async put(v: VocabularyRecord) {
    this.items.set(v.id, structuredClone(v));
  }

  async get(id: string) {
    return structuredClone(this.items.get(id));
  }

  /** Newest first, `limit` a page; the cursor is the index of the next item. */
  async list(env: string, limit: number, cursor?: string): Promise<Page<VocabularyRecord>> {
    const all = [...this.items.values()]
      .filter((v) => v.env === env)
      .sort((a, b) => b.created_at - a.created_at || b.id.localeCompare(a.id));
    const start = Number(cursor ?? 0);
    const items = all.slice(start, start + limit);
    return { items, ...(start + limit < all.length && { next: String(start + limit) }) };
  }

  async count(env: string, upTo: number) {
    return Math.min(upTo, [...this.items.values()].filter((v) => v.env === env).length);
  }

  async update(id: string, patch: Pick<VocabularyRecord, 'name' | 'passthrough' | 'phrases' | 'updated_at'>) {
    const v = this.items.get(id);
    if (!v) throw new NotFoundError('transcription vocabulary', id);
    const updated: VocabularyRecord = { id: v.id, env: v.env, created_at: v.created_at, ...patch };
    for (const key of ['name', 'passthrough'] as const) if (updated[key] === undefined) delete updated[key];
    this.items.set(id, updated);
    return structuredClone(updated);
  }

  async delete(id: string) {
    this.items.delete(id);
  }
}

/** Records what it was asked; `progress` says what `advance` answers next. */
export class FakeTranscriber implements Transcriber {
  readonly started: TranscriptionRequest[] = [];
  readonly advanced: string[] = [];
  readonly cleaned: string[] = [];
  progress: TranscriptionProgress = { status: 'pending' };
  refuseStart = false;

  async start(request: TranscriptionRequest) {
    if (this.refuseStart) throw new Error('ThrottlingException');
    this.started.push(structuredClone(request));
  }

  async advance(request: Omit<TranscriptionRequest, 'phrases'>) {
    this.advanced.push(request.jobName);
    return this.progress;
  }

  async cleanUp(jobName: string) {
    this.cleaned.push(jobName);
  }
}
