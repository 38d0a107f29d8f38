/**
 * Mux-style image URLs of a playback id, served from what the transcoder cut at transcode time
 * (domain/thumbnails.ts):
 * - `/{playbackId}/thumbnail.jpg?time=` → the still nearest `time` (default: the middle of the video);
 * - `/{playbackId}/storyboard.jpg` → the storyboard sprite;
 * - `/{playbackId}/storyboard.vtt` → its WebVTT, tile URIs pointing at the sprite under `/assets/{assetId}/`.
 * Images are redirects to the immutable objects under `/assets/`, so the CDN caches each once.
 */
import { assetOutputPrefix } from '../domain/layout.js';
import { planImages, STORYBOARD_IMAGE, STORYBOARD_VTT, stillFile, stillIndexAt } from '../domain/thumbnails.js';
import type { MediaRepository } from '../ports.js';
import type { TextObjects } from './playback.js';

const IMAGE_PATH = /^\/([A-Za-z0-9]{8,64})\/(thumbnail\.jpg|storyboard\.jpg|storyboard\.vtt)$/;

export interface ImageRequest {
  playbackId: string;
  file: 'thumbnail.jpg' | 'storyboard.jpg' | 'storyboard.vtt';
}

/** The image a path asks for, or undefined if it is not an image path of a playback id. */
export function imageRequestFromPath(path: string): ImageRequest | undefined {
  const match = IMAGE_PATH.exec(path);
  if (!match?.[1] || !match[2]) return undefined;
  return { playbackId: match[1], file: match[2] as ImageRequest['file'] };
}

export type ImageResult =
  | { status: 302; location: string }
  | { status: 200; contentType: string; body: string }
  | { status: 400 | 403 | 404 | 412; message: string };

export async function resolveImage(
  request: ImageRequest,
  query: { time?: string },
  deps: { media: Pick<MediaRepository, 'getPlaybackId' | 'getAsset'>; objects: TextObjects; outputBucket: string },
): Promise<ImageResult> {
  const playback = await deps.media.getPlaybackId(request.playbackId);
  if (!playback) return { status: 404, message: 'Playback ID not found' };
  if (playback.policy !== 'public') return { status: 403, message: 'Images of signed playback IDs are not served yet' };
  const asset = await deps.media.getAsset(playback.asset_id);
  if (!asset || asset.status === 'deleted') return { status: 404, message: 'Playback ID not found' };
  if (asset.status !== 'ready') return { status: 412, message: `The asset is ${asset.status}, not ready` };
  const video = asset.tracks?.find((t) => t.type === 'video');
  if (!video || asset.duration === undefined) return { status: 404, message: 'The asset has no video' };
  const folder = `/${assetOutputPrefix(asset.id)}`;
  switch (request.file) {
    case 'thumbnail.jpg': {
      const time = query.time === undefined ? asset.duration / 2 : Number(query.time);
      if (!Number.isFinite(time) || time < 0) return { status: 400, message: 'time must be a number of seconds ≥ 0' };
      const plan = planImages(asset.duration, { width: video.max_width, height: video.max_height });
      return { status: 302, location: `${folder}/${stillFile(stillIndexAt(plan, time))}` };
    }
    case 'storyboard.jpg':
      return { status: 302, location: `${folder}/${STORYBOARD_IMAGE}` };
    case 'storyboard.vtt': {
      const vtt = await deps.objects.getText(deps.outputBucket, `${assetOutputPrefix(asset.id)}/${STORYBOARD_VTT}`);
      if (vtt === undefined) return { status: 404, message: 'The asset has no storyboard' };
      const body = vtt.replaceAll(`${STORYBOARD_IMAGE}#`, `${folder}/${STORYBOARD_IMAGE}#`);
      return { status: 200, contentType: 'text/vtt; charset=utf-8', body };
    }
  }
}
