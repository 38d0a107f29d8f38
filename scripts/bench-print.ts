/**
 * What `npm run bench` prints: the measured steps, the AWS model's table for 10-minute and 2-hour sources on 1–256
 * workers with the local run beside it, dollars per source minute per path, and the last line of JSON.
 */
import type { ChunkWorkers } from '../lambdas/core/domain/chunks.js';
import type { LadderPlan } from '../lambdas/core/domain/ladder.js';
import { medianBy, type Timing } from './bench-cpu.js';
import {
  AWS,
  type Constants,
  chunkTasksModel,
  costPerSourceMinute,
  functionAtRestUsdPerMonth,
  functionModel,
  type Measured,
  PRICES,
  provisionedSandboxUsdPerMonth,
  queueModel,
  warmWorkersUsdPerMonth,
} from './bench-model.js';
import type { measureSteps } from './bench-steps.js';

/** Source lengths and worker counts the AWS model is printed for. */
export const MODEL_SOURCES_S = [600, 7200] as const;
export const MODEL_WORKERS = [1, 4, 16, 32, 64, 256] as const;
/** The issue's targets. */
const TARGETS = { overhead: 1.05, firstPlayableS: 5, ready10minAt32S: 30, ready2hAt256S: 180, costRatio: 0.1 };

/** The source through the local platform. */
export interface LocalRun {
  firstPlayable: number;
  ready: number;
  cpu: number;
  jobs: number;
  workers: number;
  /**
   * Where `cpu` went: the jobs' ffmpeg and ffprobe, the jobs' own (SDK, joining pieces, uploads), and the rest (the
   * workers' polling, their job processes' start); undefined where the jobs' logs did not say (chunk tasks).
   */
  split?: { tools: number; jobProcesses: number; workers: number };
}

/**
 * A Gamma run and the bare command's runs just before and after it (their CPU seconds): `bare` is their mean, so a
 * machine whose speed drifts between commands weighs on both sides alike.
 */
export interface OverheadPair {
  bare: number;
  bareRuns: [before: number, after: number];
  gamma: LocalRun;
}

