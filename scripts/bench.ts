/**
 * `npm run bench [-- --seconds 300] [-- --no-platform]`: how fast the transcoder is, against the bare ffmpeg
 * lower bound and a naive baseline, on a generated 1080p30 source. Not a test: it measures and prints.
 *
 * 1. bare ffmpeg: decode only, and the ONE ffmpeg command that makes every output Gamma makes (ladder, stills,
 *    storyboard, preview frames; the same arguments the transcoder runs, without any platform around it);
 * 2. naive: one ffmpeg process per rung, one after another, each decoding the source itself;
 * 3. Gamma: the local platform (emulator + CDK app + Fargate agent), from the upload's PUT completing to the first
 *    playable playlist and to `ready`, and its CPU over the bare command's (the overhead ratio);
 * 4. the AWS model (scripts/bench-model.ts) for 10-minute and 2-hour sources on 1–256 workers, today's path and the
 *    proposed one, and dollars per source minute per path, from figures measured here with the chunk tasks' own
 *    encoder (chunks of two lengths fitted as fixed cost + cost per source second, the audio per source second,
 *    the probe, a byte range read) plus stated constants.
 *
 * CPU seconds are those of finished child processes (`cutime + cstime` of this process), so each step is run alone.
 * The last line printed is one JSON object with every figure (the `video_quality` bench, scripts/bench-quality.ts,
 * follows with its own table and JSON line).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeChunkAudio, encodeHlsChunk } from '../containers/transcoder/src/encode.js';
import { inputArgs, ladderFfmpegArgs } from '../containers/transcoder/src/ffmpeg/args.js';
import { probe } from '../containers/transcoder/src/probe.js';
import { type ChunkWorkers, chunkTimeOffset, isChunkWorkers, planChunks } from '../lambdas/core/domain/chunks.js';
import { type LadderPlan, planLadder } from '../lambdas/core/domain/ladder.js';
import { PREVIEW_DIR, planImages, planPreviewFrames, STILLS_DIR } from '../lambdas/core/domain/thumbnails.js';
import { GammaClient } from '../test/support/client.js';
import { serveCounting } from './bench-http-source.js';
import {
  AWS,
  costPerSourceMinute,
  type Measured,
  type ModelRow,
  PRICES,
  queueModel,
  todayModel,
  warmWorkerUsdPerMonth,
} from './bench-model.js';
import { runQualityBench } from './bench-quality.js';
import { STATE_DIR, startPlatform } from './local/platform.js';

/** Source lengths and worker counts the AWS model is printed for (scripts/bench-model.ts). */
const MODEL_SOURCES_S = [600, 7200] as const;
const MODEL_WORKERS = [1, 4, 16, 32, 64, 256] as const;
/** Chunk lengths the per-chunk cost is measured at. */
const MEASURED_CHUNKS_S = [6, 30] as const;

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'no-platform': { type: 'boolean', default: false },
    // How the local platform is deployed: `queue` measures the fast path (chunk jobs on the local worker service).
    'chunk-workers': { type: 'string', default: 'process' },
  },
});
const sourceSeconds = Number(flags.seconds);
const chunkWorkersFlag = flags['chunk-workers'] as string;
if (!isChunkWorkers(chunkWorkersFlag)) throw new Error('--chunk-workers must be process, tasks or queue');
const chunkWorkers: ChunkWorkers = chunkWorkersFlag;
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

