/**
 * In-memory implementations of the ports, honouring the same rules as the DynamoDB adapters (guarded
 * transitions from media.ts, conditional creates, one dispatch claim), so use cases can be tested without AWS.
 */
import {
  AlreadyExistsError,
  NotFoundError,
  TransitionError,
  ValidationError,
} from '../../lambdas/core/domain/errors.js';
import {
  ASSET_TRANSITIONS,
  type AssetRecord,
  type MediaError,
  type MultipartState,
  type PlaybackId,
  type ReadyPatch,
  UPLOAD_TRANSITIONS,
  type UploadRecord,
} from '../../lambdas/core/domain/media.js';
import type {
  ConnectionRecord,
  ConnectionRepository,
  MediaObjects,
  MediaRepository,
  Page,
  PreparingAsset,
  Pusher,
  TranscodeJob,
  TranscodeRunner,
  UploadUrls,
} from '../../lambdas/core/ports.js';

const copy = <T>(value: T): T => structuredClone(value);

function page<T extends { env: string; created_at: number; id: string }>(
  all: Iterable<T>,
  env: string,
  limit: number,
  cursor: string | undefined,
): Page<T> {
  const sorted = [...all]
    .filter((item) => item.env === env)
    .sort((a, b) => b.created_at - a.created_at || b.id.localeCompare(a.id));
  const start = cursor === undefined ? 0 : Number(cursor);
  if (!Number.isInteger(start) || start < 0) throw new ValidationError(['cursor: is not a cursor of this listing']);
  const items = sorted.slice(start, start + limit).map(copy);
  return { items, ...(start + limit < sorted.length && { next: String(start + limit) }) };
}

interface StoredAsset {
  asset: AssetRecord;
  claimedUntil?: number;
  jobId?: string;
}

export class InMemoryMediaRepository implements MediaRepository {
  readonly uploads = new Map<string, UploadRecord>();
  readonly assets = new Map<string, StoredAsset>();
  readonly playbackIds = new Map<string, PlaybackId & { asset_id: string }>();
  /** Seconds; tests move it to make a dispatch claim stale. */
  clock = 1_700_000_000;

  async putUpload(upload: UploadRecord): Promise<void> {
    if (this.uploads.has(upload.id)) throw new AlreadyExistsError('upload', upload.id);
    this.uploads.set(upload.id, copy(upload));
  }

  async getUpload(id: string): Promise<UploadRecord | undefined> {
    const upload = this.uploads.get(id);
    return upload && copy(upload);
  }

  async listUploads(env: string, limit: number, cursor?: string): Promise<Page<UploadRecord>> {
    return page(this.uploads.values(), env, limit, cursor);
  }

  async transitionUpload(
    id: string,
    to: Exclude<UploadRecord['status'], 'waiting'>,
    patch: Partial<UploadRecord> = {},
  ): Promise<UploadRecord> {
    const upload = this.uploads.get(id);
    if (!upload) throw new NotFoundError('upload', id);
    const allowed = UPLOAD_TRANSITIONS[to];
    if (!allowed.includes(upload.status)) throw new TransitionError('upload', id, to, allowed);
    upload.status = to;
    if (patch.asset_id !== undefined) upload.asset_id = patch.asset_id;
    if (patch.error !== undefined) upload.error = patch.error;
    return copy(upload);
  }

  async recordMultipart(id: string, multipart: MultipartState): Promise<UploadRecord> {
    const upload = this.uploads.get(id);
    if (!upload) throw new NotFoundError('upload', id);
    if (upload.status !== 'waiting') throw new TransitionError('upload', id, 'multipart', ['waiting']);
    if (!upload.multipart || upload.multipart.upload_id === multipart.upload_id) upload.multipart = copy(multipart);
    return copy(upload);
  }

  async createAsset(asset: AssetRecord): Promise<{ asset: AssetRecord; created: boolean }> {
    const existing = this.assets.get(asset.id);
    const stored = existing ?? { asset: copy(asset) };
    this.assets.set(asset.id, stored);
    for (const playback of stored.asset.playback_ids) {
      this.playbackIds.set(playback.id, { ...playback, asset_id: asset.id });
    }
    return { asset: copy(stored.asset), created: !existing };
  }

  async getAsset(id: string): Promise<AssetRecord | undefined> {
    const stored = this.assets.get(id);
    return stored && copy(stored.asset);
  }

  async listAssets(env: string, limit: number, cursor?: string): Promise<Page<AssetRecord>> {
    return page(
      [...this.assets.values()].map((s) => s.asset).filter((a) => a.status !== 'deleted'),
      env,
      limit,
      cursor,
    );
  }

