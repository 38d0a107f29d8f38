/**
 * An asset's downloadable files after creation (Mux's paths): static renditions, `mp4_support`, master access.
 * Each change of a ready asset starts a transcoder task that writes the file (usecases/asset-files.ts).
 */
import {
  type AssetFilesContext,
  CreateStaticRenditionInput,
  createStaticRendition,
  deleteStaticRendition,
  UpdateMasterAccessInput,
  UpdateMp4SupportInput,
  updateMasterAccess,
  updateMp4Support,
} from '../../core/usecases/asset-files.js';
import { type Route, type RouteRequest, route } from './route.js';

const tag = 'Assets';
const ASSET = '/video/v1/assets/{ASSET_ID}';

const filesScope = ({ caller, deps }: Pick<RouteRequest, 'caller' | 'deps'>): AssetFilesContext => ({
  env: caller.env,
  media: deps.media,
  files: deps.assetFiles,
  runner: deps.runner(),
  objects: deps.objects,
  outputBucket: deps.outputBucket,
});

export const assetFileRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: `${ASSET}/static-renditions`,
    permission: 'video:write',
    summary:
      'Add a static rendition (MP4/M4A download) to a ready asset: remuxed from the stored rung by stream copy; ' +
      '`skipped` at once when the asset has no such rung; refused on an asset with mp4_support files',
    tag,
    body: CreateStaticRenditionInput,
    status: 201,
    returns: 'the static rendition, preparing (or skipped)',
    run: (req) => createStaticRendition(req.params.ASSET_ID, req.body, filesScope(req)),
  }),
  route({
    method: 'DELETE',
    path: `${ASSET}/static-renditions/{STATIC_RENDITION_ID}`,
    permission: 'video:write',
    summary: 'Delete a static rendition and its file (refused while it is being made)',
    tag,
    status: 204,
    run: (req) => deleteStaticRendition(req.params.ASSET_ID, req.params.STATIC_RENDITION_ID, filesScope(req)),
  }),
  route({
    method: 'PUT',
    path: `${ASSET}/mp4-support`,
    permission: 'video:write',
    summary:
      "Mux's deprecated `mp4_support`, as static renditions: `capped-1080p` is an MP4 of at most 1080p " +
      '(`highest.mp4`, or `1080p.mp4` above a 1080p ladder; also served as `capped-1080p.mp4`), `audio-only` is ' +
      '`audio.m4a`; `none` removes the files mp4_support made (`standard` is refused). Refused on an asset with ' +
      'files of the Static Renditions API: an asset has one kind or the other, as Mux allows',
    tag,
    body: UpdateMp4SupportInput,
    status: 200,
    returns: 'the asset',
    run: (req) => updateMp4Support(req.params.ASSET_ID, req.body, filesScope(req)),
  }),
  route({
    method: 'PUT',
    path: `${ASSET}/master-access`,
    permission: 'video:write',
    summary:
      '`temporary`: a full-quality master MP4 (stream copy of the source when H.264/HEVC and AAC, else a CRF 18 ' +
      'encode), its URL valid 24 hours, then removed; `none` removes it now (refused while it is being made)',
    tag,
    body: UpdateMasterAccessInput,
    status: 200,
    returns: 'the asset, its `master` preparing',
    run: (req) => updateMasterAccess(req.params.ASSET_ID, req.body, filesScope(req)),
  }),
];
