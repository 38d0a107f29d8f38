import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChunkPlanRecord, ChunkState } from '../domain/chunks.js';
import { NotFoundError, TransitionError } from '../domain/errors.js';
import {
  ASSET_TRANSITIONS,
  type AssetRecord,
  type MediaError,
  type PlaybackId,
  type ReadyPatch,
} from '../domain/media.js';
import { TEXT_TRACK_TRANSITIONS, type TextTrackRecord, type TextTrackStatus } from '../domain/text-tracks-asset.js';
import type {
  AssetRepository,
  ChunkLedger,
  Page,
  PreparingAsset,
  TestAssetExpiry,
  TextTrackRepository,
  TranscodeAttempts,
} from '../ports.js';
import { envIndexKey, MEDIA_TABLE } from '../tables.js';
import { chunkStateFromItem, preparingFromItem, storedAttempts, when } from './asset-item.js';
import { and, type Expr, setAttributes } from './dynamo-expressions.js';
import { assetFromItem, assetToItem, playbackToItem } from './media-items.js';
import { MediaTable } from './media-table.js';

/**
 * The one owner of the media table's asset items (`asset#<id>`) and the playback-id lookup items derived from them:
 * the record, its dispatch claim and transcode attempts, the chunk ledger of a chunked transcode and the text
 * tracks (its downloadable files, static renditions and master, are DynamoAssetFiles'). Every write is one conditional UpdateItem with a named condition (asset-item.ts); a failed one
 * returns the item as it was (ALL_OLD) instead of reading it again.
 */
