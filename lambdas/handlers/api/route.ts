/**
 * One entry of the API's route table: the route's path (Mux's, with named parameters), method, request schemas,
 * words for the OpenAPI document, and the one use case call it makes. The handler (`../api.ts`) parses the body
 * and query with the schemas before `run`, and wraps what `run` returns in Mux's `{ data }` envelope.
 */
import type { z } from 'zod';
import type { Resolve } from '../../core/domain/url-safety.js';
import type { Operation } from '../../core/openapi.js';
import type {
  AssetSearchIndex,
  AudioTrackRepository,
  ConnectionRepository,
  EnvironmentRepository,
  FileFetcher,
  InputQueue,
  InputSlots,
  MasterStore,
  MediaObjects,
  MediaRepository,
  MultipartUploads,
  ObjectUrls,
  ObjectWriter,
  PlaybackRestrictionRepository,
  Pusher,
  SandboxWarmer,
  ShotsRepository,
  SigningKeyRepository,
  StaticRenditionsStore,
  TaskTranscription,
  TextTrackRepository,
  TokenRepository,
  TranscodeRunner,
  Transcriber,
  UploadUrls,
  VocabularyRepository,
  WebhookRepository,
} from '../../core/ports.js';
import type { TranscoderKind } from '../../core/usecases/asset-work.js';
import type { MasterUrlSigner } from '../../core/usecases/master-urls.js';
import type { TextObjects } from '../../core/usecases/playback.js';
import type { Caller } from '../../core/usecases/tokens.js';

export interface ApiDeps {
  media: MediaRepository;
  /** Signs a ready master's URL as assets are read (usecases/master-urls.ts); absent, it is shown without one. */
  masterUrl?: MasterUrlSigner;
  urls: UploadUrls;
  /** Multipart uploads of large files (Gamma's extension of direct uploads). */
  multipart: MultipartUploads;
  /** The largest file accepted, in bytes. */
  maxUploadBytes: number;
  tokens: TokenRepository;
  environments: EnvironmentRepository;
  /** Revoking a token closes its WebSocket connections. */
  connections: ConnectionRepository;
  pusher: Pusher;
  /** Search entries of assets, written when an asset is edited or deleted and read by the list's `search`. */
  search: AssetSearchIndex;
  objects: MediaObjects;
  webhooks: WebhookRepository;
  signingKeys: SigningKeyRepository;
  playbackRestrictions: PlaybackRestrictionRepository;
  /** Assets from an input URL are queued for fetching; input and webhook URLs are checked with `resolve`. */
  inputs: InputQueue;
  /** How many URL inputs each environment has in flight (bounded: usecases/url-inputs.ts). */
  inputSlots: InputSlots;
  ingestBucket: string;
  resolve: Resolve;
  allowLoopbackUrls: boolean;
  /** Where renditions live; deleting an asset removes its objects there. */
  outputBucket: string;
  /** Seconds an upload URL stays valid when the request names no timeout. */
  defaultUploadTimeout: number;
  /** Text tracks: their records on the asset, their files fetched, the asset's playlists read, the rendition written. */
  tracks: TextTrackRepository;
  files: FileFetcher;
  textObjects: TextObjects;
  writer: ObjectWriter;
  /** Transcription vocabularies (media table items). */
  vocabularies: VocabularyRepository;
  /** Generated subtitles' speech-to-text service; absent where the deployment has none (they are refused). */
  transcriber?: Transcriber;
  /** pocketsphinx in a transcoder task (TRANSCRIBER=pocketsphinx); neither it nor `transcriber`: none. */
  inTask?: TaskTranscription;
  /** Work the transcoder does on a ready asset (alternate audio tracks, shots): its records and the task it runs. */
  assetWork: AudioTrackRepository & ShotsRepository;
  transcoder: TranscoderKind;
  runner: () => TranscodeRunner;
  /** Starts a transcode sandbox when an upload or input URL is created; absent where none would start cold. */
  warmer?: SandboxWarmer;
  /** Time-limited URLs of the shots manifest and stills. */
  objectUrls: ObjectUrls;
  /** An asset's static renditions and master after creation (their tasks are started by `runner`). */
  assetFiles: StaticRenditionsStore & MasterStore;
  /** Where playback is served (`{streamUrl}/{playbackId}.m3u8`): the SDK's playback helpers are redirected there. */
  streamUrl: string;
}

/** `'ASSET_ID' | 'PLAYBACK_ID'` of `/video/v1/assets/{ASSET_ID}/playback-ids/{PLAYBACK_ID}`. */
type ParamName<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | ParamName<Rest> : never;
type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;
type Schema = z.ZodType | undefined;

/** What a route's `run` is given: path parameters by name, the parsed body and query, the caller, the adapters. */
export interface RouteRequest<P extends string = string, B extends Schema = Schema, Q extends Schema = Schema> {
  params: Record<ParamName<P>, string>;
  body: Parsed<B>;
  query: Parsed<Q>;
  caller: Caller;
  deps: ApiDeps;
}

interface RouteSpec<P extends string, B extends Schema, Q extends Schema> extends Operation {
  readonly path: P;
  /** Parsed with `parseOrThrow` (400 naming each field) before `run`; a missing body is `{}`. */
  readonly body?: B;
  readonly query?: Q;
  /** `run` returns Mux's list envelope `{ data, next_cursor }` itself; other routes return what `data` holds. */
  readonly list?: true;
  /** The one use case call. A 204 route's result is dropped; a 302 route's result is the `Location`. */
  run(req: RouteRequest<P, B, Q>): Promise<unknown>;
}

export type Route = RouteSpec<string, Schema, Schema>;

/** Types a route table entry: `params`, `body` and `query` in `run` follow from `path` and the schemas. */
export const route = <P extends string, B extends Schema = undefined, Q extends Schema = undefined>(
  spec: RouteSpec<P, B, Q>,
): Route => spec as unknown as Route;

type Context = Pick<RouteRequest, 'caller' | 'deps'>;

/** The scopes use cases take: the caller's environment and the one repository they work on. */
export const mediaScope = ({ caller, deps }: Context) => ({ env: caller.env, media: deps.media });
export const keyScope = ({ caller, deps }: Context) => ({ env: caller.env, signingKeys: deps.signingKeys });
export const restrictionScope = ({ caller, deps }: Context) => ({
  env: caller.env,
  restrictions: deps.playbackRestrictions,
});
export const webhookScope = ({ caller, deps }: Context) => ({ env: caller.env, webhooks: deps.webhooks });
export const accessScope = ({ deps }: Context) => ({
  tokens: deps.tokens,
  environments: deps.environments,
  connections: deps.connections,
  pusher: deps.pusher,
});
/** What starting the transcoder on a ready asset needs. */
export const assetWorkScope = ({ deps }: Context) => ({
  transcoder: deps.transcoder,
  runner: deps.runner,
  outputBucket: deps.outputBucket,
});
/** Generated subtitles' service and vocabularies (generate-subtitles, and `generated_subtitles` on an input). */
export const speechScope = ({ deps }: Context) => ({
  vocabularies: deps.vocabularies,
  transcriber: deps.transcriber,
  inTask: deps.inTask,
});
/** How URLs a caller hands over (inputs, webhook endpoints) are checked before anything fetches them. */
export const urlPolicy = ({ deps }: Context) => ({
  resolve: deps.resolve,
  policy: { allowLoopback: deps.allowLoopbackUrls },
});
