/**
 * The settings a new asset is made with, as Mux's `POST /video/v1/assets` body and an upload's `new_asset_settings`
 * take them (Mux's `AssetOptions`). Every field Mux documents is here: accepted and honoured, translated from an
 * older spelling (`playback_policy`, `encoding_tier`, `mp4_support`, `input`), or refused by name with the reason
 * this deployment cannot do it — never accepted and ignored. A field Mux does not know stays "is not a known field".
 */
import { z } from 'zod';
import {
  type AssetRecord,
  MASTER_ACCESSES,
  type NewAssetSettings,
  VIDEO_QUALITIES,
  type VideoQuality,
} from '../domain/media.js';
import { staticRenditionsFor } from '../domain/static-renditions.js';
import { unsupported } from '../validation.js';
import { AssetMetaInput, Passthrough, PlaybackPolicyInput } from './assets.js';
import { staticRenditionFields, withStaticRenditions } from './static-renditions.js';

/** A list of policies, or one as a bare string (Mux's older integrations send both); a bare one is `.0`. */
const PlaybackPolicies = z.preprocess(
  (value) => (typeof value === 'string' ? [value] : value),
  z.array(PlaybackPolicyInput, { error: 'must be "public" or "signed", or a list of them' }).max(5, {
    error: 'must name at most 5 policies',
  }),
);

/** Mux's `CreatePlaybackIdRequest`, the form `advanced_playback_policies` entries take. */
const AdvancedPlaybackPolicy = z.strictObject({
  policy: PlaybackPolicyInput.default('public'),
  drm_configuration_id: unsupported('no DRM configurations'),
});

/** `encoding_tier`, Mux's older name for `video_quality`, and what each value now is. */
const ENCODING_TIERS = { baseline: 'basic', smart: 'plus', premium: 'premium' } as const satisfies Record<
  string,
  VideoQuality
>;

/** The fields shared by `POST /video/v1/assets` and `new_asset_settings`. */
export const assetSettingsFields = {
  playback_policies: PlaybackPolicies.optional(),
  /** Deprecated by Mux; folded into `playback_policies`, which wins when both are given. */
  playback_policy: PlaybackPolicies.optional(),
  advanced_playback_policies: z.array(AdvancedPlaybackPolicy).max(5).optional(),
  passthrough: Passthrough.optional(),
  meta: AssetMetaInput.optional(),
  max_resolution_tier: z.enum(['1080p', '1440p', '2160p'], { error: 'must be 1080p, 1440p or 2160p' }).optional(),
  video_quality: z.enum(VIDEO_QUALITIES, { error: 'must be basic, plus or premium' }).optional(),
  encoding_tier: z.enum(['baseline', 'smart', 'premium'], { error: 'must be baseline, smart or premium' }).optional(),
  /** Mux's older switch for per-title bit rates: what `plus` does. */
  per_title_encode: z.boolean().optional(),
  normalize_audio: z.boolean().optional(),
  master_access: z.enum(MASTER_ACCESSES, { error: 'must be none or temporary' }).optional(),
  /** Test mode: at most 10 seconds, watermarked, deleted after 24 hours (domain/clips.ts). */
  test: z.boolean().optional(),
  /** Read by a clip input (asset-inputs.ts; Mux's default true); without a clip Mux ignores it too. */
  copy_overlays: z.boolean().optional(),
  ...staticRenditionFields,
  /** Shot detection once the asset is ready (the transcoder starts it as it marks the asset ready). */
  generate_shots: z.boolean({ error: 'must be a boolean' }).optional(),
  directives: unsupported('no Mux Robots directives'),
};

type SettingsFields = z.output<z.ZodObject<typeof assetSettingsFields>>;

/**
 * Folds the older spellings into one `NewAssetSettings`: `playback_policy` and `advanced_playback_policies` into
 * `playback_policies`, `encoding_tier` and `per_title_encode` into `video_quality` (refused when they disagree),
 * and keeps `mp4_support` or `static_renditions` (not both) as given.
 */
export function normalizeSettings<T extends SettingsFields>(input: T, ctx: z.RefinementCtx) {
  const {
    playback_policy,
    playback_policies,
    advanced_playback_policies,
    encoding_tier,
    per_title_encode,
    video_quality,
    copy_overlays: _onlyForClips,
    directives: _refused,
    ...rest
  } = withStaticRenditions(input, ctx);
  const policies = [
    ...[playback_policies ?? playback_policy ?? []].flat(),
    ...(advanced_playback_policies ?? []).map((p) => p.policy),
  ];
  const quality = videoQualityOf({ video_quality, encoding_tier, per_title_encode }, ctx);
  const settings: NewAssetSettings = {
    ...rest,
    ...(policies.length > 0 && { playback_policies: policies }),
    ...(quality && { video_quality: quality }),
    ...(per_title_encode !== undefined && { per_title_encode }),
  };
  return settings;
}

function videoQualityOf(
  given: Pick<SettingsFields, 'video_quality' | 'encoding_tier' | 'per_title_encode'>,
  ctx: z.RefinementCtx,
): VideoQuality | undefined {
  const fromTier = given.encoding_tier && ENCODING_TIERS[given.encoding_tier];
  if (given.video_quality && fromTier && fromTier !== given.video_quality) {
    ctx.addIssue({
      code: 'custom',
      path: ['encoding_tier'],
      message: `${given.encoding_tier} is video_quality ${fromTier}, which disagrees with video_quality ${given.video_quality}`,
    });
  }
  const quality = given.video_quality ?? fromTier;
  if (given.per_title_encode === true && quality === 'basic') {
    ctx.addIssue({
      code: 'custom',
      path: ['per_title_encode'],
      message: 'per-title encoding is video_quality plus or premium, which disagrees with basic',
    });
  }
  return quality ?? (given.per_title_encode ? 'plus' : undefined);
}

/**
 * The fields of a new asset that follow from its settings (and the upload's or a clip's parent's `test` flag),
 * shared by assets created from a URL and by uploads.
 */
export function assetFieldsFrom(
  assetId: string,
  settings: NewAssetSettings,
  otherTest?: boolean,
): Pick<
  AssetRecord,
  | 'passthrough'
  | 'meta'
  | 'max_resolution_tier'
  | 'static_renditions'
  | 'video_quality'
  | 'per_title_encode'
  | 'normalize_audio'
  | 'master_access'
  | 'test'
  | 'master'
  | 'generate_shots'
> {
  const test = otherTest === true || settings.test === true;
  return {
    ...(settings.passthrough !== undefined && { passthrough: settings.passthrough }),
    ...(settings.meta && { meta: settings.meta }),
    ...(settings.max_resolution_tier && { max_resolution_tier: settings.max_resolution_tier }),
    ...staticRenditionsFor(assetId, settings),
    ...(settings.video_quality && { video_quality: settings.video_quality }),
    ...(settings.per_title_encode !== undefined && { per_title_encode: settings.per_title_encode }),
    ...(settings.normalize_audio && { normalize_audio: true }),
    ...(settings.master_access === 'temporary' && {
      master_access: 'temporary' as const,
      master: { status: 'preparing' as const },
    }),
    ...(test && { test: true }),
    ...(settings.generate_shots && { generate_shots: true }),
  };
}
