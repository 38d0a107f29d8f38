#!/usr/bin/env node
/**
 * The Gamma CDK app: `npx cdk deploy --all` puts the whole platform into an AWS account.
 *
 * Context (`-c name=value`, see CONTEXT in lib/gamma-app.ts and the README's "Deploy to AWS"):
 *   transcoder      fargate (default) or mediaconvert
 *   transcriber     transcribe (Amazon Transcribe, default) or pocketsphinx (in the transcoder's task) for generated subtitles
 *   retainData      true (default) keeps buckets and tables on stack deletion; false removes them
 *   corsOrigins     comma-separated origins allowed to call the API and upload from a browser (default *)
 *   alarmEmail      an address subscribed to the alarm topic
 *   edgeRateLimit   image requests per 5 minutes per IP before AWS WAF blocks it (adds GammaEdge in us-east-1; costs at rest)
 *   localEndpoint   set by `npm start` / the tests when deploying into the local emulator (its endpoint URL);
 *   localStreamUrl  where the local stream server serves playback (with localEndpoint)
 */
import { App } from 'aws-cdk-lib';
import { defineGamma } from '../lib/gamma-app.js';

defineGamma(new App());
