/**
 * The one registry of environment-variable names. `lib/` sets them on functions and tasks, the runtime reads
 * them through `required()` / `envFor()`; no variable name is typed anywhere else.
 */
export const ENV = {
  /** DynamoDB table of uploads, assets and playback ids (has a stream). */
  MEDIA_TABLE: 'MEDIA_TABLE',
  /** DynamoDB table of WebSocket connections. */
  CONNECTIONS_TABLE: 'CONNECTIONS_TABLE',
  /** DynamoDB table of hashed access tokens. */
  TOKENS_TABLE: 'TOKENS_TABLE',
  /** DynamoDB table of the public keys that verify playback tokens (Mux signing keys). */
  SIGNING_KEYS_TABLE: 'SIGNING_KEYS_TABLE',
  /** Bucket that receives direct uploads (ObjectCreated → ingest queue). */
  INGEST_BUCKET: 'INGEST_BUCKET',
  /** Bucket the transcoder writes HLS into; served through the stream distribution. */
  OUTPUT_BUCKET: 'OUTPUT_BUCKET',
  /** Public base URL of playback (CloudFront, or the local stream server). */
  STREAM_URL: 'STREAM_URL',
  /** `fargate`, `queue` or `mediaconvert`: which TranscodeRunner the ingest handler uses. */
  TRANSCODER: 'TRANSCODER',
  /** ECS cluster ARN the Fargate transcoder tasks run in. */
  ECS_CLUSTER_ARN: 'ECS_CLUSTER_ARN',
  /**
   * Task definition of the FFmpeg transcoder: its ARN, or (in the task's own environment, where the ARN would be a
   * circular reference) its family, which RunTask resolves to the latest active revision.
   */
  TASK_DEFINITION_ARN: 'TASK_DEFINITION_ARN',
  /** Name of the transcoder container inside the task definition (for overrides). */
  TASK_CONTAINER_NAME: 'TASK_CONTAINER_NAME',
  /** Comma-separated subnet ids for awsvpc networking. */
  TASK_SUBNETS: 'TASK_SUBNETS',
  /** Comma-separated security group ids for awsvpc networking. */
  TASK_SECURITY_GROUPS: 'TASK_SECURITY_GROUPS',
  /** IAM role MediaConvert assumes (mediaconvert mode only). */
  MEDIACONVERT_ROLE_ARN: 'MEDIACONVERT_ROLE_ARN',
  /** https endpoint of the WebSocket stage's @connections management API. */
  WEBSOCKET_CALLBACK_URL: 'WEBSOCKET_CALLBACK_URL',
  /** Seconds a direct-upload URL stays valid when the request names no timeout. */
  UPLOAD_TIMEOUT_SECONDS: 'UPLOAD_TIMEOUT_SECONDS',
  /** The largest uploaded file accepted, in bytes: refused at multipart start, errored at ingest if it arrives. */
  MAX_UPLOAD_BYTES: 'MAX_UPLOAD_BYTES',
  /**
   * `uid:gid` the transcoder starts ffmpeg, ffprobe and other media tools as (set by its image, where the entry point
   * runs as root only to drop them to it); unset, they run as the entry point's own user (local platform, tests).
   */
  MEDIA_TOOL_USER: 'MEDIA_TOOL_USER',
  /** Per-task inputs (container overrides): the asset to transcode and where its source is. */
  ASSET_ID: 'ASSET_ID',
  SOURCE_BUCKET: 'SOURCE_BUCKET',
  SOURCE_KEY: 'SOURCE_KEY',
  /** Optional: the source's S3 version and ETag, pinned at ingest (domain/media.ts `SourceObject`). */
  SOURCE_VERSION_ID: 'SOURCE_VERSION_ID',
  SOURCE_ETAG: 'SOURCE_ETAG',
  /** DynamoDB table of webhook endpoints and their delivery log. */
  WEBHOOKS_TABLE: 'WEBHOOKS_TABLE',
  /** SQS queue of webhook deliveries (one message per event and endpoint). */
  WEBHOOK_QUEUE_URL: 'WEBHOOK_QUEUE_URL',
  /** Seconds before the second delivery attempt of a webhook; each later attempt waits twice as long. */
  WEBHOOK_RETRY_BASE_SECONDS: 'WEBHOOK_RETRY_BASE_SECONDS',
  /** The longest wait between two delivery attempts of a webhook, seconds: the doubling stops there. */
  WEBHOOK_RETRY_MAX_SECONDS: 'WEBHOOK_RETRY_MAX_SECONDS',
  /** SQS queue of assets to create from an input URL (the fetch function consumes it). */
  INPUT_QUEUE_URL: 'INPUT_QUEUE_URL',
  /** SQS queue of the ingest bucket's ObjectCreated events (the ingest function consumes it). */
  INGEST_QUEUE_URL: 'INGEST_QUEUE_URL',
  /**
   * `true` lets outbound URLs (input fetches, webhook deliveries) point at loopback addresses: set only in the local
   * platform, whose tests serve and receive on 127.0.0.1; never on AWS.
   */
  ALLOW_LOOPBACK_URLS: 'ALLOW_LOOPBACK_URLS',
  /** Secrets Manager secret holding the PEM private key the stream distribution trusts (CloudFront signed URLs). */
  PLAYBACK_KEY_SECRET: 'PLAYBACK_KEY_SECRET',
  /** Secrets Manager secret the deploy writes the first access token into (handlers/first-token.ts). */
  FIRST_TOKEN_SECRET: 'FIRST_TOKEN_SECRET',
  /** CloudFront public key id of that key (the signed URLs' `Key-Pair-Id`). */
  PLAYBACK_KEY_PAIR_ID: 'PLAYBACK_KEY_PAIR_ID',
  /** SSM parameter holding the stream's public URL, which signatures name (set after the distribution exists). */
  STREAM_URL_PARAMETER: 'STREAM_URL_PARAMETER',
  /** Optional cap on the ladder: 1080p, 1440p or 2160p. */
  MAX_RESOLUTION_TIER: 'MAX_RESOLUTION_TIER',
  /** Optional, with CHUNK_WORKERS=tasks: chunk tasks per asset at most; above 1, long sources are chunked. */
  CHUNK_PARALLELISM: 'CHUNK_PARALLELISM',
  /**
   * Optional: `process` (default) encodes in one ffmpeg of one task; `tasks` gives each chunk of a long source its
   * own task (CHUNK_PARALLELISM tasks at most), started by the first one through the runner's variables; `queue`
   * puts each chunk on the work queue for the running workers (CHUNK_PARALLELISM chunks at most).
   */
  CHUNK_WORKERS: 'CHUNK_WORKERS',
  /** Optional: the shortest chunk worth a worker, seconds (a source is chunked only if it makes two). Default 12. */
  CHUNK_MIN_SECONDS: 'CHUNK_MIN_SECONDS',
  /** Per-task input of a chunk task (container override): which chunk of the asset's recorded plan it encodes. */
  CHUNK_INDEX: 'CHUNK_INDEX',
  /**
   * SQS work queue of transcode jobs, taken by the queue workers (CHUNK_WORKERS=queue) or the transcode function; the
   * workers' holds their chunk jobs too (the function's go on CHUNK_QUEUE_URL).
   */
  WORK_QUEUE_URL: 'WORK_QUEUE_URL',
  /**
   * Set on the transcode function only: the queue its jobs put their chunk jobs on, which Lambda takes with an event
   * source of its own, so a long source's chunks never hold every sandbox an upload's first job needs (README, How
   * fast). Absent (the workers): chunk jobs go on WORK_QUEUE_URL with the rest.
   */
  CHUNK_QUEUE_URL: 'CHUNK_QUEUE_URL',
  /**
   * What the transcode function's event source invokes (its ARN, or its `live` alias's with provisioned sandboxes):
   * the API invokes it with the keep-warm ping when an upload or input URL is created, so the job that follows finds
   * a sandbox started.
   */
  TRANSCODE_FUNCTION_NAME: 'TRANSCODE_FUNCTION_NAME',
  /** The work queue's visibility timeout, seconds: a worker extends a job's visibility by this while it runs it. */
  WORK_VISIBILITY_SECONDS: 'WORK_VISIBILITY_SECONDS',
  /**
   * Set on the transcode function (jobRuntime 'lambda'), whose jobs must end within Lambda's 15 minutes: the most
   * source seconds one job there takes on. A longer single pass (or master, or generated subtitles) is handed off to
   * HANDOFF_QUEUE_URL; chunks are planned no longer than this.
   */
  HANDOFF_AFTER_SECONDS: 'HANDOFF_AFTER_SECONDS',
  /** With HANDOFF_AFTER_SECONDS: the Fargate workers' queue, where the function forwards a job it hands off. */
  HANDOFF_QUEUE_URL: 'HANDOFF_QUEUE_URL',
  /**
   * Set by Lambda in a function's sandbox, never by Gamma: the Runtime API's host and port, where the transcoder's
   * entry point takes invocations when it runs as the transcode function (containers/transcoder/src/lambda-runtime.ts).
   */
  AWS_LAMBDA_RUNTIME_API: 'AWS_LAMBDA_RUNTIME_API',
  /**
   * Set by the local stand-in of the transcode function (scripts/local/lambda-agent.ts), never on AWS: the function
   * is not alone under its user there, so between invocations it kills only its own descendants (sandbox.ts).
   */
  LOCAL_SANDBOX: 'LOCAL_SANDBOX',
  /**
   * Set by ECS in every container of a task (Fargate platform 1.4.0+), never by Gamma: the task metadata endpoint, where
   * a queue worker learns its service to grow it (containers/transcoder/src/fleet.ts).
   */
  ECS_CONTAINER_METADATA_URI_V4: 'ECS_CONTAINER_METADATA_URI_V4',
  /**
   * Optional per-task input (container override): comma-separated static renditions to write after the ladder,
   * e.g. `highest,audio-only` (domain/static-renditions.ts).
   */
  STATIC_RENDITIONS: 'STATIC_RENDITIONS',
  /** Optional per-task input (container override): Mux's `video_quality`, basic (default), plus or premium. */
  VIDEO_QUALITY: 'VIDEO_QUALITY',
  /** Optional per-task input (container override): `true` loudness-normalises the audio (Mux's `normalize_audio`). */
  NORMALIZE_AUDIO: 'NORMALIZE_AUDIO',
  /** Optional per-task input (container override): `true` for a test asset (at most 10 s, watermarked). */
  TEST_ASSET: 'TEST_ASSET',
  /**
   * Optional: the speech-to-text service of generated subtitles (`-c transcriber`): `amazon-transcribe` (the
   * GeneratedSubtitles construct sets it on AWS) or `pocketsphinx` (in the transcoder's task: the API starts a
   * `subtitles` task, the transcoder transcribes); absent, they are refused with a 400.
   */
  TRANSCRIBER: 'TRANSCRIBER',
  /**
   * Optional, transcoder: the Python interpreter that has pocketsphinx (containers/transcoder/speech/). @default
   * python3 (the image's); the local platform points it at .gamma/venv.
   */
  SPEECH_PYTHON: 'SPEECH_PYTHON',
  /**
   * The role each transcoder job assumes with a session policy naming its asset (containers/transcoder/src/
   * job-scope.ts); set on every deployment. Absent (unit tests), the job uses the task's own credentials.
   */
  JOB_ROLE_ARN: 'JOB_ROLE_ARN',
  /** Optional per-task input (container override): a clip's window, `<start>,<end>` seconds (end may be empty). */
  CLIP_WINDOW: 'CLIP_WINDOW',
  /** Optional per-task input (container override): the watermark images, JSON `[{ bucket, key, settings }]`. */
  OVERLAYS: 'OVERLAYS',
  /**
   * Optional per-task input (container override): what a task does (TranscodeJob `mode`): unset, the whole
   * transcode; on an asset that is already ready, `tracks` (prepare its preparing tracks), `shots` (detect its
   * shots), `static_renditions` or `master` (write only those files).
   */
  TASK_MODE: 'TASK_MODE',
  /** Optional per-task input (container override): Mux's `master_access`, `temporary` also writes the master MP4. */
  MASTER_ACCESS: 'MASTER_ACCESS',
} as const;

