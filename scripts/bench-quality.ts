/**
 * `npm run bench:quality [-- --seconds 20]`: what each `video_quality` tier spends and what it delivers, on two
 * kinds of generated 720p30 content: nearly static slides (a test card that changes every 5 s) and high motion (a
 * moving test pattern under strong temporal noise, like grain). Each tier encodes the whole ladder with the
 * transcoder's own code (options/quality.ts fits `plus` and `premium`, encode.ts runs the one ffmpeg); the table
 * shows the ladder's and the top rung's bytes per source minute, and the top rung's SSIM and PSNR against the source
 * (ffmpeg's ssim and psnr filters; this ffmpeg has no libvmaf). Also run by `npm run bench`. Not a test: it prints.
 *
 * Targets (issue 11): `plus` at least 30% fewer bytes than `basic` on the slides at equal or better SSIM, and never
 * a lower SSIM than `basic` on the high motion.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeHls } from '../containers/transcoder/src/encode.js';
import { fitQuality } from '../containers/transcoder/src/options/quality.js';
import { probe } from '../containers/transcoder/src/probe.js';
import { planLadder } from '../lambdas/core/domain/ladder.js';
import { VIDEO_QUALITIES, type VideoQuality } from '../lambdas/core/domain/media.js';

/** The generated contents: lavfi sources, 1280x720 at 30 fps. */
const CONTENTS = {
  slides: 'testsrc2=size=1280x720:rate=0.2,fps=30',
  motion: 'testsrc2=size=1280x720:rate=30,noise=alls=24:allf=t+u',
} as const;
type Content = keyof typeof CONTENTS;

export interface QualityRow {
  content: Content;
  tier: VideoQuality;
  /** Every rung's bytes, per minute of source. */
  ladderMBPerMin: number;
  topMBPerMin: number;
  ssim: number;
  psnr: number;
  /** The CRF the fit gave the top rung (plus, premium). */
  topCrf?: number;
  encodeSeconds: number;
}

function ffmpeg(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-20000);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(stderr) : reject(new Error(`ffmpeg exited ${code}: ${stderr}`))));
  });
}

/** The source: near-lossless H.264 (what an editor's export would be), so the tiers are compared to the content. */
async function makeSource(file: string, content: Content, seconds: number): Promise<void> {
  await ffmpeg([
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `${CONTENTS[content]},trim=duration=${seconds}`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '4', '-pix_fmt', 'yuv420p', file],
  ]);
}

