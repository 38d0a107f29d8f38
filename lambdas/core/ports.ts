/**
 * Ports: what the use cases need from the outside world. Adapters in ./adapters implement them over AWS SDK
 * clients; tests implement them with fakes. Nothing here imports an SDK.
 *
 * One file per area under ./ports; this module is where everything imports them from.
 */

export type * from './ports/access.js';
export type * from './ports/asset-work.js';
export type * from './ports/delivery.js';
export type * from './ports/inputs.js';
export type * from './ports/media.js';
export type * from './ports/transcode.js';
export type * from './ports/transcription.js';
