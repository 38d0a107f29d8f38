import { type App, Aspects, Duration } from 'aws-cdk-lib';
import { CHUNK_WORKER_KINDS, isChunkWorkers } from '../lambdas/core/domain/chunks.js';
import { EDGE_RATE_LIMIT_RANGE } from './constructs/edge-rate-limit.js';
import { JOB_RUNTIMES, type JobRuntime } from './constructs/transcode.js';
import { EdgeStack } from './edge-stack.js';
import { GammaNagAcknowledgments } from './nag.js';
import {
  PipelineStack,
  TRANSCODER_KINDS,
  TRANSCRIBER_CHOICES,
  type TranscoderKind,
  type TranscriberChoice,
} from './pipeline-stack.js';
import { StatefulStack } from './stateful-stack.js';

/** The context flags `bin/gamma.ts` reads (`-c name=value`); see the README's "Deploy to AWS". */
export const CONTEXT = {
  /** `fargate` (default) or `mediaconvert`. */
  transcoder: 'transcoder',
  /**
   * The speech-to-text service of generated subtitles: `transcribe` (Amazon Transcribe, default on AWS) or
   * `pocketsphinx` (in the FFmpeg transcoder's task, US English only; default and only choice locally).
   */
  transcriber: 'transcriber',
  /** `true` (default) keeps buckets and tables on stack deletion; `false` removes them with the stacks. */
  retainData: 'retainData',
  /** Comma-separated origins allowed to call the API and upload from a browser. @default * */
  corsOrigins: 'corsOrigins',
  /** An address subscribed to the alarm topic. */
  alarmEmail: 'alarmEmail',
  /**
   * Requests per 5 minutes one IP address may make for images before AWS WAF blocks it (a web ACL in a us-east-1
   * stack, costing money at rest). Ignored with localEndpoint: the emulator has no WAF. @default none (no WAF)
   */
  edgeRateLimit: 'edgeRateLimit',
  /** Set by `npm start` and the tests: the emulator's endpoint URL (see the README's "On one machine"). */
  localEndpoint: 'localEndpoint',
  /** With localEndpoint: where the local stream server serves playback. */
  localStreamUrl: 'localStreamUrl',
  /**
   * `queue` (default on AWS): a queue-driven worker service takes one job per chunk of a long source; `tasks`: one
   * Fargate task per chunk; `process` (default locally): one task.
   */
  chunkWorkers: 'chunkWorkers',
  /**
   * With `queue`: `lambda` (default) runs the jobs in the transcode function, handing the ones longer than 15 minutes
   * allow to the worker service; `fargate`: the worker service runs them all.
   */
  jobRuntime: 'jobRuntime',
  /**
   * With `queue`: workers kept running at rest (about $119 a month each). @default 0 with jobRuntime lambda, else 1
   */
  warmWorkers: 'warmWorkers',
  /**
   * With the transcode function: sandboxes Lambda keeps initialised at all times (about $88 a month each), so that
   * many uploads at once never wait for a cold start. @default 0
   */
  provisionedConcurrency: 'provisionedConcurrency',
  /**
   * With the transcode function: chunk jobs' sandboxes at once at most, and so a long source's chunks. More is ready
   * sooner and costs more (each sandbox's start is billed). @default 16
   */
  maxConcurrency: 'maxConcurrency',
  /**
   * With the transcode function: uploads' first jobs at once at most, beside the chunks (nothing at rest). @default 16
   */
  uploadConcurrency: 'uploadConcurrency',
} as const;

export interface GammaStacks {
  readonly stateful: StatefulStack;
  readonly pipeline: PipelineStack;
  /** Only with `-c edgeRateLimit` (and not locally). */
  readonly edge?: EdgeStack;
}

/**
 * Defines Gamma's two stacks in `app` from its context. Environment-agnostic: nothing is looked up at synth, so
 * `cdk synth` works offline. Bad flags fail here, naming the fix.
 */