async function measureGamma(source: string, workers: ChunkWorkers) {
  const platform = await startPlatform({
    chunkWorkers: workers,
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
    while (platform.agent.runningTasks().length > 0 || (platform.workers?.running().length ?? 0) > 0) {
      await new Promise((r) => setTimeout(r, 50));
    }
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
    let probed = await probe(source);
    const probeTime = await timed(async () => {
      probed = await probe(source);
    });
    const plan = planLadder(probed);
    const video = probed.video as NonNullable<typeof probed.video>;
    const rungs = plan.video?.rungs.map((r) => r.name) ?? [];
    process.stderr.write(`[bench] ladder: ${rungs.join(', ')}\n`);

    process.stderr.write('[bench] decode only\n');
    const decode = await timed(() => ffmpeg(['-v', 'error', '-i', source, '-map', '0', '-f', 'null', '-']));

    // The same outputs as Gamma's: every rung, the stills and storyboard, the preview frames, in one command.
    process.stderr.write('[bench] bare ffmpeg: the ladder and every image output, one command\n');
    const ladderDir = await freshDir(work, 'ladder', plan);
    await mkdir(join(ladderDir, STILLS_DIR), { recursive: true });
    await mkdir(join(ladderDir, PREVIEW_DIR), { recursive: true });
    const side = {
      images: planImages(sourceSeconds, video),
      previews: { plan: planPreviewFrames(sourceSeconds, video), frameList: join(work, 'previews.crc') },
    };
    const ladder = await timed(() => ffmpeg(ladderFfmpegArgs(source, plan, ladderDir, 'fmp4', side)));

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

    // The chunk tasks' own steps, bare: the audio per source second, chunks of two lengths encoded as a chunk task
    // encodes them (its slice of the audio muxed in, segments under final names), and a chunk's byte range read.
    process.stderr.write('[bench] chunk tasks: the audio, a byte range, chunks of two lengths\n');
    const sliceChunks = planChunks(sourceSeconds, { segmentSeconds: plan.segmentSeconds, workers: 4 });
    const audio = await timed(async () => {
      for (const [i, chunk] of sliceChunks.entries()) {
        const last = i === sliceChunks.length - 1;
        if (plan.audio) await encodeChunkAudio(source, plan, chunk, { last }, join(work, 'audio'));
      }
    });
    const audioPerSourceSecond = audio.wall / sourceSeconds;
    // A chunk's byte range as a chunk job reads it: ffmpeg seeking over HTTP with Range requests (S3 stood in for by
    // a local server that counts what it sends), then the chunk's encode from that URL, its bytes counted.
    const http = await serveCounting(source);
    const mid = String(Math.max(0, sourceSeconds / 2 - MEASURED_CHUNKS_S[1] / 2));
    const rangeRead = await timed(() =>
      ffmpeg([
        ...['-v', 'error', ...inputArgs(http.url, ['-ss', mid, '-t', String(MEASURED_CHUNKS_S[1])])],
        ...['-map', '0', '-c', 'copy', '-f', 'null', '-'],
      ]),
    );
    process.stderr.write("[bench] the whole source's images, their own decode\n");
    const imagesDir = await freshDir(work, 'images', plan);
    // No longer a step of the platform (each chunk cuts its own images); kept as the cost of one images-only decode.
    const images = await timed(() =>
      ffmpeg(
        ladderFfmpegArgs(
          source,
          { ...plan, video: { ...(plan.video as NonNullable<LadderPlan['video']>), rungs: [] } },
          imagesDir,
          'fmp4',
          side,
        ),
      ),
    );
    const chunkTimes: { seconds: number; wall: number; bytes: number }[] = [];
    const timeOffsetSeconds = chunkTimeOffset(plan.video?.fps ?? 30);
    const rangeBytes: number[] = [];
    for (const seconds of MEASURED_CHUNKS_S) {
      const dir = await freshDir(work, `chunk-${seconds}`, plan);
      const startSeconds = Math.max(0, Math.min(sourceSeconds - seconds, sourceSeconds / 2));
      const chunk = { index: 0, startSeconds, durationSeconds: seconds, firstSegment: 0, segmentCount: 1 };
      // Its own slice of the audio, as a chunk that is not the last encodes it.
      const slice = plan.audio
        ? await encodeChunkAudio(source, plan, chunk, { last: false }, join(work, `audio-${seconds}`))
        : undefined;
      http.reset();
      const { wall } = await timed(() =>
        encodeHlsChunk(http.url, plan, dir, chunk, { ...(slice && { audio: slice }), timeOffsetSeconds }),
      );
      rangeBytes.push(http.sent() / (http.size * (seconds / sourceSeconds)));
      chunkTimes.push({ seconds, wall, bytes: http.sent() });
    }
    await http.close();
    const [short, long] = chunkTimes as [(typeof chunkTimes)[0], (typeof chunkTimes)[0]];
    const perSourceSecond = (long.wall - short.wall) / (long.seconds - short.seconds);
    const measured: Measured = {
      cores: availableParallelism(),
      chunkFixedS: Math.max(0, short.wall - perSourceSecond * short.seconds),
      chunkPerSourceS: perSourceSecond,
      singlePassPerSourceS: ladder.wall / sourceSeconds,
      audioPerSourceS: audioPerSourceSecond,
      imagesPerSourceS: images.wall / sourceSeconds,
      probeS: probeTime.wall,
      rangeReadS: rangeRead.wall,
      rangeReadOverhead: Math.max(...rangeBytes),
      sourceBytesPerS: (await stat(source)).size / sourceSeconds,
      rungs: {
        sd: plan.video?.rungs.filter((r) => Math.min(r.width, r.height) < 720).length ?? 0,
        hd: plan.video?.rungs.filter((r) => Math.min(r.width, r.height) >= 720).length ?? 0,
      },
    };
    const model = Object.fromEntries(
      MODEL_SOURCES_S.map((length) => [
        length,
        Object.fromEntries(
          MODEL_WORKERS.map((w) => [
            w,
            { now: todayModel(measured, length, w), next: queueModel(measured, length, w) },
          ]),
        ),
      ]),
    );
    const cost = costPerSourceMinute(measured, 600, 32);

    const gamma = flags['no-platform'] ? undefined : await measureGamma(source, chunkWorkers);

    const minutes = sourceSeconds / 60;
    const load = { before: round(loadBefore), after: round(loadavg()[0] ?? 0), cores: availableParallelism() };
    const byLength = (pick: (row: { now: ModelRow; next: ModelRow }) => number) =>
      Object.fromEntries(
        Object.entries(model).map(([length, rows]) => [
          `${Number(length) / 60}min`,
          Object.fromEntries(Object.entries(rows).map(([w, row]) => [w, round(pick(row), 1)])),
        ]),
      );
    const figures = {
      source_s: sourceSeconds,
      load_average_1min: load,
      rungs,
      decode_s: round(decode.wall),
      ffmpeg_ladder_s: round(ladder.wall),
      naive_s: round(naive.wall),
      gamma_chunk_workers: chunkWorkers,
      gamma_first_playable_s: gamma ? round(gamma.firstPlayable) : null,
      gamma_ready_s: gamma ? round(gamma.ready) : null,
      cpu_s_per_source_min: {
        decode: round(decode.cpu / minutes),
        ffmpeg_ladder: round(ladder.cpu / minutes),
        naive: round(naive.cpu / minutes),
        ...(gamma && { gamma: round(gamma.cpu / minutes) }),
      },
      overhead_cpu_ratio: gamma ? round(gamma.cpu / ladder.cpu) : null,
      ratios_to_ffmpeg_ladder: {
        decode: round(decode.wall / ladder.wall),
        naive: round(naive.wall / ladder.wall),
        ...(gamma && {
          gamma_first_playable: round(gamma.firstPlayable / ladder.wall),
          gamma_ready: round(gamma.ready / ladder.wall),
        }),
      },
      first_playable_over_ready: gamma ? round(gamma.firstPlayable / gamma.ready) : null,
      measured: Object.fromEntries(
        Object.entries(measured).map(([k, v]) => [k, typeof v === 'number' ? round(v, 4) : v]),
      ),
      chunk_encode_s: Object.fromEntries(chunkTimes.map((c) => [String(c.seconds), round(c.wall)])),
      // Bytes a chunk's encode read over HTTP, and that over the chunk's share of the file (1 = only its range).
      chunk_bytes_read: Object.fromEntries(chunkTimes.map((c) => [String(c.seconds), c.bytes])),
      source_bytes: (await stat(source)).size,
      model_constants: AWS,
      model_first_playable_s: byLength((r) => r.next.firstPlayableS),
      model_ready_s: byLength((r) => r.next.readyS),
      model_chunks: byLength((r) => r.next.chunks),
      model_chunk_tasks_first_playable_s: byLength((r) => r.now.firstPlayableS),
      model_chunk_tasks_ready_s: byLength((r) => r.now.readyS),
      cost_usd_per_source_min: Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, round(v, 5)])),
      warm_worker_usd_per_month: round(warmWorkerUsdPerMonth()),
      prices: PRICES,
    };

    const rows: [string, number | null, number | null][] = [
      ['decode only (bare ffmpeg)', decode.wall, decode.cpu],
      ['ladder + images, one command (bare)', ladder.wall, ladder.cpu],
      ['naive: one ffmpeg per rung', naive.wall, naive.cpu],
      ['Gamma: upload → first playable', gamma?.firstPlayable ?? null, null],
      ['Gamma: upload → ready', gamma?.ready ?? null, gamma?.cpu ?? null],
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
    if (gamma)
      console.log(`Gamma's CPU over the bare command's: ${(gamma.cpu / ladder.cpu).toFixed(2)}× (target ≤ 1.05×)`);
    console.log(
      `\nmeasured here: chunk encode ≈ ${measured.chunkFixedS.toFixed(1)}s + ${perSourceSecond.toFixed(2)}s per source ` +
        `second on ${measured.cores} cores, audio ${audioPerSourceSecond.toFixed(3)}s/s, images ` +
        `${measured.imagesPerSourceS.toFixed(3)}s/s, probe ${probeTime.wall.toFixed(2)}s, a 30 s range over HTTP ` +
        `${rangeRead.wall.toFixed(2)}s; bytes read per chunk: ` +
        chunkTimes
          .map((c) => `${c.seconds}s chunk ${(c.bytes / 1e6).toFixed(1)} MB of ${(http.size / 1e6).toFixed(1)} MB`)
          .join(', ') +
        ` (${measured.rangeReadOverhead.toFixed(2)}× its share)`,
    );
    const local = gamma
      ? `local (${chunkWorkers}, ${sourceSeconds}s source): first playable ${gamma.firstPlayable.toFixed(1)}s, ready ${gamma.ready.toFixed(1)}s`
      : 'local: not measured (--no-platform)';
    console.log(`AWS model, queue workers (as built; constants in scripts/bench-model.ts). ${local}`);
    console.log(
      `${'source'.padEnd(8)}${'workers'.padStart(8)}${'chunks'.padStart(8)}${'first playable s'.padStart(18)}${'ready s'.padStart(9)}` +
        `${'planned s'.padStart(11)}${'images s'.padStart(10)}   chunk tasks: first playable / ready s`,
    );
    for (const [length, rows] of Object.entries(model)) {
      for (const [w, { now, next }] of Object.entries(rows)) {
        console.log(
          `${`${Number(length) / 60} min`.padEnd(8)}${w.padStart(8)}${String(next.chunks).padStart(8)}${next.firstPlayableS.toFixed(1).padStart(18)}` +
            `${next.readyS.toFixed(0).padStart(9)}${next.plannedS.toFixed(1).padStart(11)}${next.imagesS.toFixed(1).padStart(10)}` +
            `   ${now.firstPlayableS.toFixed(0)} / ${now.readyS.toFixed(0)}`,
        );
      }
    }
    const usd = (n: number) => `$${n.toFixed(4)}`;
    console.log(
      `\n$ per source minute (10 min, 32 workers): queue workers busy ${usd(cost.gamma_queue_busy)}, with one warm ` +
        `worker over ${AWS.monthlySourceMinutes} source min/month ${usd(cost.gamma_queue_one_warm_worker)}, chunk tasks ` +
        `${usd(cost.gamma_chunk_tasks)}, MediaConvert basic ${usd(cost.mediaconvert_basic)}; one warm worker at rest ` +
        `${usd(warmWorkerUsdPerMonth())}/month`,
    );
    console.log(JSON.stringify(figures));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
await runQualityBench(); // the video_quality tiers' bytes and quality (scripts/bench-quality.ts)
process.exit(0);
