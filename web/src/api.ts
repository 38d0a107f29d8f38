/**
 * The Mux-compatible Video API as the dashboard uses it, typed with the API's own shapes (`lambdas/core/domain`).
 * Every failure becomes an `ApiError` whose `message` is words a person can read; an endpoint this deployment does
 * not have (405) is remembered so the UI can hide what would not work.
 */

// The API's own shapes, imported as types only: erased by the build, so no server code reaches the bundle.
import type { MuxAsset as Asset, MuxUpload as Upload } from '../../lambdas/core/domain/media.js';
import { t } from './i18n/index.js';

export type { PlaybackId, Track } from '../../lambdas/core/domain/media.js';
export type { StaticRenditionFile } from '../../lambdas/core/domain/static-renditions.js';
export type { Asset, Upload };

export interface Page<T> {
  data: T[];
  next_cursor?: string;
}

/**
 * What the dashboard can do: false once the API said the endpoint is not there, or when the token lacks the
 * permission (a read-only token sees no write controls; the API would refuse them with 403 anyway).
 */
export type Capability = 'deleteAsset' | 'updateAsset' | 'cancelUpload' | 'upload' | 'textTracks';
/** The permission each capability needs (lambdas/core/domain/permissions.ts). */
const NEEDS: Record<Capability, string> = {
  deleteAsset: 'video:write',
  updateAsset: 'video:write',
  cancelUpload: 'video:write',
  upload: 'video:write',
  textTracks: 'video:write',
};

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type?: string,
  ) {
    super(message);
  }
}

export const tokenHeader = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`;

export class GammaApi {
  private readonly missing = new Set<Capability>();

  /** The token's permissions, once known (`/system/v1/whoami`): until then every control shows. */
  permissions?: readonly string[];

  constructor(
    private readonly baseUrl: string,
    private readonly authorization: string,
  ) {}

  supports(capability: Capability): boolean {
    return !this.missing.has(capability) && this.can(NEEDS[capability]);
  }

  /** Whether the token holds `permission` (a write permission includes its read). */
  can(permission: string): boolean {
    const [area] = permission.split(':');
    return !this.permissions || this.permissions.includes(permission) || this.permissions.includes(`${area}:write`);
  }

  async request<T>(method: string, path: string, body?: unknown, capability?: Capability): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: this.authorization,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(t('api.unreachable'), 0);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.ok) return json as T;
    const err = (json as { error?: { type?: string; messages?: string[] } } | undefined)?.error;
    if (capability && res.status === 405) {
      this.missing.add(capability);
      throw new ApiError(t('api.unsupported'), res.status, 'unsupported');
    }
    throw new ApiError(describe(res.status, err?.messages, err?.type), res.status, err?.type);
  }

  /** `search` and `status` are Gamma's extensions of the list: every asset of the environment, not just a page. */
  listAssets(query: { limit: number; cursor?: string; search?: string; status?: string }) {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.cursor) params.set('cursor', query.cursor);
    if (query.search) params.set('search', query.search);
    if (query.status) params.set('status', query.status);
    return this.request<Page<Asset>>('GET', `/video/v1/assets?${params}`);
  }

  async getAsset(id: string) {
    return (await this.request<{ data: Asset }>('GET', `/video/v1/assets/${encodeURIComponent(id)}`)).data;
  }

  /** Mux: `PATCH /video/v1/assets/{id}` with `passthrough` and `meta`. */
  async updateAsset(id: string, patch: { passthrough?: string; meta?: { title?: string } }) {
    const path = `/video/v1/assets/${encodeURIComponent(id)}`;
    return (await this.request<{ data: Asset }>('PATCH', path, patch, 'updateAsset')).data;
  }

  /** Mux: `DELETE /video/v1/assets/{id}` → 204. */
  async deleteAsset(id: string) {
    await this.request<void>('DELETE', `/video/v1/assets/${encodeURIComponent(id)}`, undefined, 'deleteAsset');
  }

  /** Mux: `POST /video/v1/assets/{id}/tracks` (a subtitle file by URL) → the track. */
  async addTextTrack(
    assetId: string,
    track: { url: string; language_code: string; name?: string; closed_captions: boolean },
  ) {
    const path = `/video/v1/assets/${encodeURIComponent(assetId)}/tracks`;
    const body = { ...track, type: 'text', text_type: 'subtitles' };
    return (await this.request<{ data: { id: string; name?: string } }>('POST', path, body, 'textTracks')).data;
  }

  /** Mux: `DELETE /video/v1/assets/{id}/tracks/{trackId}` → 204. */
  async deleteTextTrack(assetId: string, trackId: string) {
    const path = `/video/v1/assets/${encodeURIComponent(assetId)}/tracks/${encodeURIComponent(trackId)}`;
    await this.request<void>('DELETE', path, undefined, 'textTracks');
  }

  /** Mux: `POST /video/v1/uploads` → a direct upload with a presigned `url`. */
  async createUpload(settings: { title?: string; corsOrigin: string; mp4Download?: boolean }) {
    const body = {
      cors_origin: settings.corsOrigin,
      new_asset_settings: {
        playback_policies: ['public'],
        ...(settings.title && { meta: { title: settings.title.slice(0, 512) } }),
        ...(settings.mp4Download && { static_renditions: [{ resolution: 'highest' }] }),
      },
    };
    return (await this.request<{ data: Upload }>('POST', '/video/v1/uploads', body)).data;
  }

  async getUpload(id: string) {
    return (await this.request<{ data: Upload }>('GET', `/video/v1/uploads/${encodeURIComponent(id)}`)).data;
  }

  /** Mux: `PUT /video/v1/uploads/{id}/cancel`. */
  async cancelUpload(id: string) {
    const path = `/video/v1/uploads/${encodeURIComponent(id)}/cancel`;
    return (await this.request<{ data: Upload }>('PUT', path, undefined, 'cancelUpload')).data;
  }
}

function describe(status: number, messages: string[] | undefined, type?: string): string {
  const detail = messages?.filter(Boolean).join(' ');
  // The authorizer answers 401 without a token and 403 for one it does not know; a token lacking a permission gets
  // 403 `forbidden`.
  if (status === 401 || status === 403) return t(type === 'forbidden' ? 'api.forbidden' : 'api.unauthorized');
  if (status === 404) return t('api.notFound');
  if (status === 429) return t('api.tooMany');
  // The API's own messages (Mux's words, in English) say exactly what was wrong; they are shown as they are.
  if (status >= 500) return detail ?? t('api.failed');
  return detail ?? t('api.http', { status });
}