export class DynamoAssetRepository
  implements AssetRepository, TranscodeAttempts, ChunkLedger, TextTrackRepository, TestAssetExpiry
{
  private readonly table: MediaTable;

  constructor(
    doc: DynamoDBDocumentClient,
    tableName: string,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.table = new MediaTable(doc, tableName);
  }

  async createAsset(asset: AssetRecord): Promise<{ asset: AssetRecord; created: boolean }> {
    const written = await this.table.create(assetToItem(asset));
    if (!written.ok && !written.old) throw new Error(`asset ${asset.id} exists and was not returned`);
    const stored = written.ok ? asset : assetFromItem(written.old ?? {});
    // Written on every call, not only on creation: a retry after a crash between the two writes completes them.
    await Promise.all(stored.playback_ids.map((playback) => this.table.put(playbackToItem(playback, stored.id))));
    return { asset: stored, created: written.ok };
  }

  async getAsset(id: string): Promise<AssetRecord | undefined> {
    const item = await this.table.get('asset', id);
    return item && assetFromItem(item);
  }

  async getPreparing(id: string): Promise<PreparingAsset | undefined> {
    const item = await this.table.get('asset', id);
    return item?.status === 'preparing' ? preparingFromItem(item) : undefined;
  }

  async listAssets(env: string, limit: number, cursor?: string): Promise<Page<AssetRecord>> {
    const page = await this.table.list(envIndexKey(env, 'asset'), limit, cursor);
    return { ...page, items: page.items.map(assetFromItem) };
  }

  async markReady(id: string, patch: ReadyPatch): Promise<AssetRecord> {
    const item = await this.table.transition('asset', id, 'ready', ASSET_TRANSITIONS.ready, {
      duration: patch.duration,
      max_stored_resolution: patch.max_stored_resolution,
      max_stored_frame_rate: patch.max_stored_frame_rate,
      resolution_tier: patch.resolution_tier,
      aspect_ratio: patch.aspect_ratio,
      tracks: patch.tracks,
      input_file: patch.input_file,
      renditions: patch.renditions,
    });
    return assetFromItem(item);
  }

  async markPlayable(id: string): Promise<AssetRecord> {
    const playable_at = this.nowSeconds();
    return assetFromItem(await this.table.transition('asset', id, 'preparing', ['preparing'], { playable_at }));
  }

  async markErrored(id: string, error: MediaError): Promise<AssetRecord> {
    const item = await this.table.transition('asset', id, 'errored', ASSET_TRANSITIONS.errored, {
      errors: { type: error.type, messages: error.messages },
    });
    return assetFromItem(item);
  }

  async updateAsset(
    id: string,
    patch: Pick<AssetRecord, 'passthrough' | 'meta' | 'thumbnail_time'>,
    unset: readonly 'thumbnail_time'[] = [],
  ): Promise<AssetRecord> {
    const set = Object.values(patch).some((v) => v !== undefined) ? setAttributes(patch) : undefined;
    if (!set && unset.length === 0) {
      const asset = await this.getAsset(id);
      if (!asset || asset.status === 'deleted') throw new NotFoundError('asset', id);
      return asset;
    }
    const removed = unset.length > 0 ? `REMOVE ${unset.join(', ')}` : '';
    const update = { ...set, text: [set?.text, removed].filter(Boolean).join(' ') };
    const written = await this.write(id, update, and(when.exists, when.notDeleted));
    return assetFromItem(written);
  }

  async deleteAsset(id: string): Promise<AssetRecord> {
    // Without its index keys the tombstone leaves the environment's listing.
    const indexKeys = { '#gsi1pk': MEDIA_TABLE.byEnvPartitionKey, '#gsi1sk': MEDIA_TABLE.byEnvSortKey };
    const item = await this.table.transition('asset', id, 'deleted', ASSET_TRANSITIONS.deleted, {}, indexKeys);
    const deleted = assetFromItem(item);
    await Promise.all(deleted.playback_ids.map((p) => this.table.delete('playback', p.id)));
    return deleted;
  }

  async getPlaybackId(playbackId: string): Promise<(PlaybackId & { asset_id: string }) | undefined> {
    const item = await this.table.get('playback', playbackId);
    if (!item) return undefined;
    return { id: String(item.id), policy: item.policy as PlaybackId['policy'], asset_id: String(item.asset_id) };
  }

  async addPlaybackId(assetId: string, playback: PlaybackId): Promise<void> {
    const append = { text: 'SET playback_ids = list_append(playback_ids, :new)', values: { ':new': [playback] } };
    await this.write(assetId, append, and(when.exists, when.notDeleted));
    await this.table.put(playbackToItem(playback, assetId));
  }

  async removePlaybackId(assetId: string, playbackId: string): Promise<void> {
    const asset = await this.getAsset(assetId);
    const index = asset?.playback_ids.findIndex((p) => p.id === playbackId) ?? -1;
    if (!asset || asset.status === 'deleted' || index < 0) throw new NotFoundError('playback_id', playbackId);
    const written = await this.table.update(
      'asset',
      assetId,
      { text: `REMOVE playback_ids[${index}]` },
      when.playbackIdAt(index, playbackId),
    );
    if (!written.ok) throw new NotFoundError('playback_id', playbackId);
    await this.table.delete('playback', playbackId);
  }

  // The dispatch claim and the transcode attempts.

  async claimDispatch(id: string, holdSeconds: number): Promise<boolean> {
    const now = this.nowSeconds();
    const written = await this.table.update(
      'asset',
      id,
      { text: 'SET dispatch_claimed_until = :until', values: { ':until': now + holdSeconds } },
      and(when.exists, when.preparing, when.noJob, when.claimFree(now)),
    );
    if (!written.ok && !written.old) throw new NotFoundError('asset', id);
    return written.ok;
  }

  async recordJob(id: string, jobId: string): Promise<void> {
    await this.write(id, { text: 'SET job_id = :job', values: { ':job': jobId } }, when.exists);
  }

  async releaseDispatch(id: string): Promise<void> {
    await this.write(id, { text: 'REMOVE dispatch_claimed_until' }, when.exists);
  }

  async claimRetry(
    assetId: string,
    failedJobId: string | undefined,
    maxAttempts: number,
    holdSeconds: number,
  ): Promise<{ attempt: number } | { refused: 'not_current' | 'exhausted'; attempts: number }> {
    const item = await this.table.get('asset', assetId);
    if (item?.status !== 'preparing') return { refused: 'not_current', attempts: storedAttempts(item) };
    const current = preparingFromItem(item);
    const now = this.nowSeconds();
    const isCurrent =
      failedJobId === undefined
        ? current.jobId === undefined && (current.claimedUntil === undefined || current.claimedUntil < now)
        : current.jobId === failedJobId;
    if (!isCurrent) return { refused: 'not_current', attempts: current.attempts };
    if (current.attempts >= maxAttempts) return { refused: 'exhausted', attempts: current.attempts };

    const attempt = current.attempts + 1;
    const written = await this.table.update(
      'asset',
      assetId,
      {
        text: 'SET attempts = :next, dispatch_claimed_until = :until REMOVE job_id',
        values: { ':next': attempt, ':until': now + holdSeconds },
      },
      and(
        when.preparing,
        when.attemptsAre(item.attempts === undefined ? undefined : current.attempts),
        ...(failedJobId === undefined ? [when.noJob, when.claimFree(now)] : [when.jobIs(failedJobId)]),
      ),
    );
    return written.ok ? { attempt } : { refused: 'not_current', attempts: current.attempts };
  }

  async listPreparing(createdBefore: number): Promise<PreparingAsset[]> {
    const items = await this.table.scan(
      and({ text: 'kind = :asset', values: { ':asset': 'asset' } }, when.preparing, {
        text: 'created_at < :before',
        values: { ':before': createdBefore },
      }),
    );
    return items.map(preparingFromItem);
  }

  async listExpiredTests(createdBefore: number): Promise<string[]> {
    const items = await this.table.scan(
      and({ text: 'kind = :asset', values: { ':asset': 'asset' } }, when.notDeleted, {
        text: '#test = :true AND created_at < :before',
        names: { '#test': 'test' },
        values: { ':true': true, ':before': createdBefore },
      }),
    );
    return items.map((item) => assetFromItem(item).id);
  }

  // The chunk ledger of a chunked transcode.

  async recordPlan(assetId: string, plan: ChunkPlanRecord): Promise<ChunkPlanRecord> {
    const written = await this.table.update(
      'asset',
      assetId,
      {
        text: 'SET chunk_plan = :plan, chunk_jobs = :empty, chunk_attempts = :empty',
        values: { ':plan': plan, ':empty': {} },
      },
      and(when.preparing, when.noChunkPlan),
    );
    if (written.ok) return plan;
    // Lost the race: the first writer's plan is the one the chunk tasks use.
    if (written.old?.status !== 'preparing') throw new TransitionError('asset', assetId, 'preparing', ['preparing']);
    return written.old.chunk_plan as ChunkPlanRecord;
  }

  async get(assetId: string): Promise<ChunkState | undefined> {
    return chunkStateFromItem(await this.table.get('asset', assetId));
  }

  async recordChunkJob(assetId: string, index: number, jobId: string): Promise<void> {
    const job = { text: 'SET chunk_jobs.#i = :job', names: { '#i': String(index) }, values: { ':job': jobId } };
    const written = await this.table.update('asset', assetId, job, when.hasChunkPlan);
    if (!written.ok) throw new Error(`asset ${assetId} has no chunk plan to record the job of chunk ${index} in`);
  }

  async completeChunk(assetId: string, index: number): Promise<{ counted: boolean; complete: boolean; done: number }> {
    // A chunk already in the set (it finished twice) is not counted again: only one call can see it whole.
    const written = await this.table.update(
      'asset',
      assetId,
      { text: 'ADD chunks_done :index', values: { ':index': new Set([index]) } },
      and(when.preparing, when.hasChunkPlan, when.chunkNotDone(index)),
    );
    if (!written.ok)
      return { counted: false, complete: false, done: chunkStateFromItem(written.old)?.done.length ?? 0 };
    const state = chunkStateFromItem(written.item);
    return { counted: true, complete: state?.done.length === state?.plan.chunks.length, done: state?.done.length ?? 0 };
  }

  async claimChunkRetry(
    assetId: string,
    index: number,
    failedJobId: string,
    maxAttempts: number,
  ): Promise<{ attempt: number } | { refused: 'not_current' | 'done' | 'exhausted'; attempts: number }> {
    const item = await this.table.get('asset', assetId);
    const state = chunkStateFromItem(item);
    const attempts = state?.attempts[index] ?? 1;
    if (item?.status !== 'preparing' || !state) return { refused: 'not_current', attempts };
    // A chunk counted done is re-run only when the set is whole: then its task died finishing the asset, and the
    // re-run (finding its chunk done) writes the playlists.
    const finishing = state.done.length === state.plan.chunks.length;
    if (state.done.includes(index) && !finishing) return { refused: 'done', attempts };
    if (state.jobs[index] !== failedJobId) return { refused: 'not_current', attempts };
    if (attempts >= maxAttempts) return { refused: 'exhausted', attempts };
    const attempt = attempts + 1;
    const written = await this.table.update(
      'asset',
      assetId,
      { text: 'SET chunk_attempts.#i = :next REMOVE chunk_jobs.#i', values: { ':next': attempt } },
      and(
        when.preparing,
        when.chunkJobIs(index, failedJobId),
        ...(finishing ? [] : [when.chunkNotDone(index)]),
        when.chunkAttemptsAre(index, state.attempts[index]),
      ),
    );
    return written.ok ? { attempt } : { refused: 'not_current', attempts };
  }

  // Text tracks: one entry of the `text_tracks` map each, written only while the asset is ready.

  async addTextTrack(assetId: string, track: TextTrackRecord): Promise<void> {
    // A nested SET needs the map to exist, and one expression may not both create it and set inside it.
    const empty = { text: 'SET text_tracks = :empty', values: { ':empty': {} } };
    const created = await this.table.update(
      'asset',
      assetId,
      empty,
      and(when.ready, { text: 'attribute_not_exists(text_tracks)' }),
    );
    if (!created.ok && created.old?.status !== 'ready') throw new TransitionError('asset', assetId, 'ready', ['ready']);
    const add = { text: 'SET text_tracks.#track = :track', names: { '#track': track.id }, values: { ':track': track } };
    await this.trackWrite(
      assetId,
      track.id,
      'preparing',
      add,
      and(when.ready, when.hasTextTracks, when.textTrackAbsent(track.id)),
    );
  }

  async finishTextTrack(
    assetId: string,
    trackId: string,
    to: Exclude<TextTrackStatus, 'preparing'>,
    error?: TextTrackRecord['error'],
  ): Promise<void> {
    const settle = {
      text: `SET text_tracks.#track.#status = :to${error ? ', text_tracks.#track.#error = :error' : ''}`,
      names: { '#track': trackId, '#status': 'status', ...(error && { '#error': 'error' }) },
      values: { ':to': to, ...(error && { ':error': error }) },
    };
    const from = TEXT_TRACK_TRANSITIONS[to];
    await this.trackWrite(assetId, trackId, to, settle, and(when.ready, when.textTrackIn(trackId, from)));
  }

  async updateTextTrack(
    assetId: string,
    trackId: string,
    patch: Partial<Pick<TextTrackRecord, 'name' | 'language_code' | 'closed_captions' | 'passthrough'>>,
  ): Promise<TextTrackRecord> {
    const fields = Object.entries(patch).filter(([, value]) => value !== undefined);
    const update = {
      text: `SET ${fields.map((_, i) => `text_tracks.#track.#f${i} = :v${i}`).join(', ')}`,
      names: { '#track': trackId, ...Object.fromEntries(fields.map(([name], i) => [`#f${i}`, name])) },
      values: Object.fromEntries(fields.map(([, value], i) => [`:v${i}`, value])),
    };
    const item = await this.trackWrite(
      assetId,
      trackId,
      'updated',
      update,
      and(when.ready, when.textTrackExists(trackId)),
    );
    const track = (item.text_tracks as Record<string, TextTrackRecord> | undefined)?.[trackId];
    if (!track) throw new NotFoundError('track', trackId);
    return track;
  }

  async removeTextTrack(assetId: string, trackId: string): Promise<void> {
    const remove = { text: 'REMOVE text_tracks.#track', names: { '#track': trackId } };
    await this.trackWrite(assetId, trackId, 'deleted', remove, and(when.ready, when.textTrackExists(trackId)));
  }

  /** A text track write; a failed condition is a TransitionError naming the track and where it was going. */
  private async trackWrite(assetId: string, trackId: string, to: string, update: Expr, condition: Expr) {
    const written = await this.table.update('asset', assetId, update, condition);
    if (!written.ok) throw new TransitionError('track', trackId, to, ['on a ready asset']);
    return written.item;
  }

  /** A write to an asset that must exist (and meet `condition`); NotFoundError otherwise. */
  private async write(id: string, update: Expr, condition: Expr): Promise<Record<string, unknown>> {
    const written = await this.table.update('asset', id, update, condition);
    if (!written.ok) throw new NotFoundError('asset', id);
    return written.item;
  }
}