async function folderBytes(dir: string): Promise<number> {
  const files = await readdir(dir);
  const sizes = await Promise.all(files.map(async (f) => (await stat(join(dir, f))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

/** SSIM (All) and PSNR (average) of `encoded` against `source`, both from their first frame. */
async function compare(encoded: string, source: string): Promise<{ ssim: number; psnr: number }> {
  const graph =
    '[0:v]setpts=PTS-STARTPTS,split[e1][e2];[1:v]setpts=PTS-STARTPTS,split[s1][s2];[e1][s1]ssim;[e2][s2]psnr';
  const log = await ffmpeg([
    ...['-hide_banner', '-nostats', '-protocol_whitelist', 'file', '-i', encoded, '-i', source],
    ...['-filter_complex', graph, '-f', 'null', '-'],
  ]);
  const ssim = /SSIM .*All:([\d.]+)/.exec(log)?.[1];
  const psnr = /PSNR .*average:([\d.inf]+)/.exec(log)?.[1];
  if (!ssim || !psnr) throw new Error(`No SSIM/PSNR in ffmpeg's output: ${log.slice(-500)}`);
  return { ssim: Number(ssim), psnr: Number(psnr) };
}

async function measure(dir: string, content: Content, tier: VideoQuality, source: string): Promise<QualityRow> {
  const probed = await probe(source);
  const out = join(dir, `${content}-${tier}`);
  const t0 = performance.now();
  const { plan } = await fitQuality(source, probed, planLadder(probed), tier, out);
  await encodeHls(source, plan, out);
  const encodeSeconds = (performance.now() - t0) / 1000;
  const rungs = plan.video?.rungs ?? [];
  const top = rungs.at(-1); // rungs go up in size
  if (!top) throw new Error('The bench sources have video');
  const bytes = await Promise.all(rungs.map((r) => folderBytes(join(out, r.name))));
  const perMinute = (b: number) => (b / 1e6) * (60 / probed.durationSeconds);
  const quality = await compare(join(out, top.name, 'index.m3u8'), source);
  return {
    content,
    tier,
    ladderMBPerMin: perMinute(bytes.reduce((a, b) => a + b, 0)),
    topMBPerMin: perMinute(bytes.at(-1) ?? 0),
    ...quality,
    ...(top.crf !== undefined && { topCrf: top.crf }),
    encodeSeconds,
  };
}

/** Encodes every tier for every content; returns the rows (slides first, basic first). */
export async function benchQuality(seconds = 20): Promise<QualityRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'gamma-bench-quality-'));
  try {
    const rows: QualityRow[] = [];
    for (const content of Object.keys(CONTENTS) as Content[]) {
      const source = join(dir, `${content}.mkv`);
      await makeSource(source, content, seconds);
      for (const tier of VIDEO_QUALITIES) rows.push(await measure(dir, content, tier, source));
    }
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The table, with each tier's bytes as a ratio of `basic`'s on the same content. */
export function qualityTable(rows: readonly QualityRow[]): string {
  const head = '| content | tier | top CRF | ladder MB/min | top rung MB/min | vs basic | SSIM | PSNR dB | encode s |';
  const lines = rows.map((r) => {
    const basic = rows.find((b) => b.content === r.content && b.tier === 'basic');
    const ratio = basic ? `${((r.ladderMBPerMin / basic.ladderMBPerMin) * 100).toFixed(0)}%` : '';
    return (
      `| ${r.content} | ${r.tier} | ${r.topCrf ?? 'ABR'} | ${r.ladderMBPerMin.toFixed(2)} | ` +
      `${r.topMBPerMin.toFixed(2)} | ${ratio} | ${r.ssim.toFixed(6)} | ${r.psnr.toFixed(2)} | ${r.encodeSeconds.toFixed(1)} |`
    );
  });
  return [head, '|---|---|---|---|---|---|---|---|---|', ...lines].join('\n');
}

/** The targets, checked on the rows: printed, not asserted. */
export function qualityTargets(rows: readonly QualityRow[]): string[] {
  const row = (content: Content, tier: VideoQuality) => rows.find((r) => r.content === content && r.tier === tier);
  const [slidesBasic, slidesPlus, motionBasic, motionPlus] = [
    row('slides', 'basic'),
    row('slides', 'plus'),
    row('motion', 'basic'),
    row('motion', 'plus'),
  ];
  if (!slidesBasic || !slidesPlus || !motionBasic || !motionPlus) return [];
  const saved = 1 - slidesPlus.ladderMBPerMin / slidesBasic.ladderMBPerMin;
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  return [
    `plus on slides: ${(saved * 100).toFixed(0)}% fewer bytes than basic (target ≥ 30%), SSIM ` +
      `${slidesPlus.ssim.toFixed(6)} vs ${slidesBasic.ssim.toFixed(6)}: ` +
      met(saved >= 0.3 && slidesPlus.ssim >= slidesBasic.ssim),
    `plus on motion: SSIM ${motionPlus.ssim.toFixed(6)} vs basic ${motionBasic.ssim.toFixed(6)}: ` +
      met(motionPlus.ssim >= motionBasic.ssim),
  ];
}

/** Runs the bench and prints the table, the targets and, last, one JSON line with every row. */
export async function runQualityBench(seconds = 20): Promise<void> {
  const rows = await benchQuality(seconds);
  console.log(`\nvideo_quality tiers, ${seconds}s 720p30 sources, whole ladder; SSIM/PSNR of the top rung:`);
  console.log(qualityTable(rows));
  for (const line of qualityTargets(rows)) console.log(line);
  console.log(JSON.stringify({ quality: rows }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' } } });
  await runQualityBench(Number(values.seconds));
}
