/**
 * The master MP4 (Mux's `master_access: "temporary"`): a full-quality MP4 of the asset, downloadable for 24 hours,
 * then removed and `master_access` back to `none`, as Mux documents. Pure: no SDK, no I/O.
 *
 * How it is made: the source's own streams copied into a faststart MP4 when MP4 can carry them as players expect
 * (H.264 or HEVC video, AAC audio): no re-encode, no quality lost. Anything else is encoded once at high quality
 * (x264 CRF 18, AAC 192 kbit/s): the source's own codec could not go in an MP4 most players read.
 */
import type { InputFile } from './ladder.js';
import type { MasterFile } from './media.js';

/** How long the master's URL is valid, and when the master is removed (Mux: 24 hours). */
export const MASTER_LIFETIME_SECONDS = 24 * 60 * 60;

/** The master's file name under the asset's output folder. */
export const MASTER_FILE = 'master.mp4';

/** Video and audio codecs (ffprobe's names) a master takes by stream copy. */
const COPYABLE = { video: ['h264', 'hevc'], audio: ['aac'] } as const;

export type MasterMethod = 'copy' | 'encode';

/**
 * Stream copy when every video and audio track of the source is in a codec MP4 carries as players expect; an
 * encode otherwise (also when the probe named no codec).
 */
export function masterMethod(file: InputFile | undefined): MasterMethod {
  const tracks = file?.tracks ?? [];
  if (tracks.length === 0) return 'encode';
  const copyable = tracks.every((t) => (COPYABLE[t.type] as readonly string[]).includes(t.encoding ?? ''));
  return copyable ? 'copy' : 'encode';
}

/**
 * The master as the asset records it once written: ready until `expiresAt`. Its URL is signed when the asset is
 * read (usecases/master-urls.ts), not stored.
 */
export function readyMaster(expiresAt: number): MasterFile {
  return { status: 'ready', expires_at: expiresAt };
}

export type MasterEventType =
  | 'video.asset.master.preparing'
  | 'video.asset.master.ready'
  | 'video.asset.master.errored'
  | 'video.asset.master.deleted';

/**
 * The master event one stored change implies: its status changed (`preparing`, `ready`, `errored`), or it went
 * (`deleted`: turned off, or expired) while the asset stays. Mux sends the asset as the data.
 */
export function masterEvent(
  before: { master?: MasterFile; status?: string } | undefined,
  after: { master?: MasterFile; status?: string } | undefined,
): MasterEventType | undefined {
  const was = before?.master;
  const now = after?.master;
  if (now && now.status !== was?.status) return `video.asset.master.${now.status}`;
  if (was && !now && after && after.status !== 'deleted') return 'video.asset.master.deleted';
  return undefined;
}
