import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MediaRepository } from '../ports.js';
import { DynamoAssetRepository } from './dynamo-assets.js';
import { DynamoUploadRepository } from './dynamo-uploads.js';

/**
 * The media table as one MediaRepository for the use cases that need uploads and assets: each call goes to the
 * owner of its item kind. Pass `assets` on to the ports it also implements (attempts, chunk ledger, static
 * renditions) so one object writes asset items.
 */
export class DynamoMediaRepository implements MediaRepository {
  readonly uploads: DynamoUploadRepository;
  readonly assets: DynamoAssetRepository;

  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    this.uploads = new DynamoUploadRepository(doc, tableName);
    this.assets = new DynamoAssetRepository(doc, tableName);
  }

  putUpload: MediaRepository['putUpload'] = (upload) => this.uploads.putUpload(upload);
  getUpload: MediaRepository['getUpload'] = (id) => this.uploads.getUpload(id);
  listUploads: MediaRepository['listUploads'] = (env, limit, cursor) => this.uploads.listUploads(env, limit, cursor);
  transitionUpload: MediaRepository['transitionUpload'] = (id, to, patch) =>
    this.uploads.transitionUpload(id, to, patch);
  recordMultipart: MediaRepository['recordMultipart'] = (id, multipart) => this.uploads.recordMultipart(id, multipart);
  listWaitingUploads: MediaRepository['listWaitingUploads'] = () => this.uploads.listWaitingUploads();

  createAsset: MediaRepository['createAsset'] = (asset) => this.assets.createAsset(asset);
  getAsset: MediaRepository['getAsset'] = (id) => this.assets.getAsset(id);
  listAssets: MediaRepository['listAssets'] = (env, limit, cursor) => this.assets.listAssets(env, limit, cursor);
  markReady: MediaRepository['markReady'] = (id, patch) => this.assets.markReady(id, patch);
  markPlayable: MediaRepository['markPlayable'] = (id) => this.assets.markPlayable(id);
  markErrored: MediaRepository['markErrored'] = (id, error) => this.assets.markErrored(id, error);
  claimDispatch: MediaRepository['claimDispatch'] = (id, hold) => this.assets.claimDispatch(id, hold);
  recordJob: MediaRepository['recordJob'] = (id, jobId) => this.assets.recordJob(id, jobId);
  releaseDispatch: MediaRepository['releaseDispatch'] = (id) => this.assets.releaseDispatch(id);
  getPreparing: MediaRepository['getPreparing'] = (id) => this.assets.getPreparing(id);
  getPlaybackId: MediaRepository['getPlaybackId'] = (id) => this.assets.getPlaybackId(id);
  updateAsset: MediaRepository['updateAsset'] = (id, patch, unset) => this.assets.updateAsset(id, patch, unset);
  deleteAsset: MediaRepository['deleteAsset'] = (id) => this.assets.deleteAsset(id);
  addPlaybackId: MediaRepository['addPlaybackId'] = (id, playback) => this.assets.addPlaybackId(id, playback);
  removePlaybackId: MediaRepository['removePlaybackId'] = (id, pid) => this.assets.removePlaybackId(id, pid);
}
