/**
 * Assets from an input URL (`POST /video/v1/assets` with `inputs: [{ url }]`, as Mux): the API checks the URL and
 * creates the asset (preparing); the fetch function copies the file into the ingest bucket and dispatches the
 * transcode as ingest does for direct uploads.
 */
import { z } from 'zod';
import { InvalidInputError, TooManyRequestsError, TransitionError, ValidationError } from '../domain/errors.js';
import { newId } from '../domain/ids.js';
import { inputObjectKey } from '../domain/layout.js';
import { type AssetRecord, type MuxAsset, toMuxAsset } from '../domain/media.js';
import { type AddressPolicy, type Resolve, refusedInputUrl } from '../domain/url-safety.js';
import type { InputFetcher, InputJob, InputQueue, InputSlots, MediaRepository, TranscodeRunner } from '../ports.js';
import { notYetSupported } from '../validation.js';
import { assetFieldsFrom, assetSettingsFields, normalizeSettings } from './asset-settings.js';
import { dispatchTranscode } from './ingest.js';

const Url = z.string().max(4096, { error: 'must be at most 4096 characters' });

/**
 * One of Mux's `inputs`: the file's `url`. Everything else an input can be (a clip of another asset, a text or audio
 * track, an overlay, generated subtitles) is the tracks and clips work, refused by name until it is here.
 */
const InputEntry = z.strictObject({
  url: Url.refine((url) => !url.startsWith('mux://'), {
    error: 'mux://assets/ clip inputs are not yet supported in this deployment',
  }),
  type: z
    .enum(['video', 'audio', 'text'], { error: 'must be video, audio or text' })
    .refine((type) => type === 'video', {
      error: 'audio and text track inputs are not yet supported in this deployment',
    })
    .optional(),
  overlay_settings: notYetSupported('overlays'),
  start_time: notYetSupported('clipping'),
  end_time: notYetSupported('clipping'),
  generated_subtitles: notYetSupported(
    'generated subtitles on an input: once the asset is ready, POST /video/v1/assets/{ASSET_ID}/tracks/{AUDIO_TRACK_ID}/generate-subtitles',
  ),
  language_code: notYetSupported('text and audio tracks'),
  name: notYetSupported('text and audio tracks'),
  closed_captions: notYetSupported('text and audio tracks'),
  text_type: notYetSupported('text and audio tracks'),
  passthrough: notYetSupported('text and audio tracks'),
});

const Inputs = z.array(InputEntry).min(1, { error: 'must name the file to make the asset from: [{ "url": … }]' });

/** The body of `POST /video/v1/assets`: `inputs` (or Mux's older `input`, a list or one URL) and the settings. */
export const CreateAssetInput = z
  .strictObject({
    inputs: Inputs.optional(),
    input: z.union([Url.transform((url) => [{ url }]).pipe(Inputs), Inputs]).optional(),
    ...assetSettingsFields,
  })
  .transform(({ input, inputs, ...settings }, ctx) => {
    if (input && inputs) ctx.addIssue({ code: 'custom', path: ['input'], message: 'cannot be given with inputs' });
    const list = inputs ?? input ?? [];
    if (list.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['inputs'], message: 'is required: [{ "url": <the file> }]' });
    }
    if (list.length > 1) {
      const message = 'further inputs (tracks, overlays) are not yet supported in this deployment';
      ctx.addIssue({ code: 'custom', path: [inputs ? 'inputs' : 'input', 1], message });
    }
    return { inputs: list.map(({ url }) => ({ url })), ...normalizeSettings(settings, ctx) };
  });
export type CreateAssetInput = z.output<typeof CreateAssetInput>;

/**
 * How many URL inputs one environment may have queued or fetching at once: enough for a batch import, few enough
 * that one environment cannot hold the fetch functions (or fill the queue) for everyone else. More get a 429.
 */
export const MAX_URL_INPUTS_IN_FLIGHT = 10;

/**
 * How long a slot is held at most: the input queue's 3 receives of 16 minutes each, with room to spare. A fetch
 * that ends releases its slot sooner; one whose message went to the dead-letter queue lapses.
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
    now?: () => number;
  },
): Promise<MuxAsset> {
  const url = input.inputs[0]?.url ?? '';
  const refused = await refusedInputUrl(url, ctx.resolve, ctx.policy);
  if (refused) throw new ValidationError([`inputs.0.url: ${refused}`]);
  const id = newId();
  const now = Math.floor((ctx.now ?? Date.now)() / 1000);
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
    source: { bucket: ctx.ingestBucket, key: inputObjectKey(id) },
    input_url: url,
    playback_ids: (input.playback_policies ?? []).map((policy) => ({ id: newId(), policy })),
    ...assetFieldsFrom(id, input),
  };
  try {
    await ctx.media.createAsset(asset);
    await ctx.inputs.submit({ assetId: id, url });
  } catch (err) {
    await ctx.slots.release(ctx.env, id);
    throw err;
  }
  return toMuxAsset(asset);
}

export type FetchOutcome = 'dispatched' | 'not_preparing' | 'already_dispatched' | 'input_refused';

/**
 * Fetches an asset's input into its source key and starts its transcode. Safe to repeat: the copy overwrites,
 * and only the holder of the dispatch claim starts a job. A URL that cannot give a file marks the asset errored;
 * other failures throw, so the message is retried. Every outcome but a retry gives the environment's slot back.
 */
export async function fetchInput(
  job: InputJob,
  ctx: {
    media: MediaRepository;
    fetcher: InputFetcher;
    runner: TranscodeRunner;
    outputBucket: string;
    slots: InputSlots;
  },
): Promise<FetchOutcome> {
  const asset = await ctx.media.getAsset(job.assetId);
  if (!asset) return 'not_preparing';
  const outcome = await fetchAndDispatch(job, asset, ctx);
  await ctx.slots.release(asset.env, asset.id);
  return outcome;
}

async function fetchAndDispatch(
  job: InputJob,
  asset: AssetRecord,
  ctx: { media: MediaRepository; fetcher: InputFetcher; runner: TranscodeRunner; outputBucket: string },
): Promise<FetchOutcome> {
  if (asset.status !== 'preparing') return 'not_preparing';
  try {
    await ctx.fetcher.fetchTo(job.url, asset.source.bucket, asset.source.key);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    try {
      await ctx.media.markErrored(asset.id, { type: 'invalid_input', messages: [err.message] });
    } catch (transition) {
      if (!(transition instanceof TransitionError)) throw transition;
    }
    return 'input_refused';
  }
  return (await dispatchTranscode(asset, ctx)) === undefined ? 'already_dispatched' : 'dispatched';
}
