/** Direct uploads (`/video/v1/uploads`), with Gamma's multipart extension for large files. */
import { allows } from '../../core/domain/permissions.js';
import { ListQuery } from '../../core/usecases/listing.js';
import {
  CompleteMultipartInput,
  CreateUploadInput,
  cancelUpload,
  completeMultipart,
  createUpload,
  getUpload,
  listUploads,
  StartMultipartInput,
  startMultipart,
} from '../../core/usecases/uploads.js';
import { mediaScope, type Route, route, urlPolicy } from './route.js';

const tag = 'Direct uploads';

/** What reading uploads is scoped to: the presigned `url` shows only to a caller that may upload (`uploadView`). */
const readScope = (req: Parameters<typeof mediaScope>[0]) => ({
  ...mediaScope(req),
  mayUpload: allows(req.caller.permissions, 'video:write'),
});

export const uploadRoutes: readonly Route[] = [
  route({
    method: 'POST',
    path: '/video/v1/uploads',
    permission: 'video:write',
    summary: 'Create a direct upload',
    tag,
    body: CreateUploadInput,
    status: 201,
    returns: 'the upload',
    run: (req) =>
      createUpload(req.body, {
        ...mediaScope(req),
        ...urlPolicy(req),
        transcoder: req.deps.transcoder,
        urls: req.deps.urls,
        defaultTimeout: req.deps.defaultUploadTimeout,
        warmer: req.deps.warmer,
      }),
  }),
  route({
    method: 'GET',
    path: '/video/v1/uploads',
    permission: 'video:read',
    summary: 'List direct uploads',
    tag,
    query: ListQuery,
    status: 200,
    list: true,
    returns: 'uploads, newest first (`url` only to a token with video:write)',
    run: (req) => listUploads(req.query, readScope(req)),
  }),
  route({
    method: 'GET',
    path: '/video/v1/uploads/{UPLOAD_ID}',
    permission: 'video:read',
    summary: 'Retrieve a direct upload',
    tag,
    status: 200,
    returns: 'the upload (`url` only to a token with video:write)',
    run: (req) => getUpload(req.params.UPLOAD_ID, readScope(req)),
  }),
  route({
    method: 'PUT',
    path: '/video/v1/uploads/{UPLOAD_ID}/cancel',
    permission: 'video:write',
    summary: 'Cancel a waiting direct upload',
    tag,
    status: 200,
    returns: 'the cancelled upload',
    run: (req) => cancelUpload(req.params.UPLOAD_ID, { ...mediaScope(req), multipart: req.deps.multipart }),
  }),
  // Gamma extension: a large file sent part by part (S3 multipart with presigned part URLs), resumable.
  route({
    method: 'POST',
    path: '/video/v1/uploads/{UPLOAD_ID}/parts',
    permission: 'video:write',
    summary:
      'Start or resume a multipart upload (Gamma extension, for files over 5 GB): declare the size, get part URLs',
    tag,
    body: StartMultipartInput,
    status: 200,
    returns:
      '`part_size`, `part_count`, `uploaded_parts` (with ETags, to skip on resume) and `part_urls` (PUT exactly ' +
      '`size` bytes to each; ask again with `part_numbers` for more)',
    run: (req) =>
      startMultipart(req.params.UPLOAD_ID, req.body, {
        ...mediaScope(req),
        multipart: req.deps.multipart,
        maxUploadBytes: req.deps.maxUploadBytes,
      }),
  }),
  route({
    method: 'POST',
    path: '/video/v1/uploads/{UPLOAD_ID}/complete',
    permission: 'video:write',
    summary: 'Complete a multipart upload with the part numbers and ETags (Gamma extension)',
    tag,
    body: CompleteMultipartInput,
    status: 200,
    returns: 'the upload; its asset follows as for a single PUT',
    run: (req) =>
      completeMultipart(req.params.UPLOAD_ID, req.body, { ...mediaScope(req), multipart: req.deps.multipart }),
  }),
];