export interface BenchResults {
  sourceSeconds: number;
  plan: LadderPlan;
  load: { before: number; after: number; cores: number };
  decode: Timing;
  ladder: Timing;
  ladderOnly: Timing;
  naive: Timing;
  steps: Awaited<ReturnType<typeof measureSteps>>;
  /** Gamma `--repeat` times on one platform, each between two bare runs; undefined with --no-platform or a failure. */
  pairs: OverheadPair[] | undefined;
  chunkWorkers: ChunkWorkers;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const cell = (n: number | null | undefined, width: number, digits = 1) =>
  (n === null || n === undefined ? '—' : n.toFixed(digits)).padStart(width);
const keyOf = (sourceS: number) => `${sourceS / 60}min`;

/** The model's rows, keyed by source length and worker count. */
export function modelTable(m: Measured, c: Constants = AWS) {
  return MODEL_SOURCES_S.map((sourceS) => ({
    sourceS,
    rows: MODEL_WORKERS.map((workers) => ({
      workers,
      fn: functionModel(m, sourceS, workers, c),
      queue: queueModel(m, sourceS, workers, c),
      tasks: chunkTasksModel(m, sourceS, workers, c),
    })),
  }));
}

export function printAll(r: BenchResults): void {
  const { sourceSeconds, pairs, steps } = r;
  const minutes = sourceSeconds / 60;
  const m: Measured = steps.measured;
  const rungs = r.plan.video?.rungs.map((x) => x.name) ?? [];
  const ratioOf = (p: OverheadPair) => p.gamma.cpu / p.bare;
  // The pair with the median ratio stands for Gamma: its times, CPU and split are the ones printed.
  const median = pairs?.length ? medianBy(pairs, ratioOf) : undefined;
  const gamma = median?.gamma;
  const overhead = median ? ratioOf(median) : null;

  console.log(
    `\nsource: ${sourceSeconds}s 1080p30 H.264+AAC; ladder ${rungs.join(' ')}; ${r.plan.segmentSeconds}s segments`,
  );
  console.log(
    `machine: ${r.load.cores} cores, 1-minute load average ${r.load.before.toFixed(2)} before, ${r.load.after.toFixed(2)} after`,
  );
  console.log(
    `${'step'.padEnd(40)}${'wall s'.padStart(9)}${'× ladder'.padStart(10)}${'CPU s'.padStart(9)}${'CPU s/src min'.padStart(15)}`,
  );
  const rows: [string, number | null, number | null][] = [
    ['decode only (bare ffmpeg)', r.decode.wall, r.decode.cpu],
    ['ladder + images, one command (bare)', r.ladder.wall, r.ladder.cpu],
    ['ladder alone, one command (bare)', r.ladderOnly.wall, r.ladderOnly.cpu],
    ['naive: one ffmpeg per rung', r.naive.wall, r.naive.cpu],
    [`Gamma (${r.chunkWorkers}): upload → first playable`, gamma?.firstPlayable ?? null, null],
    [`Gamma (${r.chunkWorkers}): upload → ready`, gamma?.ready ?? null, gamma?.cpu ?? null],
  ];
  for (const [name, wall, cpu] of rows) {
    const ratio = wall === null ? '—' : (wall / r.ladder.wall).toFixed(2);
    console.log(
      `${name.padEnd(40)}${cell(wall, 9)}${ratio.padStart(10)}${cell(cpu, 9)}${cell(cpu === null ? null : cpu / minutes, 15)}`,
    );
  }
  if (pairs && median && gamma && overhead !== null) {
    const each = pairs.map(
      (p) =>
        `${p.gamma.cpu.toFixed(1)} / ${p.bare.toFixed(1)} (${p.bareRuns.map((b) => b.toFixed(1)).join(', ')}) = ` +
        ratioOf(p).toFixed(3),
    );
    console.log(
      `Gamma's CPU over the mean of the bare command's runs just before and after it (overhead_cpu_ratio, the ` +
        `median of ${pairs.length}): ` +
        `${overhead.toFixed(3)}× (target ≤ ${TARGETS.overhead}×), ${gamma.jobs} job(s) on ${gamma.workers} local ` +
        `workers or chunk sandboxes; Gamma / bare CPU-s (before, after): ${each.join('; ')}`,
    );
    const split = gamma.split;
    if (split) {
      const share = (cpu: number) => `${cpu.toFixed(1)} CPU-s (${(cpu / median.bare).toFixed(3)}×)`;
      console.log(
        `  of which ffmpeg and ffprobe ${share(split.tools)}, the jobs' own ${share(split.jobProcesses)}, ` +
          `the runtimes (the function's loop and sweep or the workers' polling, their job processes' start) ` +
          share(split.workers),
      );
    }
  }
  const d = steps.details;
  const w = steps.wall;
  const utilisation = r.ladder.cpu / (r.ladder.wall * r.load.cores);
  const pair = (cpu: number, wall: number) => `${cpu.toFixed(2)} CPU-s (${wall.toFixed(2)} s)`;
  console.log(
    `\nmeasured here, CPU seconds (wall seconds on ${r.load.cores} loaded cores): chunk job ≈ ` +
      `${pair(m.chunkFixedCpuS, w.chunk_fixed_s)} + ${pair(m.chunkPerSourceCpuS, w.chunk_per_source_s)} per source s ` +
      `(its audio with pre-roll, ladder, stills, preview frames; fitted from chunks starting ` +
      `${d.chunk_seek_waste_s.toFixed(2)} s past a keyframe); chunk 0 (first segment) ` +
      `${pair(m.firstSegmentCpuS, w.first_segment_s)}; ranged probe ${pair(m.probeCpuS, w.probe_s)}, ` +
      `${m.probeRequests} requests, then its decode check ${pair(m.decodeCheckCpuS, w.decode_check_s)}, ` +
      `${m.decodeCheckRequests} requests (${(d.probe_bytes_read / 1e6).toFixed(2)} MB together); the keyframes at ` +
      `${m.keyframeLookupTimes} candidate boundaries ${pair(m.keyframeLookupCpuS, w.keyframe_lookup_s)}, ` +
      `${m.keyframeLookupRequests} requests; a chunk's range: ${m.rangeRequests} ` +
      `requests, ${(m.rangeFixedBytes / 1e6).toFixed(1)} MB + ` +
      `${(m.rangeBytesPerSourceS / m.sourceBytesPerS).toFixed(2)}× its share of bytes; a process's start (each chunk task's, a ` +
      `worker's job process's once) ` +
      `${pair(m.jobStartCpuS, w.job_start_s)}; storyboard from ${d.storyboard_stills} stills ` +
      `${pair(m.storyboardCpuPerStillS * d.storyboard_stills, w.storyboard_s)}; single pass ` +
      `${m.singlePassCpuPerSourceS.toFixed(3)} CPU-s per source s, ${utilisation.toFixed(2)} CPU-s per wall second ` +
      `per core (the model states ${AWS.parallelEfficiency})`,
  );

  const table = modelTable(m);
  console.log(
    `\nAWS model (scripts/bench-model.ts). The default: the transcode function (${AWS.lambdaVcpu} vCPU sandboxes; ` +
      `"workers" is its chunk queue's maximum concurrency; a cold start ${AWS.lambdaColdStartS} s stated). Beside it: Fargate queue ` +
      `workers (${AWS.vcpu} vCPU, all running) and chunk tasks (${AWS.taskVcpu} vCPU). Measured locally: ` +
      (gamma
        ? `${sourceSeconds}s source on ${gamma.workers} local workers or chunk sandboxes (${r.chunkWorkers}): first playable ` +
          `${gamma.firstPlayable.toFixed(1)} s, ready ${gamma.ready.toFixed(1)} s`
        : 'not run (--no-platform)'),
  );
  console.log(
    `${'source'.padEnd(8)}${'workers'.padStart(8)}${'chunks'.padStart(8)}${'first playable s'.padStart(18)}` +
      `${'(cold)'.padStart(8)}${'ready s'.padStart(9)}${'planned s'.padStart(11)}${'chunk s'.padStart(9)}` +
      `${'chunk job s'.padStart(13)}   queue workers: playable / ready s   chunk tasks: playable / ready s`,
  );
  for (const { sourceS, rows: modelRows } of table) {
    for (const { workers, fn: f, queue: q, tasks } of modelRows) {
      console.log(
        `${`${sourceS / 60} min`.padEnd(8)}${String(workers).padStart(8)}${String(f.chunks).padStart(8)}` +
          `${cell(f.firstPlayableS, 18)}${cell(f.firstPlayableColdS, 8)}${cell(f.readyS, 9, 0)}` +
          `${cell(f.plannedS, 11)}${cell(f.chunkS, 9, 0)}${cell(f.chunkJobS, 13)}` +
          `   ${`${q.firstPlayableS.toFixed(1)} / ${q.readyS.toFixed(0)}`.padStart(31)}` +
          `   ${tasks.firstPlayableS.toFixed(0)} / ${tasks.readyS.toFixed(0)}`,
      );
    }
  }
  const at = (sourceS: number, workers: number) =>
    table.find((t) => t.sourceS === sourceS)?.rows.find((x) => x.workers === workers)?.fn;
  const worstFirst = Math.max(...table.flatMap((t) => t.rows.map((x) => x.fn.firstPlayableS)));
  const worstCold = Math.max(...table.flatMap((t) => t.rows.map((x) => x.fn.firstPlayableColdS)));
  console.log(
    `targets: first playable ≤ ${TARGETS.firstPlayableS} s for any length: worst ${worstFirst.toFixed(1)} s ` +
      `(${worstCold.toFixed(1)} s when the first job finds no sandbox up: its file sent within the ` +
      `${(worstCold - worstFirst).toFixed(1)} s the sandbox its upload's creation started takes to start, the keep-warm ` +
      `one gone or busy; never with provisionedConcurrency at least ` +
      `the uploads at once, $${provisionedSandboxUsdPerMonth().toFixed(2)}/month a sandbox); 10 min ready ≤ ` +
      `${TARGETS.ready10minAt32S} s on 32: ${at(600, 32)?.readyS.toFixed(0)} s (on the default ` +
      `${AWS.lambdaMaxConcurrency}: ${at(600, AWS.lambdaMaxConcurrency)?.readyS.toFixed(0)} s); 2 h ready ≤ ` +
      `${TARGETS.ready2hAt256S} s on 256: ${at(7200, 256)?.readyS.toFixed(0)} s`,
  );

  // The default path's cost: the function at its default maximum concurrency, which a 10-minute source's chunks
  // follow; beside it the ratio on the table's other sandbox counts, a deployment's `-c maxConcurrency`.
  const defaultWorkers = AWS.lambdaMaxConcurrency;
  const toMediaConvert = (c: ReturnType<typeof costPerSourceMinute>) => c.gamma_function / c.mediaconvert_basic;
  const cost = costPerSourceMinute(m, 600, defaultWorkers);
  const ratio = toMediaConvert(cost);
  const ratios = Object.fromEntries(
    MODEL_WORKERS.filter((n) => n >= 4).map((n) => [n, round(toMediaConvert(costPerSourceMinute(m, 600, n)), 4)]),
  );
  // The monthly volume from which what the default path costs at rest (its keep-warm pings) keeps it within target.
  const headroom = TARGETS.costRatio * cost.mediaconvert_basic - cost.gamma_function_busy;
  const breakEven = headroom > 0 ? functionAtRestUsdPerMonth() / headroom : Number.POSITIVE_INFINITY;
  const usd = (n: number) => `$${n.toFixed(4)}`;
  console.log(
    `\n$ per source minute (10 min source, ${defaultWorkers} workers: the function's default maximum concurrency; ` +
      `list prices of ${PRICES.date}): transcode function ` +
      `${usd(cost.gamma_function_busy)} busy, ${usd(cost.gamma_function)} with its keep-warm pings over ` +
      `${AWS.monthlySourceMinutes} source min/month (${usd(functionAtRestUsdPerMonth())}/month at rest), ` +
      `${usd(cost.gamma_function_provisioned_1)} with one provisioned sandbox instead; queue ` +
      `workers busy ${usd(cost.gamma_queue_busy)}, with ${AWS.warmWorkers} warm worker(s) idle ` +
      `${usd(cost.gamma_queue_with_warm_idle)} (${usd(warmWorkersUsdPerMonth())}/month at rest); chunk tasks ` +
      `${usd(cost.gamma_chunk_tasks)}; MediaConvert basic ${usd(cost.mediaconvert_basic)}. Default path / ` +
      `MediaConvert: ${ratio.toFixed(3)} (target ≤ ${TARGETS.costRatio}` +
      (Number.isFinite(breakEven)
        ? `, met from ${Math.ceil(breakEven)} source min/month)`
        : ', not met at any volume)') +
      `; with the maximum concurrency at ${Object.entries(ratios)
        .map(([n, x]) => `${n}: ${x.toFixed(3)} (ready ${at(600, Number(n))?.readyS.toFixed(0)} s)`)
        .join(', ')}`,
  );

  const byLength = (pick: (f: ReturnType<typeof functionModel>) => number) =>
    Object.fromEntries(
      table.map((t) => [keyOf(t.sourceS), Object.fromEntries(t.rows.map((x) => [x.workers, round(pick(x.fn), 1)]))]),
    );
  const byLengthQueue = (pick: (q: ReturnType<typeof queueModel>) => number) =>
    Object.fromEntries(
      table.map((t) => [keyOf(t.sourceS), Object.fromEntries(t.rows.map((x) => [x.workers, round(pick(x.queue), 1)]))]),
    );
  const byLengthTasks = (pick: (row: ReturnType<typeof chunkTasksModel>) => number) =>
    Object.fromEntries(
      table.map((t) => [keyOf(t.sourceS), Object.fromEntries(t.rows.map((x) => [x.workers, round(pick(x.tasks), 1)]))]),
    );
  const figures = {
    source_s: sourceSeconds,
    load_average_1min: { before: round(r.load.before), after: round(r.load.after), cores: r.load.cores },
    rungs,
    decode_s: round(r.decode.wall),
    ffmpeg_ladder_s: round(r.ladder.wall),
    ffmpeg_ladder_only_s: round(r.ladderOnly.wall),
    naive_s: round(r.naive.wall),
    gamma_chunk_workers: r.chunkWorkers,
    gamma_local_workers: gamma?.workers ?? null,
    gamma_jobs: gamma?.jobs ?? null,
    gamma_first_playable_s: gamma ? round(gamma.firstPlayable) : null,
    gamma_ready_s: gamma ? round(gamma.ready) : null,
    cpu_s_per_source_min: {
      decode: round(r.decode.cpu / minutes),
      ffmpeg_ladder: round(r.ladder.cpu / minutes),
      ffmpeg_ladder_only: round(r.ladderOnly.cpu / minutes),
      naive: round(r.naive.cpu / minutes),
      ...(gamma && { gamma: round(gamma.cpu / minutes) }),
    },
    overhead_cpu_ratio: overhead === null ? null : round(overhead, 3),
    overhead_cpu_pairs:
      pairs?.map((p) => ({
        bare_cpu_s: round(p.bare, 1),
        bare_runs_cpu_s: p.bareRuns.map((b) => round(b, 1)),
        gamma_cpu_s: round(p.gamma.cpu, 1),
      })) ?? null,
    gamma_cpu_s_split: gamma?.split
      ? {
          tools: round(gamma.split.tools),
          job_processes: round(gamma.split.jobProcesses),
          workers: round(gamma.split.workers),
        }
      : null,
    ratios_to_ffmpeg_ladder: {
      decode: round(r.decode.wall / r.ladder.wall),
      naive: round(r.naive.wall / r.ladder.wall),
      ...(gamma && {
        gamma_first_playable: round(gamma.firstPlayable / r.ladder.wall),
        gamma_ready: round(gamma.ready / r.ladder.wall),
      }),
    },
    measured: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === 'number' ? round(v, 4) : v])),
    measured_wall_s: Object.fromEntries(Object.entries(w).map(([k, v]) => [k, round(v, 3)])),
    single_pass_cpu_per_wall_core: round(utilisation, 3),
    ...Object.fromEntries(Object.entries(d).map(([k, v]) => [k, typeof v === 'number' ? round(v, 4) : v])),
    model_constants: AWS,
    model_first_playable_s: byLength((f) => f.firstPlayableS),
    model_first_playable_cold_s: byLength((f) => f.firstPlayableColdS),
    model_ready_s: byLength((f) => f.readyS),
    model_chunks: byLength((f) => f.chunks),
    model_queue_workers_first_playable_s: byLengthQueue((q) => q.firstPlayableS),
    model_queue_workers_ready_s: byLengthQueue((q) => q.readyS),
    model_chunk_tasks_first_playable_s: byLengthTasks((x) => x.firstPlayableS),
    model_chunk_tasks_ready_s: byLengthTasks((x) => x.readyS),
    cost_usd_per_source_min: Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, round(v, 5)])),
    cost_ratio_default_to_mediaconvert: round(ratio, 4),
    cost_ratio_by_max_concurrency: ratios,
    cost_target_met_from_source_min_per_month: Number.isFinite(breakEven) ? Math.ceil(breakEven) : null,
    function_at_rest_usd_per_month: round(functionAtRestUsdPerMonth(), 4),
    provisioned_sandbox_usd_per_month: round(provisionedSandboxUsdPerMonth(), 2),
    warm_workers_usd_per_month: round(warmWorkersUsdPerMonth()),
    prices: PRICES,
  };
  console.log(JSON.stringify(figures));
}