export type EnvName = keyof typeof ENV;

/** Which variables each runtime component reads. `lib/` must set every one (checked at synth and in tests). */
export const USES = {
  api: [
    'MEDIA_TABLE',
    'TOKENS_TABLE',
    'SIGNING_KEYS_TABLE',
    'INGEST_BUCKET',
    'OUTPUT_BUCKET',
    'STREAM_URL',
    'UPLOAD_TIMEOUT_SECONDS',
    'MAX_UPLOAD_BYTES',
    'WEBHOOKS_TABLE',
    'INPUT_QUEUE_URL',
    // Revoking a token closes its WebSocket connections.
    'CONNECTIONS_TABLE',
    'WEBSOCKET_CALLBACK_URL',
    // Audio tracks, shots, static renditions and the master after creation start the transcoder on a ready asset;
    // MediaConvert deployments refuse them.
    'TRANSCODER',
  ],
  // INPUT_QUEUE_URL: an upload whose settings name watermark images has them fetched by the URL-input function.
  // INGEST_QUEUE_URL: its own queue, whose deliveries that find the dispatch claim held come back when it ends.
  ingest: [
    'MEDIA_TABLE',
    'INGEST_BUCKET',
    'OUTPUT_BUCKET',
    'TRANSCODER',
    'MAX_UPLOAD_BYTES',
    'INPUT_QUEUE_URL',
    'INGEST_QUEUE_URL',
  ],
  /** The TranscodeRunner adapters: the ingest function also reads the variables of the one it is configured with. */
  fargateRunner: [
    'ECS_CLUSTER_ARN',
    'TASK_DEFINITION_ARN',
    'TASK_CONTAINER_NAME',
    'TASK_SUBNETS',
    'TASK_SECURITY_GROUPS',
  ],
  mediaconvertRunner: ['MEDIACONVERT_ROLE_ARN'],
  queueRunner: ['WORK_QUEUE_URL'],
  /** Errors the asset of a job the work queue gave up on (its dead-letter queue). */
  workDeadLetters: ['MEDIA_TABLE'],
  notify: ['MEDIA_TABLE', 'CONNECTIONS_TABLE', 'WEBSOCKET_CALLBACK_URL', 'STREAM_URL'],
  wsConnect: ['CONNECTIONS_TABLE', 'TOKENS_TABLE'],
  wsDisconnect: ['CONNECTIONS_TABLE'],
  wsSubscribe: ['CONNECTIONS_TABLE'],
  /** Retries a crashed transcode, so it also reads the variables of the runner (as ingest does). */
  taskStopped: ['MEDIA_TABLE', 'OUTPUT_BUCKET', 'TRANSCODER'],
  sweeper: ['MEDIA_TABLE', 'OUTPUT_BUCKET', 'TRANSCODER'],
  mediaconvertStatus: ['MEDIA_TABLE'],
  playback: [
    'MEDIA_TABLE',
    'SIGNING_KEYS_TABLE',
    'OUTPUT_BUCKET',
    'PLAYBACK_KEY_SECRET',
    'PLAYBACK_KEY_PAIR_ID',
    'STREAM_URL_PARAMETER',
  ],
  /** The deploy-time custom resource that makes the playback signing key (handlers/playback-key.ts). */
  playbackKey: ['PLAYBACK_KEY_SECRET'],
  /** The deploy-time custom resource that makes the first access token (handlers/first-token.ts). */
  firstToken: ['TOKENS_TABLE', 'FIRST_TOKEN_SECRET'],
  uploadTimeouts: ['MEDIA_TABLE', 'INGEST_BUCKET'],
  /** Fetches input URLs into the ingest bucket and dispatches, so it also reads the runner's variables. */
  urlFetch: ['MEDIA_TABLE', 'INGEST_BUCKET', 'OUTPUT_BUCKET', 'TRANSCODER', 'MAX_UPLOAD_BYTES', 'INPUT_QUEUE_URL'],
  /** Reads environments' names from the tokens table for the envelope's `environment.name`. */
  webhookFanout: ['WEBHOOKS_TABLE', 'WEBHOOK_QUEUE_URL', 'TOKENS_TABLE'],
  webhookDeliver: ['WEBHOOKS_TABLE', 'WEBHOOK_QUEUE_URL', 'WEBHOOK_RETRY_BASE_SECONDS', 'WEBHOOK_RETRY_MAX_SECONDS'],
  transcoder: ['MEDIA_TABLE', 'OUTPUT_BUCKET', 'ASSET_ID', 'SOURCE_BUCKET', 'SOURCE_KEY'],
  /** Amazon Transcribe's events about generated subtitles' jobs (handlers/transcription-events.ts). */
  transcriptionEvents: ['MEDIA_TABLE', 'OUTPUT_BUCKET'],
  /** Starts them for assets created with `generated_subtitles` once ready (handlers/transcription-start.ts). */
  transcriptionStart: ['MEDIA_TABLE'],
} as const satisfies Record<string, readonly EnvName[]>;

