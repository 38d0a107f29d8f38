/**
 * Assets from an input URL (`POST /video/v1/assets` with `inputs: [{ url }]`, as Mux): the API checks the URL and
 * creates the asset (preparing); the fetch function copies the file into the ingest bucket and dispatches the
 * transcode as ingest does for direct uploads.
 */
import { z } from 'zod';
import { TooManyRequestsError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { type AssetRecord, type MuxAsset, toMuxAsset } from '../domain/media.js';
import { MAX_OVERLAY_BYTES } from '../domain/overlays.js';
import type { AddressPolicy, Resolve } from '../domain/url-safety.js';
import type {
  InputFetcher,
  InputJob,
  InputQueue,
  InputSlots,
  MediaRepository,
  SandboxWarmer,
  TranscodeRunner,
} from '../ports.js';
import { resolveInputs } from './asset-inputs.js';
import { assetFieldsFrom, assetSettingsFields, normalizeSettings } from './asset-settings.js';
import { refuseUnderMediaConvert, type TranscoderKind } from './asset-work.js';
import { type ClaimTime, dispatchTranscode } from './ingest.js';
import { checkedInputs, InputEntry, type InputGenerationContext, trackFieldsFor } from './input-tracks.js';

const Url = z.string().max(4096, { error: 'must be at most 4096 characters' });

const Inputs = z.array(InputEntry).min(1, { error: 'must name the file to make the asset from: [{ "url": … }]' });

/** The body of `POST /video/v1/assets`: `inputs` (or Mux's older `input`, a list or one URL) and the settings. */
export const CreateAssetInput = z
  .strictObject({
    inputs: Inputs.optional(),
    input: z.union([Url.transform((url): z.input<typeof Inputs> => [{ url }]).pipe(Inputs), Inputs]).optional(),
    ...assetSettingsFields,
  })
  .transform(({ input, inputs, ...settings }, ctx) => {
    if (input && inputs) ctx.addIssue({ code: 'custom', path: ['input'], message: 'cannot be given with inputs' });
    const list = inputs ?? input ?? [];
    if (list.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['inputs'], message: 'is required: [{ "url": <the file> }]' });
    }
    // The video (or clip) and its watermark images; the track inputs are recorded as tracks.
    const { entries, tracks } = checkedInputs(list, inputs ? 'inputs' : 'input', ctx, 'url');
    // Mux's default: a clip copies its parent's overlays unless told not to.
    const copyOverlays = settings.copy_overlays ?? true;
    return { ...normalizeSettings(settings, ctx), inputs: entries, copyOverlays, tracks };
  });
export type CreateAssetInput = z.output<typeof CreateAssetInput>;

/**
 * How many URL inputs one environment may have queued or fetching at once: enough for a batch import, few enough
 * that one environment cannot hold the fetch functions (or fill the queue) for everyone else. More get a 429.
 */
export const MAX_URL_INPUTS_IN_FLIGHT = 10;

/**
 * The input queue (lib/constructs/url-inputs.ts): a receive is hidden longer than the fetch function's 15 minutes,
 * and a fetch that keeps failing is given up on (dead-lettered) after 3 receives.
 */
export const INPUT_QUEUE = { visibilitySeconds: 16 * 60, maxReceives: 3 } as const;

/**
 * How long a slot is held at most: the input queue's 3 receives of 16 minutes each, with room to spare. A fetch
 * that ends releases its slot sooner; one whose message went to the dead-letter queue lapses. Until then, an asset
 * the fetch function dispatches is not stuck without a job: its fetch may be waiting for its next receive.
 */
export const URL_INPUT_LEASE_SECONDS = 3600;

