/**
 * `npm run bench [-- --seconds 300] [-- --no-platform]`: how fast the transcoder is, against the bare ffmpeg
 * lower bound and a naive baseline, on a generated 1080p30 source. Not a test: it measures and prints.
 *
 * 1. bare ffmpeg: decode only, and the one ffmpeg command that encodes Gamma's ladder (the same arguments the
 *    transcoder runs, without any platform around it);
 * 2. naive: one ffmpeg process per rung, one after another, each decoding the source itself;
 * 3. Gamma: the local platform (emulator + CDK app + Fargate agent), from the upload's PUT completing to the first
 *    playable playlist and to `ready`;
 * 4. a model of the AWS path with 1, 4, 16 and 64 chunk workers for a 10-minute source (chunk tasks, with their
 *    default minimum chunk length), from times measured here with the chunk tasks' own encoder: the audio encoded
 *    once and cut into slices (the first task's step before it fans out, per source second), and chunks of two
 *    lengths encoded as a chunk task encodes them (`encodeHlsChunk`, fitted as fixed cost + cost per source second),
 *    plus a stated task start-up latency.
 *
 * CPU seconds are those of finished child processes (`cutime + cstime` of this process), so each step is run alone.
 * The last line printed is one JSON object with every figure (the `video_quality` bench, scripts/bench-quality.ts,
 * follows with its own table and JSON line).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeAudioSlices, encodeHlsChunk } from '../containers/transcoder/src/encode.js';
import { ladderFfmpegArgs } from '../containers/transcoder/src/ffmpeg/args.js';
import { probe } from '../containers/transcoder/src/probe.js';
import { CHUNK_TASK_DEFAULTS, chunkTimeOffset, planChunks } from '../lambdas/core/domain/chunks.js';
import { type LadderPlan, planLadder } from '../lambdas/core/domain/ladder.js';
import { GammaClient } from '../test/support/client.js';
import { runQualityBench } from './bench-quality.js';
import { STATE_DIR, startPlatform } from './local/platform.js';

/** What a Fargate task takes from RunTask to running our code (image pull, ENI, node start): stated, not measured. */
const TASK_STARTUP_S = 30;
const MODEL_SOURCE_S = 600;
const MODEL_WORKERS = [1, 4, 16, 64] as const;
/** Chunk lengths the per-chunk cost is measured at. */
const MEASURED_CHUNKS_S = [6, 30] as const;
/** Chunks the audio slices are cut for (the first task's step before it fans out). */
const LOCAL_CHUNKS = 4;

const { values: flags } = parseArgs({
  options: { seconds: { type: 'string', default: '60' }, 'no-platform': { type: 'boolean', default: false } },
});
const sourceSeconds = Number(flags.seconds);
if (!(sourceSeconds >= 12)) throw new Error('--seconds must be at least 12');

/** CPU seconds of every child process this process has waited for so far (Linux: /proc/self/stat). */
async function childCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name, field 3 (state) is index 0: cutime is field 16, cstime field 17.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface Timing {
  wall: number;
  cpu: number;
}

