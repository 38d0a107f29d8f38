import { type App, Aspects, Duration } from 'aws-cdk-lib';
import { CHUNK_WORKER_KINDS, isChunkWorkers } from '../lambdas/core/domain/chunks.js';
import { GammaNagAcknowledgments } from './nag.js';
import { PipelineStack, TRANSCODER_KINDS, type TranscoderKind } from './pipeline-stack.js';
import { StatefulStack } from './stateful-stack.js';

/** The context flags `bin/gamma.ts` reads (`-c name=value`); see the README's "Deploy to AWS". */
export const CONTEXT = {
  /** `fargate` (default) or `mediaconvert`. */
  transcoder: 'transcoder',
  /** `true` (default) keeps buckets and tables on stack deletion; `false` removes them with the stacks. */
  retainData: 'retainData',
  /** Comma-separated origins allowed to call the API and upload from a browser. @default * */
  corsOrigins: 'corsOrigins',
  /** An address subscribed to the alarm topic. */
  alarmEmail: 'alarmEmail',
  /** Set by `npm start` and the tests: the emulator's endpoint URL (see the README's "On one machine"). */
  localEndpoint: 'localEndpoint',
  /** With localEndpoint: where the local stream server serves playback. */
  localStreamUrl: 'localStreamUrl',
  /** `tasks` (default on AWS): one Fargate task per chunk of a long source; `process` (default locally): one task. */
  chunkWorkers: 'chunkWorkers',
} as const;

export interface GammaStacks {
  readonly stateful: StatefulStack;
  readonly pipeline: PipelineStack;
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
  const retainData = ctx('retainData');
  if (retainData !== undefined && retainData !== 'true' && retainData !== 'false') {
    throw new Error(`-c retainData=${retainData}: use true or false`);
  }
  const chunkWorkers = ctx('chunkWorkers');
  if (chunkWorkers !== undefined && !isChunkWorkers(chunkWorkers)) {
    throw new Error(`-c chunkWorkers=${chunkWorkers}: use ${CHUNK_WORKER_KINDS.join(' or ')}`);
  }
  const localEndpoint = ctx('localEndpoint');
  const local = localEndpoint ? { endpoint: localEndpoint, streamUrl: ctx('localStreamUrl') ?? '' } : undefined;
  if (local && !local.streamUrl) throw new Error('-c localEndpoint needs -c localStreamUrl as well');
  const corsOrigins = ctx('corsOrigins')
    ?.split(',')
    .map((o) => o.trim())
    .filter(Boolean);

  const stateful = new StatefulStack(app, 'GammaStateful', {
    retainData: retainData !== 'false',
    corsOrigins,
    alarmEmail: ctx('alarmEmail'),
    // Locally a failed ingest message is retried after seconds, not minutes, so its way to the dead-letter queue
    // (5 receives) can be watched and tested; 10 s still exceeds what a busy emulator takes to ingest one.
    ...(local && { ingestVisibilityTimeout: Duration.seconds(10), streamUrl: local.streamUrl }),
  });
  const pipeline = new PipelineStack(app, 'GammaPipeline', {
    storage: stateful.storage,
    stream: stateful.stream,
    alarmTopic: stateful.monitoring.topic,
    transcoder: transcoder as TranscoderKind,
    corsOrigins,
    local,
    chunkWorkers,
  });
  Aspects.of(app).add(new GammaNagAcknowledgments());
  return { stateful, pipeline };
}
