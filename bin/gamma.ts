#!/usr/bin/env node
/**
 * The Gamma CDK app: `npx cdk deploy --all` puts the whole platform into an AWS account.
 *
 * Context (`-c name=value`):
 *   transcoder   fargate (default)
 *   retainData   true (default) keeps buckets and tables on stack deletion; false removes them
 *   corsOrigins  comma-separated origins allowed to call the API and upload from a browser (default *)
 *   local        true when deploying into the local emulator (see scripts/start.ts): the transcoder image is not
 *                built (the local agent runs the container's entry point) and playback is served locally
 *   streamUrl    playback base URL override (local mode)
 */
import { App } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { PipelineStack } from '../lib/pipeline-stack.js';
import { StatefulStack } from '../lib/stateful-stack.js';

const app = new App();
const ctx = (name: string): string | undefined => app.node.tryGetContext(name)?.toString();
const flag = (name: string, fallback: boolean) => (ctx(name) === undefined ? fallback : ctx(name) === 'true');

const transcoder = ctx('transcoder') ?? 'fargate';
if (transcoder !== 'fargate') {
  throw new Error(`Unknown transcoder "${transcoder}": use -c transcoder=fargate`);
}
const local = flag('local', false);
const corsOrigins = ctx('corsOrigins')?.split(',').map((o) => o.trim());
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };

const stateful = new StatefulStack(app, 'GammaStateful', { env, retainData: flag('retainData', true), corsOrigins });
new PipelineStack(app, 'GammaPipeline', {
  env,
  storage: stateful.storage,
  corsOrigins,
  streamUrl: ctx('streamUrl'),
  transcoderImage: local ? ecs.ContainerImage.fromRegistry('gamma/transcoder:local') : undefined,
});
