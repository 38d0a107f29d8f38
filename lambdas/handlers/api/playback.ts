/**
 * The SDK's playback helpers (`mux.video.playback.hls`, `thumbnail`, `storyboardVtt`, …) request
 * `{baseURL}/{playbackId}.m3u8` and `{baseURL}/{playbackId}/thumbnail.jpg`; Mux serves those on its stream and image
 * hosts, and a client with a custom base URL sends them to the API. They are answered here with a redirect to the
 * same path and query on the stream URL, where the playback function serves them (and checks tokens).
 */
import { z } from 'zod';
import { NotFoundError } from '../../core/domain/errors.js';
import { type Route, route } from './route.js';

const tag = 'Playback (redirects to the stream URL)';

/** The query is handed on as it is: the playback function parses it (width, time, token, …). */
const PassedQuery = z.record(z.string(), z.string());

/** File names the stream serves under `/{playbackId}/`: images, storyboards and static renditions. */
const PLAYBACK_FILE =
  /^(?:(?:thumbnail|storyboard)\.(?:jpg|png|webp)|animated\.(?:gif|webp)|storyboard\.(?:vtt|json)|[a-z0-9-]+\.(?:mp4|m4a))$/;

/** A text track's file names under `/{playbackId}/text/` (usecases/playback.ts `textTrackFromPath`). */
const TEXT_FILE = /^[A-Za-z0-9]{1,64}\.(?:vtt|txt)$/;

const onStream = (streamUrl: string, path: string, query: Record<string, string>) => {
  const search = new URLSearchParams(query).toString();
  return `${streamUrl.replace(/\/+$/, '')}${path}${search ? `?${search}` : ''}`;
};

export const playbackRoutes: readonly Route[] = [
  route({
    method: 'GET',
    permission: 'video:read',
    path: '/{PLAYBACK_ID}.m3u8',
    summary: 'The master playlist (`mux.video.playback.hls`)',
    tag,
    query: PassedQuery,
    status: 302,
    returns: '`{streamUrl}/{PLAYBACK_ID}.m3u8` with the same query',
    run: async (req) => onStream(req.deps.streamUrl, `/${req.params.PLAYBACK_ID}.m3u8`, req.query),
  }),
  // `/{a}/{b}` would match any two-segment path: only the stream's own file names are redirected.
  fileRedirect(
    '',
    PLAYBACK_FILE,
    'Images, storyboards and static renditions (`thumbnail`, `animated`, `storyboard`, `storyboardVtt`, …)',
  ),
  fileRedirect(
    '/text',
    TEXT_FILE,
    'A text track as one file (`track`: `{TRACK_ID}.vtt`, `transcript`: `{TRACK_ID}.txt`)',
  ),
];

/** `/{PLAYBACK_ID}{folder}/{FILE}` redirected to the stream when FILE is one of `files`; a 404 otherwise. */
function fileRedirect(folder: '' | '/text', files: RegExp, summary: string): Route {
  return route({
    method: 'GET',
    permission: 'video:read',
    path: `/{PLAYBACK_ID}${folder}/{FILE}`,
    summary,
    tag,
    query: PassedQuery,
    status: 302,
    returns: `\`{streamUrl}/{PLAYBACK_ID}${folder}/{FILE}\` with the same query`,
    run: async (req) => {
      if (!files.test(req.params.FILE)) throw new NotFoundError('route', req.params.FILE);
      return onStream(req.deps.streamUrl, `/${req.params.PLAYBACK_ID}${folder}/${req.params.FILE}`, req.query);
    },
  });
}
