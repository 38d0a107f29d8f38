#!/usr/bin/env node
/**
 * The Gamma CDK app: `npx cdk deploy --all` puts the whole platform into an AWS account.
 *
 * Context (`-c name=value`):
 *   transcoder   fargate (default)
 *   retainData   true (default) keeps buckets and tables on stack deletion; false removes them
 *   corsOrigins  comma-separated origins allowed to call the API and upload from a browser (default *)
 *   localEndpoint  set by `npm start` / the tests when deploying into the local emulator (its endpoint URL):
 *                the transcoder image is not built (a local agent runs the container's entry point), and
 *   localStreamUrl where the local stream server serves playback
 */
import { App } from 'aws-cdk-lib';
import { PipelineStack } from '../lib/pipeline-stack.js';
import { StatefulStack } from '../lib/stateful-stack.js';

const app = new App();
const ctx = (name: string): string | undefined => app.node.tryGetContext(name)?.toString();
const flag = (name: string, fallback: boolean) => (ctx(name) === undefined ? fallback : ctx(name) === 'true');

const transcoder = ctx('transcoder') ?? 'fargate';
if (transcoder !== 'fargate') {
  throw new Error(`Unknown transcoder "${transcoder}": use -c transcoder=fargate`);
}
const localEndpoint = ctx('localEndpoint');
const local = localEndpoint ? { endpoint: localEndpoint, streamUrl: ctx('localStreamUrl') ?? '' } : undefined;
if (local && !local.streamUrl) throw new Error('-c localEndpoint needs -c localStreamUrl as well');
const corsOrigins = ctx('corsOrigins')
  ?.split(',')
  .map((o) => o.trim());

// Environment-agnostic stacks: nothing is looked up at synth, so `cdk synth` works offline.
const stateful = new StatefulStack(app, 'GammaStateful', { retainData: flag('retainData', true), corsOrigins });
new PipelineStack(app, 'GammaPipeline', { storage: stateful.storage, stream: stateful.stream, corsOrigins, local });