export async function createAssetFromUrl(
  input: CreateAssetInput,
  ctx: {
    env: string;
    media: MediaRepository;
    inputs: InputQueue;
    slots: InputSlots;
    ingestBucket: string;
    resolve: Resolve;
    policy?: AddressPolicy;
    transcoder: TranscoderKind;
    now?: () => number;
    /** Starts a transcode sandbox while the input is fetched (absent where none would start cold). */
    warmer?: SandboxWarmer;
    /** Generated subtitles (`inputs[0].generated_subtitles`): the vocabularies and the speech-to-text service. */
    generation?: Omit<InputGenerationContext, 'asset' | 'env' | 'transcriptBucket'>;
  },
): Promise<MuxAsset> {
  if (input.generate_shots) refuseUnderMediaConvert(ctx.transcoder, 'generate_shots', 'shot detection');
  const nowMs = (ctx.now ?? Date.now)();
  const id = newId();
  const { fields, parentIsTest } = await resolveInputs(input.inputs, input.copyOverlays, id, ctx);
  const generation = ctx.generation && {
    ...ctx.generation,
    env: ctx.env,
    transcriptBucket: ctx.ingestBucket,
    asset: { id, source: fields.source },
  };
  const tracks = await trackFieldsFor(input.tracks, { ...ctx, nowMs, generation });
  const now = Math.floor(nowMs / 1000);
  if (!(await ctx.slots.claim(ctx.env, id, MAX_URL_INPUTS_IN_FLIGHT, now + URL_INPUT_LEASE_SECONDS))) {
    throw new TooManyRequestsError(
      `This environment already has ${MAX_URL_INPUTS_IN_FLIGHT} assets being fetched from input URLs; retry once one of them is fetched`,
    );
  }
  const asset: AssetRecord = {
    id,
    env: ctx.env,
    status: 'preparing',
    created_at: now,
    ...fields,
    playback_ids: (input.playback_policies ?? []).map((policy) => ({ id: newId(), policy })),
    ...assetFieldsFrom(id, input, parentIsTest),
    ...tracks,
  };
  try {
    await ctx.media.createAsset(asset);
    // A clip has nothing of its own to fetch but its watermarks; it goes through the same queue, which dispatches.
    await ctx.inputs.submit({ assetId: id, url: fields.input_url ?? '' });
  } catch (err) {
    await ctx.slots.release(ctx.env, id);
    throw err;
  }
  await ctx.warmer?.warm();
  return toMuxAsset(asset);
}

export type FetchOutcome = 'dispatched' | 'not_preparing' | 'already_dispatched' | 'input_refused';

/**
 * Fetches an asset's input into its source key and starts its transcode, both under the dispatch claim: a
 * redelivery finds the claim (or the job) before downloading again. Safe to repeat: the copy overwrites, and only
 * the holder of the claim fetches and starts a job. A URL that cannot give a file marks the asset errored; other
 * failures throw, so the message is retried. Every outcome but a retry gives the environment's slot back.
 */
export async function fetchInput(
  job: InputJob,
  ctx: ClaimTime & {
    media: MediaRepository;
    fetcher: InputFetcher;
    runner: TranscodeRunner;
    outputBucket: string;
    slots: InputSlots;
  },
): Promise<FetchOutcome> {
  const asset = await ctx.media.getAsset(job.assetId);
  if (!asset) return 'not_preparing';
  const outcome = asset.status === 'preparing' ? await fetchAndDispatch(job, asset, ctx) : 'not_preparing';
  await ctx.slots.release(asset.env, asset.id);
  return outcome;
}

async function fetchAndDispatch(
  job: InputJob,
  asset: AssetRecord,
  ctx: ClaimTime & { media: MediaRepository; fetcher: InputFetcher; runner: TranscodeRunner; outputBucket: string },
): Promise<FetchOutcome> {
  // What an earlier delivery stored is not fetched again: its job may have failed to start after the download,
  // and by the retry a presigned URL has often expired (its 403 would error an asset whose file is in place).
  const fetchOnce = async (url: string, bucket: string, key: string, maxBytes?: number) => {
    if (!(await ctx.fetcher.stored(bucket, key))) await ctx.fetcher.fetchTo(url, bucket, key, maxBytes);
  };
  const dispatch = await dispatchTranscode(asset, ctx, async () => {
    // A clip reads its parent's source and an upload's file is in place: only their own watermark images are
    // fetched (at most MAX_OVERLAY_BYTES each).
    if (!asset.source_asset_id && !asset.upload_id) await fetchOnce(job.url, asset.source.bucket, asset.source.key);
    for (const overlay of asset.overlays ?? []) {
      if (overlay.url) await fetchOnce(overlay.url, overlay.bucket, overlay.key, MAX_OVERLAY_BYTES);
    }
  });
  return dispatch.outcome === 'refused' ? 'input_refused' : dispatch.outcome;
}
