/** Assets (`/video/v1/assets`): created from an input URL or by an upload, read, updated, deleted. */
import {
  deleteAsset,
  deleteThumbnailTime,
  getAsset,
  getAssetInputInfo,
  UpdateAssetInput,
  updateAsset,
} from '../../core/usecases/assets.js';
import { AssetListQuery, listAssets } from '../../core/usecases/search.js';
import { CreateAssetInput, createAssetFromUrl } from '../../core/usecases/url-inputs.js';
import { mediaScope, type Route, route, speechScope, urlPolicy } from './route.js';

const tag = 'Assets';

export const assetRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/video/v1/assets',
    permission: 'video:write',
    summary: 'Create an asset from an input URL (fetched by the platform)',
    tag,
    body: CreateAssetInput,
    status: 201,
    returns: 'the asset, preparing',
    run: (req) =>
      createAssetFromUrl(req.body, {
        ...mediaScope(req),
        ...urlPolicy(req),
        inputs: req.deps.inputs,
        slots: req.deps.inputSlots,
        ingestBucket: req.deps.ingestBucket,
        transcoder: req.deps.transcoder,
        warmer: req.deps.warmer,
        generation: speechScope(req),
      }),
  }),
  route({
    method: 'GET',
    path: '/video/v1/assets',
    permission: 'video:read',
    summary:
      'List assets; Gamma extensions: `search` (prefix, any case, of the id, title, creator id, external id or ' +
      'passthrough, or of a word of the title or passthrough; 3+ characters) and `status`',
    tag,
    query: AssetListQuery,
    status: 200,
    list: true,
    returns:
      'assets, newest first (search results in the order of the matched text); `upload_id` gives the one made from that upload, `live_stream_id` none (no live streams)',
    run: (req) => listAssets(req.query, { ...mediaScope(req), search: req.deps.search }),
  }),
  route({
    method: 'GET',
    path: '/video/v1/assets/{ASSET_ID}',
    permission: 'video:read',
    summary: 'Retrieve an asset',
    tag,
    status: 200,
    returns: 'the asset',
    run: (req) => getAsset(req.params.ASSET_ID, mediaScope(req)),
  }),
  route({
    method: 'GET',
    path: '/video/v1/assets/{ASSET_ID}/input-info',
    permission: 'video:read',
    summary: "Retrieve the asset's input info: its settings and the file as probed (container format, tracks)",
    tag,
    status: 200,
    returns: 'one entry per input: { settings: { url }, file: { container_format, tracks } }',
    run: (req) => getAssetInputInfo(req.params.ASSET_ID, mediaScope(req)),
  }),
  route({
    method: 'PATCH',
    path: '/video/v1/assets/{ASSET_ID}',
    permission: 'video:write',
    summary: 'Update passthrough, meta and thumbnail_time (the time a thumbnail without `time` shows)',
    tag,
    body: UpdateAssetInput,
    status: 200,
    returns: 'the asset',
    run: (req) => updateAsset(req.params.ASSET_ID, req.body, mediaScope(req)),
  }),
  route({
    method: 'DELETE',
    path: '/video/v1/assets/{ASSET_ID}/thumbnail-time',
    permission: 'video:write',
    summary: 'Unset thumbnail_time: thumbnails without `time` show the middle of the asset again',
    tag,
    status: 204,
    run: (req) => deleteThumbnailTime(req.params.ASSET_ID, mediaScope(req)),
  }),
  route({
    method: 'DELETE',
    path: '/video/v1/assets/{ASSET_ID}',
    permission: 'video:write',
    summary: 'Delete an asset and every stored object of it',
    tag,
    status: 204,
    run: (req) =>
      deleteAsset(req.params.ASSET_ID, {
        ...mediaScope(req),
        objects: req.deps.objects,
        outputBucket: req.deps.outputBucket,
      }),
  }),
];
