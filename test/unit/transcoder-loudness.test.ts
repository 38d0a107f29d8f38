/** Mux's `normalize_audio` as arguments (options/audio.ts): the measuring pass, its report, the applying filter. */
import { describe, expect, it } from 'vitest';
import { audioArgs } from '../../containers/transcoder/src/ffmpeg/args.js';
import { loudnessMeasureArgs, loudnormFilter, parseLoudness } from '../../containers/transcoder/src/options/audio.js';

const REPORT = `[Parsed_loudnorm_0 @ 0x1]
{
	"input_i" : "-36.02",
	"input_tp" : "-24.51",
	"input_lra" : "0.00",
	"input_thresh" : "-46.02",
	"output_i" : "-23.10",
	"target_offset" : "0.10"
}`;

describe('normalize_audio arguments', () => {
  it('measures the first audio stream only, at EBU R128 targets', () => {
    const args = loudnessMeasureArgs('/work/source', 40);
    expect(args.join(' ')).toContain('-vn -sn -map 0:a:0 -filter:a loudnorm=I=-23:TP=-1:LRA=11:print_format=json');
    expect(args.slice(-3)).toEqual(['-f', 'null', '-']);
  });

  it('applies the measurements as one linear gain before the AAC encoder', () => {
    const filter = loudnormFilter(parseLoudness(`noise before\n${REPORT}`));
    expect(filter).toBe(
      'loudnorm=I=-23:TP=-1:LRA=11:measured_I=-36.02:measured_TP=-24.51:measured_LRA=0.00:measured_thresh=-46.02:linear=true',
    );
    const args = audioArgs({ filter, codec: 'aac', kbps: 128, channels: 2, sampleRate: 48000 });
    expect(args.slice(0, 4)).toEqual(['-filter:a', filter, '-c:a', 'aac']);
    expect(audioArgs({ codec: 'aac', kbps: 128, channels: 2, sampleRate: 48000 })).not.toContain('-filter:a');
  });

  it('refuses a report without a finite measurement (silence measures -inf)', () => {
    expect(() => parseLoudness('no report')).toThrow(/no measurement/);
    expect(() => parseLoudness(REPORT.replace('"-36.02"', '"-inf"'))).toThrow(/measured/);
  });
});
