/** An asset's shots (`/video/v1/assets/{ASSET_ID}/shots`): scene cuts found by the transcoder on a ready asset. */
import { deleteShots, getShots, requestShots } from '../../core/usecases/shots.js';
import { assetWorkScope, type Route, type RouteRequest, route } from './route.js';

const tag = 'Assets';
const PATH = '/video/v1/assets/{ASSET_ID}/shots';

const shotsScope = (req: Pick<RouteRequest, 'caller' | 'deps'>) => ({
  env: req.caller.env,
  media: req.deps.media,
  shots: req.deps.assetWork,
  ...assetWorkScope(req),
});

export const shotRoutes: readonly Route[] = [
  route({
    method: 'POST',
    permission: 'video:write',
    path: PATH,
    summary: 'Detect the shots (scene cuts) of a ready asset, each with a still of its first frame',
    tag,
    status: 201,
    returns: 'the shots, pending',
    run: (req) => requestShots(req.params.ASSET_ID, shotsScope(req)),
  }),
  route({
    method: 'GET',
    permission: 'video:read',
    path: PATH,
    summary: "The asset's shots: their status and, once completed, a time-limited URL of their JSON manifest",
    tag,
    status: 200,
    returns: 'the shots',
    run: (req) =>
      getShots(req.params.ASSET_ID, { ...shotsScope(req), urls: req.deps.objectUrls, writer: req.deps.writer }),
  }),
  route({
    method: 'DELETE',
    permission: 'video:write',
    path: PATH,
    summary: "Delete the asset's shots and their stills",
    tag,
    status: 204,
    run: (req) => deleteShots(req.params.ASSET_ID, { ...shotsScope(req), objects: req.deps.objects }),
  }),
];
