/**
 * An asset's tracks (`/video/v1/assets/{ASSET_ID}/tracks`): text tracks added from a URL, updated, deleted, and
 * generated from an audio track; alternate audio tracks added from a URL (encoded by the transcoder), updated and
 * deleted.
 */
import { addAudioTrack, deleteAudioTrack, updateAudioTrack } from '../../core/usecases/audio-tracks.js';
import { GenerateSubtitlesInput, generateSubtitles } from '../../core/usecases/generated-subtitles.js';
import {
  addTextTrack,
  CreateTrackInput,
  deleteTextTrack,
  UpdateTrackInput,
  updateTextTrack,
} from '../../core/usecases/text-tracks.js';
import { assetWorkScope, type Route, type RouteRequest, route, speechScope, urlPolicy } from './route.js';

const tag = 'Assets';

const trackScope = ({ caller, deps }: Pick<RouteRequest, 'caller' | 'deps'>) => ({
  env: caller.env,
  media: deps.media,
  tracks: deps.tracks,
});

export const trackRoutes: readonly Route[] = [
  route({
    method: 'POST',
    permission: 'video:write',
    path: '/video/v1/assets/{ASSET_ID}/tracks',
    summary:
      'Add a text track (subtitles or captions from a WebVTT or SRT URL) or an alternate audio track to a ready asset',
    tag,
    body: CreateTrackInput,
    status: 201,
    returns: 'the track, preparing',
    run: (req) =>
      req.body.type === 'audio'
        ? addAudioTrack(req.params.ASSET_ID, req.body, {
            ...trackScope(req),
            ...urlPolicy(req),
            ...assetWorkScope(req),
            audio: req.deps.assetWork,
          })
        : addTextTrack(req.params.ASSET_ID, req.body, {
            ...trackScope(req),
            ...urlPolicy(req),
            fetcher: req.deps.files,
            slots: req.deps.inputSlots,
            objects: req.deps.textObjects,
            writer: req.deps.writer,
            outputBucket: req.deps.outputBucket,
          }),
  }),
  route({
    method: 'POST',
    permission: 'video:write',
    path: '/video/v1/assets/{ASSET_ID}/tracks/{TRACK_ID}/generate-subtitles',
    summary:
      'Generate subtitles from an audio track of a ready asset (speech to text: Amazon Transcribe on AWS, pocketsphinx in the transcoder locally)',
    tag,
    body: GenerateSubtitlesInput,
    status: 201,
    returns: 'the new text tracks, preparing',
    run: (req) =>
      generateSubtitles(req.params.ASSET_ID, req.params.TRACK_ID, req.body, {
        ...trackScope(req),
        ...speechScope(req),
        transcriptBucket: req.deps.ingestBucket,
      }),
  }),
  route({
    method: 'PATCH',
    permission: 'video:write',
    path: '/video/v1/assets/{ASSET_ID}/tracks/{TRACK_ID}',
    summary:
      "Update a text track's name, language, closed captions or passthrough, or an alternate audio track's name, language or passthrough",
    tag,
    body: UpdateTrackInput,
    status: 200,
    returns: 'the track',
    run: (req) =>
      updateTextTrack(req.params.ASSET_ID, req.params.TRACK_ID, req.body, {
        ...trackScope(req),
        updateAudio: (asset, trackId, input) => updateAudioTrack(asset, trackId, input, { audio: req.deps.assetWork }),
      }),
  }),
  route({
    method: 'DELETE',
    permission: 'video:write',
    path: '/video/v1/assets/{ASSET_ID}/tracks/{TRACK_ID}',
    summary: 'Delete a text track or an alternate audio track',
    tag,
    status: 204,
    run: (req) =>
      deleteTextTrack(req.params.ASSET_ID, req.params.TRACK_ID, {
        ...trackScope(req),
        objects: req.deps.objects,
        outputBucket: req.deps.outputBucket,
        deleteAudio: (asset, trackId) =>
          deleteAudioTrack(asset, trackId, {
            audio: req.deps.assetWork,
            objects: req.deps.objects,
            outputBucket: req.deps.outputBucket,
          }),
      }),
  }),
];