  async markReady(id: string, patch: ReadyPatch): Promise<AssetRecord> {
    const stored = this.transitionAsset(id, 'ready');
    Object.assign(stored.asset, copy(patch));
    return copy(stored.asset);
  }

  async markPlayable(id: string): Promise<AssetRecord> {
    const stored = this.assets.get(id);
    if (!stored) throw new NotFoundError('asset', id);
    if (stored.asset.status !== 'preparing') throw new TransitionError('asset', id, 'preparing', ['preparing']);
    stored.asset.playable_at = this.clock;
    return copy(stored.asset);
  }

  async markErrored(id: string, error: MediaError): Promise<AssetRecord> {
    const stored = this.transitionAsset(id, 'errored');
    stored.asset.errors = copy(error);
    return copy(stored.asset);
  }

  async claimDispatch(id: string, holdSeconds: number): Promise<boolean> {
    const stored = this.assets.get(id);
    if (!stored) throw new NotFoundError('asset', id);
    const free = stored.claimedUntil === undefined || stored.claimedUntil < this.clock;
    if (stored.asset.status !== 'preparing' || stored.jobId !== undefined || !free) return false;
    stored.claimedUntil = this.clock + holdSeconds;
    return true;
  }

  async recordJob(id: string, jobId: string): Promise<void> {
    const stored = this.assets.get(id);
    if (!stored) throw new NotFoundError('asset', id);
    stored.jobId = jobId;
  }

  async releaseDispatch(id: string): Promise<void> {
    const stored = this.assets.get(id);
    if (!stored) throw new NotFoundError('asset', id);
    stored.claimedUntil = undefined;
  }

  async getPreparing(id: string): Promise<PreparingAsset | undefined> {
    const stored = this.assets.get(id);
    if (stored?.asset.status !== 'preparing') return undefined;
    const { asset, jobId, claimedUntil } = stored;
    return { asset: copy(asset), attempts: 1, ...(jobId && { jobId }), ...(claimedUntil && { claimedUntil }) };
  }

  async getPlaybackId(playbackId: string): Promise<(PlaybackId & { asset_id: string }) | undefined> {
    const playback = this.playbackIds.get(playbackId);
    return playback && copy(playback);
  }

  async updateAsset(
    id: string,
    patch: Pick<AssetRecord, 'passthrough' | 'meta' | 'thumbnail_time'>,
    unset: readonly 'thumbnail_time'[] = [],
  ): Promise<AssetRecord> {
    const stored = this.assets.get(id);
    if (!stored || stored.asset.status === 'deleted') throw new NotFoundError('asset', id);
    if (patch.passthrough !== undefined) stored.asset.passthrough = patch.passthrough;
    if (patch.meta !== undefined) stored.asset.meta = copy(patch.meta);
    if (patch.thumbnail_time !== undefined) stored.asset.thumbnail_time = patch.thumbnail_time;
    for (const field of unset) delete stored.asset[field];
    return copy(stored.asset);
  }

  async deleteAsset(id: string): Promise<AssetRecord> {
    const stored = this.transitionAsset(id, 'deleted');
    for (const playback of stored.asset.playback_ids) this.playbackIds.delete(playback.id);
    return copy(stored.asset);
  }

  async addPlaybackId(assetId: string, playback: PlaybackId): Promise<void> {
    const stored = this.assets.get(assetId);
    if (!stored || stored.asset.status === 'deleted') throw new NotFoundError('asset', assetId);
    stored.asset.playback_ids.push(copy(playback));
    this.playbackIds.set(playback.id, { ...playback, asset_id: assetId });
  }

  async listWaitingUploads(): Promise<UploadRecord[]> {
    return [...this.uploads.values()].filter((u) => u.status === 'waiting').map(copy);
  }

  async removePlaybackId(assetId: string, playbackId: string): Promise<void> {
    const stored = this.assets.get(assetId);
    const index = stored?.asset.playback_ids.findIndex((p) => p.id === playbackId) ?? -1;
    if (!stored || index < 0) throw new NotFoundError('playback_id', playbackId);
    stored.asset.playback_ids.splice(index, 1);
    this.playbackIds.delete(playbackId);
  }

  private transitionAsset(id: string, to: keyof typeof ASSET_TRANSITIONS): StoredAsset {
    const stored = this.assets.get(id);
    if (!stored) throw new NotFoundError('asset', id);
    const allowed = ASSET_TRANSITIONS[to];
    if (!allowed.includes(stored.asset.status)) throw new TransitionError('asset', id, to, allowed);
    stored.asset.status = to;
    return stored;
  }
}