export function defineGamma(app: App): GammaStacks {
  const ctx = (name: keyof typeof CONTEXT): string | undefined => {
    const value = app.node.tryGetContext(CONTEXT[name]);
    return value === undefined || value === '' ? undefined : String(value);
  };

  const transcoder = ctx('transcoder') ?? 'fargate';
  if (!TRANSCODER_KINDS.includes(transcoder as TranscoderKind)) {
    throw new Error(`Unknown transcoder "${transcoder}": use -c transcoder=${TRANSCODER_KINDS.join(' or ')}`);
  }
  const transcriber = ctx('transcriber');
  if (transcriber !== undefined && !TRANSCRIBER_CHOICES.includes(transcriber as TranscriberChoice)) {
    throw new Error(`-c transcriber=${transcriber}: use ${TRANSCRIBER_CHOICES.join(' or ')}`);
  }
  const retainData = ctx('retainData');
  if (retainData !== undefined && retainData !== 'true' && retainData !== 'false') {
    throw new Error(`-c retainData=${retainData}: use true or false`);
  }
  const chunkWorkers = ctx('chunkWorkers');
  if (chunkWorkers !== undefined && !isChunkWorkers(chunkWorkers)) {
    throw new Error(`-c chunkWorkers=${chunkWorkers}: use ${CHUNK_WORKER_KINDS.join(' or ')}`);
  }
  const jobRuntime = ctx('jobRuntime');
  if (jobRuntime !== undefined && !JOB_RUNTIMES.includes(jobRuntime as JobRuntime)) {
    throw new Error(`-c jobRuntime=${jobRuntime}: use ${JOB_RUNTIMES.join(' or ')}`);
  }
  // A count flag: digits only (the constructs check its range and say why).
  const count = (name: keyof typeof CONTEXT, what: string): number | undefined => {
    const value = ctx(name);
    if (value !== undefined && !/^\d+$/.test(value))
      throw new Error(`-c ${name}=${value}: use a whole number of ${what}`);
    return value === undefined ? undefined : Number(value);
  };
  const warmWorkers = count('warmWorkers', 'workers (0 or more)');
  const provisionedConcurrency = count('provisionedConcurrency', 'sandboxes (0 or more)');
  const maxConcurrency = count('maxConcurrency', 'sandboxes (2 to 1000)');
  const uploadConcurrency = count('uploadConcurrency', 'sandboxes (2 to 1000)');
  const localEndpoint = ctx('localEndpoint');
  const local = localEndpoint ? { endpoint: localEndpoint, streamUrl: ctx('localStreamUrl') ?? '' } : undefined;
  if (local && !local.streamUrl) throw new Error('-c localEndpoint needs -c localStreamUrl as well');
  const edgeRateLimit = requestsPerFiveMinutes(ctx('edgeRateLimit'));
  const corsOrigins = ctx('corsOrigins')
    ?.split(',')
    .map((o) => o.trim())
    .filter(Boolean);

  // MiniStack has no WAF: the local platform runs without the rule, whatever the flag says.
  const edge =
    edgeRateLimit === undefined || local
      ? undefined
      : new EdgeStack(app, 'GammaEdge', { requestsPerFiveMinutes: edgeRateLimit });
  const stateful = new StatefulStack(app, 'GammaStateful', {
    retainData: retainData !== 'false',
    corsOrigins,
    alarmEmail: ctx('alarmEmail'),
    edgeRateLimit: edge?.rateLimit,
    // Locally a failed ingest message is retried after seconds, not minutes, so its way to the dead-letter queue
    // (5 receives) can be watched and tested; 10 s still exceeds what a busy emulator takes to ingest one.
    ...(local && { ingestVisibilityTimeout: Duration.seconds(10), streamUrl: local.streamUrl }),
  });
  const pipeline = new PipelineStack(app, 'GammaPipeline', {
    storage: stateful.storage,
    stream: stateful.stream,
    alarmTopic: stateful.monitoring.topic,
    transcoder: transcoder as TranscoderKind,
    ...(transcriber !== undefined && { transcriber: transcriber as TranscriberChoice }),
    corsOrigins,
    local,
    chunkWorkers,
    ...(jobRuntime !== undefined && { jobRuntime: jobRuntime as JobRuntime }),
    ...(warmWorkers !== undefined && { warmWorkers }),
    ...(provisionedConcurrency !== undefined && { provisionedConcurrency }),
    ...(maxConcurrency !== undefined && { maxConcurrency }),
    ...(uploadConcurrency !== undefined && { uploadConcurrency }),
  });
  Aspects.of(app).add(new GammaNagAcknowledgments());
  return { stateful, pipeline, edge };
}

/** `-c edgeRateLimit=<n>`: a whole number in AWS WAF's range, refused here, before anything is built. */
function requestsPerFiveMinutes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const { min, max } = EDGE_RATE_LIMIT_RANGE;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new Error(
      `-c edgeRateLimit=${value}: use a whole number of requests per 5 minutes per IP address from ${min} to ${max} ` +
        '(e.g. -c edgeRateLimit=2000), or leave the flag out for no WAF',
    );
  }
  return n;
}