async function timed(fn: () => Promise<unknown>): Promise<Timing> {
  const cpu0 = await childCpuSeconds();
  const t0 = performance.now();
  await fn();
  return { wall: (performance.now() - t0) / 1000, cpu: (await childCpuSeconds()) - cpu0 };
}

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${stderr}`))));
  });
}

/** A 1080p30 test pattern with a tone, encoded as a camera or an editor would hand it over (H.264 High + AAC). */
async function makeSource(file: string, seconds: number): Promise<void> {
  await ffmpeg([
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

async function measureGamma(source: string) {
  const platform = await startPlatform({
    logDir: join(STATE_DIR, 'bench-logs'),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  try {
    const client = new GammaClient(platform.config);
    const upload = await client.createUpload();
    const cpu0 = await childCpuSeconds();
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
    // The task's CPU is counted once the agent has reaped its process.
    while (platform.agent.runningTasks().length > 0) await new Promise((r) => setTimeout(r, 50));
    return { firstPlayable: firstPlayable ?? ready, ready, cpu: (await childCpuSeconds()) - cpu0 };
  } finally {
    await platform.stop();
  }
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

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

async function main() {
  // Other processes on the machine stretch wall times but not CPU seconds: the load is printed with the figures.
  const loadBefore = loadavg()[0] ?? 0;
  const work = await mkdtemp(join(tmpdir(), 'gamma-bench-'));
  try {
    const source = join(work, `source-1080p30-${sourceSeconds}s.mp4`);
    process.stderr.write(`[bench] generating a ${sourceSeconds}s 1080p30 source\n`);
    await makeSource(source, sourceSeconds);
    const probed = await probe(source);
    const plan = planLadder(probed);
    const rungs = plan.video?.rungs.map((r) => r.name) ?? [];
    process.stderr.write(`[bench] ladder: ${rungs.join(', ')}\n`);

    process.stderr.write('[bench] decode only\n');
    const decode = await timed(() => ffmpeg(['-v', 'error', '-i', source, '-map', '0', '-f', 'null', '-']));

    process.stderr.write('[bench] bare ffmpeg ladder (one command)\n');
    const ladderDir = await freshDir(work, 'ladder', plan);
    const ladder = await timed(() => ffmpeg(ladderFfmpegArgs(source, plan, ladderDir, 'fmp4')));

    process.stderr.write('[bench] naive: one ffmpeg per rung\n');
    const naiveDir = await freshDir(work, 'naive', plan);
    const naive = await timed(async () => {
      for (const rung of plan.video?.rungs ?? []) {
        const single: LadderPlan = {
          ...plan,
          video: { ...(plan.video as NonNullable<LadderPlan['video']>), rungs: [rung] },
        };
        await ffmpeg(ladderFfmpegArgs(source, single, naiveDir, 'fmp4'));
      }
    });

    // The chunk tasks' own steps, bare: the first task's audio (encoded once, cut into slices), then chunks of two
    // lengths encoded as a chunk task encodes them (its slice of the audio muxed in, segments under final names).
    process.stderr.write('[bench] chunk tasks: the audio once, cut into slices\n');
    const sliceChunks = planChunks(sourceSeconds, { segmentSeconds: plan.segmentSeconds, workers: LOCAL_CHUNKS });
    const audioDir = join(work, 'audio');
    const audio = await timed(async () => {
      if (plan.audio) await encodeAudioSlices(source, plan.audio, sliceChunks, audioDir);
    });
    const audioPerSourceSecond = audio.wall / sourceSeconds;
    process.stderr.write(`[bench] chunk tasks: one chunk of ${MEASURED_CHUNKS_S.join(' s, then ')} s\n`);
    const chunkTimes: { seconds: number; wall: number }[] = [];
    const timeOffsetSeconds = chunkTimeOffset(plan.video?.fps ?? 30);
    for (const seconds of MEASURED_CHUNKS_S) {
      const dir = await freshDir(work, `chunk-${seconds}`, plan);
      const startSeconds = Math.max(0, Math.min(sourceSeconds - seconds, sourceSeconds / 2));
      const chunk = { index: 0, startSeconds, durationSeconds: seconds, firstSegment: 0, segmentCount: 1 };
      // Its slice of the audio (a chunk after it ends the slice where the chunk ends).
      const next = { ...chunk, index: 1, startSeconds: startSeconds + seconds };
      const [slice] = plan.audio
        ? await encodeAudioSlices(source, plan.audio, [chunk, next], join(work, `audio-${seconds}`))
        : [];
      const { wall } = await timed(() =>
        encodeHlsChunk(source, plan, dir, chunk, { ...(slice && { audio: slice }), timeOffsetSeconds }),
      );
      chunkTimes.push({ seconds, wall });
    }
    const [short, long] = chunkTimes as [(typeof chunkTimes)[0], (typeof chunkTimes)[0]];
    const perSourceSecond = (long.wall - short.wall) / (long.seconds - short.seconds);
    const fixed = Math.max(0, short.wall - perSourceSecond * short.seconds);
    const chunkWall = (seconds: number) => fixed + perSourceSecond * seconds;
    const model: Record<string, { chunks: number; ready_s: number }> = {};
    for (const workers of MODEL_WORKERS) {
      const chunks = planChunks(MODEL_SOURCE_S, {
        segmentSeconds: plan.segmentSeconds,
        workers,
        minChunkSeconds: CHUNK_TASK_DEFAULTS.minChunkSeconds,
      });
      const [first, ...rest] = chunks.map((c) => chunkWall(c.durationSeconds));
      // One chunk is the single-task path: one task start, one encode. More: the first task starts, cuts the audio,
      // starts the chunk tasks and encodes chunk 0 while they start and encode theirs; the last one finishes.
      const ready =
        rest.length === 0
          ? TASK_STARTUP_S + (first ?? 0)
          : TASK_STARTUP_S +
            audioPerSourceSecond * MODEL_SOURCE_S +
            Math.max(first ?? 0, TASK_STARTUP_S + Math.max(...rest));
      model[String(workers)] = { chunks: chunks.length, ready_s: round(ready) };
    }

    const gamma = flags['no-platform'] ? undefined : await measureGamma(source);

    const minutes = sourceSeconds / 60;
    const load = { before: round(loadBefore), after: round(loadavg()[0] ?? 0), cores: availableParallelism() };
    const figures = {
      source_s: sourceSeconds,
      load_average_1min: load,
      rungs,
      decode_s: round(decode.wall),
      ffmpeg_ladder_s: round(ladder.wall),
      naive_s: round(naive.wall),
      gamma_first_playable_s: gamma ? round(gamma.firstPlayable) : null,
      gamma_ready_s: gamma ? round(gamma.ready) : null,
      cpu_s_per_source_min: {
        decode: round(decode.cpu / minutes),
        ffmpeg_ladder: round(ladder.cpu / minutes),
        naive: round(naive.cpu / minutes),
        ...(gamma && { gamma: round(gamma.cpu / minutes) }),
      },
      ratios_to_ffmpeg_ladder: {
        decode: round(decode.wall / ladder.wall),
        naive: round(naive.wall / ladder.wall),
        ...(gamma && {
          gamma_first_playable: round(gamma.firstPlayable / ladder.wall),
          gamma_ready: round(gamma.ready / ladder.wall),
        }),
      },
      first_playable_over_ready: gamma ? round(gamma.firstPlayable / gamma.ready) : null,
      chunk_encode_s: Object.fromEntries(chunkTimes.map((c) => [String(c.seconds), round(c.wall)])),
      chunk_audio_s_per_source_s: round(audioPerSourceSecond, 4),
      model_task_startup_s: TASK_STARTUP_S,
      model_min_chunk_s: CHUNK_TASK_DEFAULTS.minChunkSeconds,
      model_10min_ready_s: Object.fromEntries(Object.entries(model).map(([w, m]) => [w, m.ready_s])),
      model_10min_chunks: Object.fromEntries(Object.entries(model).map(([w, m]) => [w, m.chunks])),
    };

    const rows: [string, number | null, number | null, string][] = [
      ['decode only (bare ffmpeg)', decode.wall, decode.cpu, ''],
      ['ladder, one ffmpeg command (bare)', ladder.wall, ladder.cpu, ''],
      ['naive: one ffmpeg per rung', naive.wall, naive.cpu, ''],
      ['Gamma: upload → first playable', gamma?.firstPlayable ?? null, null, ''],
      ['Gamma: upload → ready', gamma?.ready ?? null, gamma?.cpu ?? null, ''],
    ];
    const cell = (n: number | null, width: number) => (n === null ? '—' : n.toFixed(1)).padStart(width);
    console.log(
      `\nsource: ${sourceSeconds}s 1080p30 H.264+AAC; ladder ${rungs.join(' ')}; ${plan.segmentSeconds}s fMP4 segments`,
    );
    console.log(`machine: ${load.cores} cores, 1-minute load average ${load.before} before, ${load.after} after`);
    console.log(
      `${'step'.padEnd(36)}${'wall s'.padStart(9)}${'× ladder'.padStart(10)}${'CPU s'.padStart(9)}${'CPU s/src min'.padStart(15)}`,
    );
    for (const [name, wall, cpu] of rows) {
      const ratio = wall === null ? '—' : `${(wall / ladder.wall).toFixed(2)}`;
      console.log(
        `${name.padEnd(36)}${cell(wall, 9)}${ratio.padStart(10)}${cell(cpu, 9)}${cell(cpu === null ? null : cpu / minutes, 15)}`,
      );
    }
    console.log(
      `\nAWS model (chunk tasks), ${MODEL_SOURCE_S / 60}-minute source, task start-up ${TASK_STARTUP_S}s, chunks of at least ${CHUNK_TASK_DEFAULTS.minChunkSeconds}s,` +
        ` chunk encode ≈ ${fixed.toFixed(1)}s + ${perSourceSecond.toFixed(2)}s per source second, audio ${audioPerSourceSecond.toFixed(3)}s per source second:`,
    );
    for (const [workers, { chunks: n, ready_s }] of Object.entries(model))
      console.log(
        `  ${workers.padStart(3)} workers → ${String(n).padStart(2)} chunk tasks → ready in ${ready_s.toFixed(0)}s`,
      );
    console.log(JSON.stringify(figures));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
await runQualityBench(); // the video_quality tiers' bytes and quality (scripts/bench-quality.ts)
process.exit(0);
