/**
 * The TaskTranscription of `TRANSCRIBER=pocketsphinx`: a transcoder task on the ready asset in `subtitles` mode,
 * started through the deployment's TranscodeRunner as every other piece of work on a ready asset is
 * (containers/transcoder/src/options/generated-subtitles.ts does the transcribing).
 */
import type { TaskTranscription, TranscodeRunner } from '../ports.js';

export class TranscoderTaskTranscription implements TaskTranscription {
  constructor(
    private readonly runner: () => TranscodeRunner,
    private readonly outputBucket: string,
  ) {}

  async start(asset: { id: string; source: { bucket: string; key: string } }): Promise<void> {
    await this.runner().start({
      assetId: asset.id,
      source: asset.source,
      outputBucket: this.outputBucket,
      mode: 'subtitles',
    });
  }
}