export type Component = keyof typeof USES;

/** Variables a component may read but need not have (read with `optional`). */
export const OPTIONAL: Partial<Record<Component, readonly EnvName[]>> = {
  /** With CHUNK_WORKERS=tasks the first task starts the chunk tasks, so it also reads the runner's variables. */
  transcoder: [
    'MAX_RESOLUTION_TIER',
    'CHUNK_PARALLELISM',
    'CHUNK_WORKERS',
    'CHUNK_MIN_SECONDS',
    'CHUNK_INDEX',
    'STATIC_RENDITIONS',
    'VIDEO_QUALITY',
    'NORMALIZE_AUDIO',
    'TEST_ASSET',
    'JOB_ROLE_ARN',
    'CLIP_WINDOW',
    'OVERLAYS',
    'TASK_MODE',
    'TRANSCRIBER',
    'SPEECH_PYTHON',
    // Text and audio tracks: their files are fetched under the input-URL address rules.
    'ALLOW_LOOPBACK_URLS',
    'ECS_CLUSTER_ARN',
    'TASK_DEFINITION_ARN',
    'TASK_CONTAINER_NAME',
    'TASK_SUBNETS',
    'TASK_SECURITY_GROUPS',
    'WORK_QUEUE_URL',
    'CHUNK_QUEUE_URL',
    'WORK_VISIBILITY_SECONDS',
    'HANDOFF_AFTER_SECONDS',
  ],
  queueRunner: ['CHUNK_QUEUE_URL'],
  api: ['ALLOW_LOOPBACK_URLS', 'TRANSCRIBER', 'TRANSCODE_FUNCTION_NAME'],
  urlFetch: ['ALLOW_LOOPBACK_URLS'],
  webhookDeliver: ['ALLOW_LOOPBACK_URLS'],
};

export function required(name: EnvName, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[ENV[name]];
  if (value === undefined || value === '') {
    throw new Error(`Missing required environment variable ${ENV[name]}`);
  }
  return value;
}

export function optional(name: EnvName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[ENV[name]];
  return value === undefined || value === '' ? undefined : value;
}

/** Reads every variable a component uses, failing with the first missing name. */
export function envFor<C extends Component>(
  component: C,
  env: NodeJS.ProcessEnv = process.env,
): { [K in (typeof USES)[C][number]]: string } {
  const out: Record<string, string> = {};
  for (const name of USES[component]) out[name] = required(name, env);
  return out as { [K in (typeof USES)[C][number]]: string };
}

/** Turns registry-keyed values into the variables a function or container is given. */
export function environmentOf(values: Partial<Record<EnvName, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) out[ENV[name as EnvName]] = value;
  }
  return out;
}