export class InMemoryConnections implements ConnectionRepository {
  readonly connections = new Map<string, ConnectionRecord>();

  async put(connection: ConnectionRecord): Promise<void> {
    this.connections.set(connection.connectionId, copy(connection));
  }

  async delete(connectionId: string): Promise<void> {
    this.connections.delete(connectionId);
  }

  async subscribe(connectionId: string, ids: string[]): Promise<void> {
    const connection = this.connections.get(connectionId);
    if (!connection) throw new NotFoundError('connection', connectionId);
    connection.subscriptions = [...new Set([...(connection.subscriptions ?? []), ...ids])];
  }

  async listByEnv(env: string): Promise<ConnectionRecord[]> {
    return [...this.connections.values()].filter((c) => c.env === env).map(copy);
  }

  async listByToken(env: string, tokenId: string): Promise<ConnectionRecord[]> {
    return (await this.listByEnv(env)).filter((c) => c.token_id === tokenId);
  }
}

export { InMemoryEnvironments, InMemoryTokens } from './access-fakes.js';

/** Records what was posted; connections in `gone` report 'gone', those in `failing` throw. */
export class RecordingPusher implements Pusher {
  readonly posted: { connectionId: string; message: unknown }[] = [];
  readonly gone = new Set<string>();
  readonly failing = new Set<string>();

  async post(connectionId: string, message: unknown): Promise<'sent' | 'gone'> {
    if (this.failing.has(connectionId)) throw new Error(`post to ${connectionId} failed`);
    if (this.gone.has(connectionId)) return 'gone';
    this.posted.push({ connectionId, message });
    return 'sent';
  }

  readonly closed: string[] = [];
  async close(connectionId: string): Promise<void> {
    this.closed.push(connectionId);
  }
}

/** Objects by bucket and key; deletions are recorded. */
export class InMemoryObjects implements MediaObjects {
  readonly objects = new Set<string>();
  readonly deleted: string[] = [];

  add(bucket: string, key: string): void {
    this.objects.add(`${bucket}/${key}`);
  }

  async deletePrefix(bucket: string, prefix: string): Promise<number> {
    const matching = [...this.objects].filter((k) => k.startsWith(`${bucket}/${prefix}`));
    for (const key of matching) await this.deleteObject(bucket, key.slice(bucket.length + 1));
    return matching.length;
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    this.objects.delete(`${bucket}/${key}`);
    this.deleted.push(`${bucket}/${key}`);
  }
}

export class FakeUploadUrls implements UploadUrls {
  readonly signed: { key: string; expiresIn: number }[] = [];

  async presignPut(key: string, expiresIn: number): Promise<string> {
    this.signed.push({ key, expiresIn });
    return `https://ingest.example/${key}?X-Amz-Expires=${expiresIn}`;
  }
}

/** Starts nothing; records the jobs, and fails while `failWith` is set. */
export class RecordingRunner implements TranscodeRunner {
  readonly jobs: TranscodeJob[] = [];
  failWith: Error | undefined;

  async start(job: TranscodeJob): Promise<{ jobId: string }> {
    if (this.failWith) throw this.failWith;
    this.jobs.push(job);
    return { jobId: `task/${job.assetId}/${this.jobs.length}` };
  }
}

export function waitingUpload(overrides: Partial<UploadRecord> = {}): UploadRecord {
  return {
    id: 'upload1',
    env: 'env1',
    status: 'waiting',
    created_at: 1_700_000_000,
    timeout: 3600,
    url: 'https://ingest.example/uploads/upload1',
    new_asset_settings: { playback_policies: ['public'] },
    ...overrides,
  };
}

export function preparingAsset(overrides: Partial<AssetRecord> = {}): AssetRecord {
  return {
    id: 'asset1',
    env: 'env1',
    status: 'preparing',
    created_at: 1_700_000_000,
    upload_id: 'upload1',
    source: { bucket: 'ingest', key: 'uploads/upload1' },
    playback_ids: [{ id: 'play1', policy: 'public' }],
    ...overrides,
  };
}

/** The environment a transcoder task starts with for one asset (the transcoder's unit tests). */
export const TASK_ASSET_ID = 'asset123';
export const TASK_ENV = {
  MEDIA_TABLE: 'media',
  OUTPUT_BUCKET: 'output',
  ASSET_ID: TASK_ASSET_ID,
  SOURCE_BUCKET: 'ingest',
  SOURCE_KEY: 'uploads/up1',
};
