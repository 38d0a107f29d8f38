/**
 * `npm run bench [-- --seconds 300] [-- --no-platform] [-- --workers 2] [-- --repeat 3] [-- --no-quality]`: how
 * fast the transcoder is, against the bare ffmpeg lower bound and a naive baseline, on a generated 1080p30 source.
 * Not a test: it measures and prints.
 *
 * 1. bare ffmpeg: decode only; the ONE ffmpeg command that makes every output Gamma makes (ladder, stills,
 *    storyboard, preview frames; the same arguments the single pass runs, without any platform around it); the
 *    ladder alone (so the images' share is known);
 * 2. naive: one ffmpeg process per rung, one after another, each decoding the source itself;
 * 3. the steps of the queue path, one at a time, as its jobs run them (scripts/bench-steps.ts);
 * 4. Gamma: the local platform (emulator + CDK app + the transcode function's stand-in, `--workers` sandboxes for
 *    chunks and one for first jobs), from the
 *    upload's PUT completing to the first playable playlist and to `ready`, and its CPU over the mean of the bare
 *    command's runs just before and after it, `--repeat` times (`overhead_cpu_ratio`: the median);
 * 5. the AWS model (scripts/bench-model.ts) for 10-minute and 2-hour sources on 1–256 workers, and dollars per
 *    source minute per path (scripts/bench-print.ts).
 *
 * CPU seconds are those of finished child processes (scripts/bench-cpu.ts; the workers' through their own /proc
 * figures), so each step is run alone. The last line printed is one JSON object with every figure (the
 * `video_quality` bench, scripts/bench-quality.ts, follows with its own table and JSON line).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ladderFfmpegArgs } from '../containers/transcoder/src/ffmpeg/encode-args.js';
import { probe } from '../containers/transcoder/src/probe.js';
import { type ChunkWorkers, isChunkWorkers } from '../lambdas/core/domain/chunks.js';
import { type LadderPlan, planLadder } from '../lambdas/core/domain/ladder.js';
import { PREVIEW_DIR, planPreviewFrames } from '../lambdas/core/domain/preview-frames.js';
import { planImages, STILLS_DIR } from '../lambdas/core/domain/thumbnails.js';
import { GammaClient } from '../test/support/client.js';
import { cpuMeter, run, type Timing, timed, withDescendants } from './bench-cpu.js';
import { type LocalRun, type OverheadPair, printAll } from './bench-print.js';
import { runQualityBench } from './bench-quality.js';
import { measureSteps } from './bench-steps.js';
import { type Platform, ROOT, STATE_DIR, startPlatform } from './local/platform.js';
import type { TakenJob } from './local/worker-service.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'no-platform': { type: 'boolean', default: false },
    // How the local platform is deployed: `queue` (the default on AWS) runs the jobs on the local worker service.
    'chunk-workers': { type: 'string', default: 'queue' },
    // Local queue workers, or the transcode function's sandboxes for chunks (one more takes the first jobs).
    workers: { type: 'string', default: '2' },
    // How many Gamma runs, each between two of the bare command (overhead_cpu_ratio is the median).
    repeat: { type: 'string', default: '3' },
    // The video_quality tiers' bench (about 7 minutes here) is skipped: for iterating on the rest.
    'no-quality': { type: 'boolean', default: false },
  },
});
const sourceSeconds = Number(flags.seconds);
const localWorkers = Number(flags.workers);
const repeat = Number(flags.repeat);
const chunkWorkersFlag = flags['chunk-workers'] as string;
if (!isChunkWorkers(chunkWorkersFlag)) throw new Error('--chunk-workers must be process, tasks or queue');
const chunkWorkers: ChunkWorkers = chunkWorkersFlag;
if (!(sourceSeconds >= 12)) throw new Error('--seconds must be at least 12');
if (!(Number.isInteger(localWorkers) && localWorkers >= 1)) throw new Error('--workers must be a whole number ≥ 1');
if (!(Number.isInteger(repeat) && repeat >= 1)) throw new Error('--repeat must be a whole number ≥ 1');

/** A 1080p30 test pattern with a tone, encoded as a camera or an editor would hand it over (H.264 High + AAC). */
async function makeSource(file: string, seconds: number): Promise<void> {
  await run('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${seconds}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', '-c:a', 'aac', file],
  ]);
}

