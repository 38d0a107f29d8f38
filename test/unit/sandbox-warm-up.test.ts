/**
 * A transcode sandbox started ahead of the job an upload or input URL will make (SandboxWarmer): once per request
 * that is accepted, never for one refused, and a ping that fails never fails the request.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { warmUpLambdaClient } from '../../lambdas/core/adapters/clients.js';
import { LambdaSandboxWarmer, MIN_PING_INTERVAL_MS } from '../../lambdas/core/adapters/lambda-sandbox-warmer.js';
import { ValidationError } from '../../lambdas/core/domain/errors.js';
import type { SandboxWarmer } from '../../lambdas/core/ports.js';
import { CreateUploadInput, createUpload } from '../../lambdas/core/usecases/uploads.js';
import { CreateAssetInput, createAssetFromUrl } from '../../lambdas/core/usecases/url-inputs.js';
import { parseOrThrow } from '../../lambdas/core/validation.js';
import { InMemoryInputSlots } from './api-fakes.js';
import { FakeUploadUrls, InMemoryMediaRepository } from './fakes.js';

class CountingWarmer implements SandboxWarmer {
  pings = 0;
  async warm(): Promise<void> {
    this.pings++;
  }
}

let media: InMemoryMediaRepository;
let warmer: CountingWarmer;
beforeEach(() => {
  media = new InMemoryMediaRepository();
  warmer = new CountingWarmer();
});

const upload = (body: unknown, transcoder: 'fargate' | 'mediaconvert' = 'fargate') =>
  createUpload(parseOrThrow(CreateUploadInput, body), {
    env: 'env1',
    media,
    urls: new FakeUploadUrls(),
    transcoder,
    resolve: async () => ['93.184.216.34'],
    defaultTimeout: 3600,
    warmer,
  });

const assetFromUrl = (url: string, slots = new InMemoryInputSlots()) =>
  createAssetFromUrl(parseOrThrow(CreateAssetInput, { inputs: [{ url }], playback_policies: ['public'] }), {
    env: 'env1',
    media,
    ingestBucket: 'ingest',
    transcoder: 'fargate',
    inputs: { submit: async () => {} },
    slots,
    resolve: async (host) => (host === 'inside.example' ? ['10.0.0.5'] : ['93.184.216.34']),
    warmer,
  });

describe('a sandbox started ahead of the job', () => {
  it('is asked for once per direct upload created, not for one refused', async () => {
    await upload({ new_asset_settings: { playback_policies: ['public'] } });
    expect(warmer.pings).toBe(1);
    await expect(upload({ new_asset_settings: { generate_shots: true } }, 'mediaconvert')).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(warmer.pings).toBe(1);
  });

  it('is asked for once per asset created from an input URL, not for one refused', async () => {
    await assetFromUrl('https://media.example/video.mp4');
    expect(warmer.pings).toBe(1);
    await expect(assetFromUrl('https://inside.example/video.mp4')).rejects.toBeInstanceOf(ValidationError);
    expect(warmer.pings).toBe(1);
  });
});

describe('LambdaSandboxWarmer', () => {
  const lambda = mockClient(LambdaClient);
  beforeEach(() => lambda.reset());

  it('invokes the function with the keep-warm ping without waiting for it to run', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await new LambdaSandboxWarmer(new LambdaClient({}), 'gamma-transcode').warm();
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const sent = calls[0]?.args[0].input;
    expect(sent?.FunctionName).toBe('gamma-transcode');
    expect(sent?.InvocationType).toBe('Event');
    expect(JSON.parse(new TextDecoder().decode(sent?.Payload as Uint8Array))).toEqual({ keepWarm: true });
  });

  it('pings at most once per interval from one API sandbox, so a flood of uploads cannot open sandboxes by the hundred', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    let now = 1_000_000;
    const warmer = new LambdaSandboxWarmer(new LambdaClient({}), 'gamma-transcode', () => now);
    for (let n = 0; n < 50; n++) await warmer.warm();
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    now += MIN_PING_INTERVAL_MS - 1;
    await warmer.warm();
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    now += 1;
    await warmer.warm();
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
  });

  it('lets a failed ping cost only the cold start: the request that asked goes on', async () => {
    lambda.on(InvokeCommand).rejects(new Error('TooManyRequestsException'));
    await expect(new LambdaSandboxWarmer(new LambdaClient({}), 'gamma-transcode').warm()).resolves.toBeUndefined();
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
  });
});

describe('the client the API pings with', () => {
  it('makes one attempt: a lost ping costs a cold start, a retried one the request’s time', async () => {
    expect(await warmUpLambdaClient().config.maxAttempts()).toBe(1);
  });
});
