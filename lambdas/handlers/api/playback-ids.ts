/** Playback IDs: an asset's (`/video/v1/assets/{ASSET_ID}/playback-ids`) and the lookup by id alone. */
import {
  CreatePlaybackIdInput,
  createPlaybackId,
  deletePlaybackId,
  getPlaybackIdObject,
  getPlaybackIdOfAsset,
} from '../../core/usecases/assets.js';
import { mediaScope, type Route, route } from './route.js';

const tag = 'Playback IDs';

export const playbackIdRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/video/v1/assets/{ASSET_ID}/playback-ids',
    summary: 'Create a playback ID',
    tag,
    body: CreatePlaybackIdInput,
    status: 201,
    returns: 'the playback ID',
    run: (req) => createPlaybackId(req.params.ASSET_ID, req.body, mediaScope(req)),
  }),
  route({
    method: 'GET',
    path: '/video/v1/assets/{ASSET_ID}/playback-ids/{PLAYBACK_ID}',
    summary: "Retrieve an asset's playback ID",
    tag,
    status: 200,
    returns: 'the playback ID',
    run: (req) => getPlaybackIdOfAsset(req.params.ASSET_ID, req.params.PLAYBACK_ID, mediaScope(req)),
  }),
  route({
    method: 'DELETE',
    path: '/video/v1/assets/{ASSET_ID}/playback-ids/{PLAYBACK_ID}',
    summary: 'Delete a playback ID',
    tag,
    status: 204,
    run: (req) => deletePlaybackId(req.params.ASSET_ID, req.params.PLAYBACK_ID, mediaScope(req)),
  }),
  route({
    method: 'GET',
    path: '/video/v1/playback-ids/{PLAYBACK_ID}',
    summary: 'Retrieve the asset of a playback ID',
    tag,
    status: 200,
    returns: 'the playback ID and `object: { type: "asset", id }`',
    run: (req) => getPlaybackIdObject(req.params.PLAYBACK_ID, mediaScope(req)),
  }),
];