async function freshDir(parent: string, name: string, plan: LadderPlan): Promise<string> {
  const dir = join(parent, name);
  await rm(dir, { recursive: true, force: true });
  for (const rung of plan.video?.rungs ?? []) await mkdir(join(dir, rung.name), { recursive: true });
  return dir;
}

/**
 * Gamma beside the bare command, `repeat` times on one platform: the bare command, then the source through the
 * platform (upload PUT done → first playable, → ready; the CPU of every job) and the bare command again, and so on.
 * The machine's speed drifts over minutes (the same bare command measured 74–211 CPU-s in different runs), so each
 * Gamma run is compared with the mean of the bare runs on either side of it, not with one measured minutes earlier.
 */
async function measurePairs(
  source: string,
  workers: ChunkWorkers,
  bare: () => Promise<Timing>,
  repeat: number,
): Promise<OverheadPair[]> {
  const platform = await startPlatform({
    chunkWorkers: workers,
    concurrency: localWorkers,
    logDir: join(STATE_DIR, 'bench-logs'),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  try {
    // Bare, Gamma, bare, Gamma, …, bare: each Gamma run against the mean of the bare runs on either side of it.
    const pairs: OverheadPair[] = [];
    process.stderr.write('[bench] the bare command, before the first Gamma run\n');
    let before = (await bare()).cpu;
    for (let i = 1; i <= repeat; i++) {
      process.stderr.write(`[bench] run ${i} of ${repeat}: the source through Gamma, then the bare command\n`);
      const gamma = await measureGamma(platform, source);
      const after = (await bare()).cpu;
      pairs.push({ bare: (before + after) / 2, bareRuns: [before, after], gamma });
      before = after;
    }
    return pairs;
  } finally {
    await platform.stop();
  }
}

/** The source through the running platform: upload PUT done → first playable, → ready; the CPU of every job. */
async function measureGamma(platform: Platform, source: string): Promise<LocalRun> {
  const client = new GammaClient(platform.config);
  const upload = await client.createUpload();
  // The function's sandboxes, the queue workers and their job processes live on: their CPU is read from their own
  // /proc figures.
  const runners = [platform.transcodeFunction, platform.workers].flatMap((r) => (r ? [r] : []));
  const cpu = await cpuMeter(() => withDescendants(runners.flatMap((r) => r.pids())));
  await client.put(upload.url, source);
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const assetId = await client.assetOfUpload(upload.id);
  const asset = (await client.request('GET', `/video/v1/assets/${assetId}`)).json.data;
  const playbackId = asset.playback_ids[0].id as string;
  const masterUrl = `${platform.config.streamUrl}/${playbackId}.m3u8`;
  let firstPlayable: number | undefined;
  let ready: number | undefined;
  while (ready === undefined && since() < 1800) {
    if (firstPlayable === undefined && (await playable(masterUrl, platform.config.streamUrl))) {
      firstPlayable = since();
    }
    const status = (await client.request('GET', `/video/v1/assets/${assetId}`)).json.data.status;
    if (status === 'errored') throw new Error(`The asset errored; see ${join(STATE_DIR, 'bench-logs')}`);
    if (status === 'ready') ready = since();
    else await new Promise((r) => setTimeout(r, 100));
  }
  if (ready === undefined) throw new Error('The asset did not become ready in 30 minutes');
  // A job's CPU is counted once its process (and its ffmpeg) has been reaped.
  while (platform.agent.runningTasks().length > 0 || runners.some((r) => r.running().length > 0)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  // A job handed off ran again on a worker: its CPU is in both lines, counted once each.
  const taken = runners.flatMap((r) => r.taken.filter((j) => j.assetId === assetId));
  const total = await cpu();
  return {
    ...{ firstPlayable: firstPlayable ?? ready, ready, cpu: total, jobs: taken.length || 1, workers: localWorkers },
    split: cpuSplit(taken, total),
  };
}

/** The platform's CPU by where it went, from the jobs' 'Job CPU' lines; undefined unless every job said. */
function cpuSplit(taken: TakenJob[], total: number): LocalRun['split'] {
  if (taken.length === 0 || taken.some((j) => !j.cpu)) return undefined;
  const tools = taken.reduce((sum, j) => sum + (j.cpu?.tools ?? 0), 0);
  const jobProcesses = taken.reduce((sum, j) => sum + (j.cpu?.own ?? 0), 0);
  return { tools, jobProcesses, workers: total - tools - jobProcesses };
}

/** True once the master playlist is served and its first variant lists at least one segment. */
async function playable(masterUrl: string, streamUrl: string): Promise<boolean> {
  const master = await fetch(masterUrl);
  if (master.status !== 200) return false;
  const variant = (await master.text()).split('\n').find((line) => line !== '' && !line.startsWith('#'));
  if (!variant) return false;
  const media = await fetch(`${streamUrl}/${variant}`);
  return media.status === 200 && (await media.text()).includes('#EXTINF');
}

async function main() {
  // Other processes on the machine stretch wall times but not CPU seconds: the load is printed with the figures.
  const loadBefore = loadavg()[0] ?? 0;
  const work = await mkdtemp(join(tmpdir(), 'gamma-bench-'));
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  try {
    const source = join(work, `source-1080p30-${sourceSeconds}s.mp4`);
    log(`generating a ${sourceSeconds}s 1080p30 source`);
    await makeSource(source, sourceSeconds);
    const probed = await probe(source);
    const plan = planLadder(probed);
    const video = probed.video as NonNullable<typeof probed.video>;
    log(`ladder: ${plan.video?.rungs.map((r) => r.name).join(', ')}`);

    log('decode only');
    const decode = await timed(() => run('ffmpeg', ['-v', 'error', '-i', source, '-map', '0', '-f', 'null', '-']));

    // The same outputs as Gamma's: every rung, the stills and storyboard, the preview frames, in one command.
    log('bare ffmpeg: the ladder and every image output, one command');
    const ladderDir = await freshDir(work, 'ladder', plan);
    await mkdir(join(ladderDir, STILLS_DIR), { recursive: true });
    await mkdir(join(ladderDir, PREVIEW_DIR), { recursive: true });
    const side = {
      images: planImages(sourceSeconds, video),
      previews: { plan: planPreviewFrames(sourceSeconds, video), frameList: join(work, 'previews.crc') },
    };
    const bareCommand = () => timed(() => run('ffmpeg', ladderFfmpegArgs(source, plan, ladderDir, 'fmp4', side)));
    const ladder = await bareCommand();
    log('bare ffmpeg: the ladder alone');
    const ladderOnly = await timed(async () =>
      run('ffmpeg', ladderFfmpegArgs(source, plan, await freshDir(work, 'ladder-only', plan), 'fmp4')),
    );

    log('naive: one ffmpeg per rung');
    const naiveDir = await freshDir(work, 'naive', plan);
    const naive = await timed(async () => {
      for (const rung of plan.video?.rungs ?? []) {
        const single: LadderPlan = {
          ...plan,
          video: { ...(plan.video as NonNullable<LadderPlan['video']>), rungs: [rung] },
        };
        await run('ffmpeg', ladderFfmpegArgs(source, single, naiveDir, 'fmp4'));
      }
    });

    await run(process.execPath, [join(ROOT, 'containers', 'transcoder', 'build.mjs')]);
    const steps = await measureSteps({
      source,
      sourceSeconds,
      plan,
      probed,
      work,
      singlePassDir: ladderDir,
      singlePass: ladder,
      entryModule: join(ROOT, 'containers', 'transcoder', 'dist', 'main.mjs'),
    });

    // A platform that fails still leaves the measured steps and the model printed (with the failure on stderr).
    const pairs = flags['no-platform']
      ? undefined
      : await measurePairs(source, chunkWorkers, bareCommand, repeat).catch((error: unknown) => {
          log(`the platform run failed: ${error instanceof Error ? error.stack : String(error)}`);
          process.exitCode = 1;
          return undefined;
        });
    const load = { before: loadBefore, after: loadavg()[0] ?? 0, cores: availableParallelism() };
    printAll({ sourceSeconds, plan, load, decode, ladder, ladderOnly, naive, steps, pairs, chunkWorkers });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// The video_quality tiers' bytes and quality first (scripts/bench-quality.ts), so this bench's JSON is the last line.
if (!flags['no-quality']) await runQualityBench();
await main();
process.exit(process.exitCode ?? 0);
