/**
 * The deploy-time custom resource behind the playback signing key: it makes a key pair, keeps the private key in
 * Secrets Manager and registers the public key in a CloudFront key group, answering CloudFormation either way.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  CloudFrontClient,
  CreateKeyGroupCommand,
  CreatePublicKeyCommand,
  DeleteKeyGroupCommand,
  DeletePublicKeyCommand,
  GetKeyGroupCommand,
  GetPublicKeyCommand,
  NoSuchPublicKey,
} from '@aws-sdk/client-cloudfront';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createPlaybackKeyHandler } from '../../lambdas/handlers/playback-key.js';

const cloudfront = mockClient(CloudFrontClient);
const secrets = mockClient(SecretsManagerClient);
let responses: { url: string; body: Record<string, unknown> }[];

const handler = createPlaybackKeyHandler(() => ({
  cloudfront: new CloudFrontClient({}),
  secrets: new SecretsManagerClient({}),
  secretArn: 'arn:secret',
  respond: async (url, body) => void responses.push({ url, body: JSON.parse(body) }),
}));

const base = {
  ServiceToken: 'arn:fn',
  ResponseURL: 'https://cfn-response.example/r',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/GammaStateful/guid',
  RequestId: 'req1',
  LogicalResourceId: 'StreamSigningKeyResource',
  ResourceType: 'Custom::PlaybackSigningKey',
  ResourceProperties: { ServiceToken: 'arn:fn' },
};
/** A name the resource gives what it makes (see the create test). */
const OWN = 'GammaStateful-StreamSigningKeyResource-0123abcd';
const ownKey = { ETag: 'e2', PublicKey: { PublicKeyConfig: { Name: OWN } } as never };
const event = (extra: object) => ({ ...base, ...extra }) as CloudFormationCustomResourceEvent;

beforeEach(() => {
  cloudfront.reset();
  secrets.reset();
  responses = [];
});

describe('playback signing key resource', () => {
  it('creates a key pair: the private key into the secret, the public key into a key group', async () => {
    cloudfront.on(CreatePublicKeyCommand).resolves({ PublicKey: { Id: 'K1' } as never });
    cloudfront.on(CreateKeyGroupCommand).resolves({ KeyGroup: { Id: 'kg1' } as never });
    await handler(event({ RequestType: 'Create' }));

    const pem = secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input;
    expect(pem?.SecretId).toBe('arn:secret');
    const config = cloudfront.commandCalls(CreatePublicKeyCommand)[0]?.args[0].input.PublicKeyConfig;
    expect(config?.Name).toMatch(/^GammaStateful-StreamSigningKeyResource-[0-9a-f]{8}$/);
    // The registered public key is the one of the stored private key.
    const derived = createPublicKey(createPrivateKey(pem?.SecretString ?? '')).export({ type: 'spki', format: 'pem' });
    expect(config?.EncodedKey).toBe(derived);
    expect(cloudfront.commandCalls(CreateKeyGroupCommand)[0]?.args[0].input.KeyGroupConfig?.Items).toEqual(['K1']);
    expect(responses).toEqual([
      {
        url: base.ResponseURL,
        body: {
          Status: 'SUCCESS',
          PhysicalResourceId: 'kg1',
          Data: { KeyGroupId: 'kg1', PublicKeyId: 'K1' },
          StackId: base.StackId,
          RequestId: 'req1',
          LogicalResourceId: base.LogicalResourceId,
        },
      },
    ]);
    expect(JSON.stringify(responses)).not.toContain('PRIVATE KEY');
  });

  it('keeps the key on update and answers with its ids again', async () => {
    cloudfront
      .on(GetKeyGroupCommand)
      .resolves({ KeyGroup: { Id: 'kg1', KeyGroupConfig: { Name: 'n', Items: ['K1'] } } as never });
    await handler(event({ RequestType: 'Update', PhysicalResourceId: 'kg1', OldResourceProperties: {} }));
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(responses[0]?.body).toMatchObject({ Status: 'SUCCESS', Data: { KeyGroupId: 'kg1', PublicKeyId: 'K1' } });
  });

  it('deletes the key group, then its public key, each with its ETag; a key already gone is fine', async () => {
    cloudfront
      .on(GetKeyGroupCommand)
      .resolves({ ETag: 'e1', KeyGroup: { Id: 'kg1', KeyGroupConfig: { Name: OWN, Items: ['K1', 'K2'] } } as never });
    cloudfront.on(GetPublicKeyCommand, { Id: 'K1' }).resolves(ownKey);
    cloudfront.on(GetPublicKeyCommand, { Id: 'K2' }).rejects(new NoSuchPublicKey({ message: 'gone', $metadata: {} }));
    await handler(event({ RequestType: 'Delete', PhysicalResourceId: 'kg1' }));
    expect(cloudfront.commandCalls(DeleteKeyGroupCommand)[0]?.args[0].input).toEqual({ Id: 'kg1', IfMatch: 'e1' });
    expect(cloudfront.commandCalls(DeletePublicKeyCommand).map((c) => c.args[0].input)).toEqual([
      { Id: 'K1', IfMatch: 'e2' },
    ]);
    expect(responses[0]?.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'kg1' });
  });

  it('leaves alone a key group, or a public key, it did not make (another stack, or one made by hand)', async () => {
    const foreign = (name: string, items: string[]) =>
      ({ ETag: 'e1', KeyGroup: { Id: 'kg9', KeyGroupConfig: { Name: name, Items: items } } }) as never;
    for (const name of ['production-signing', 'OtherStack-StreamSigningKeyResource-0a1b2c3d', `${OWN}x`]) {
      cloudfront.reset();
      responses.length = 0;
      cloudfront.on(GetKeyGroupCommand).resolves(foreign(name, ['K9']));
      await handler(event({ RequestType: 'Delete', PhysicalResourceId: 'kg9' }));
      expect(cloudfront.commandCalls(DeleteKeyGroupCommand), name).toHaveLength(0);
      expect(cloudfront.commandCalls(DeletePublicKeyCommand), name).toHaveLength(0);
      expect(responses[0]?.body).toMatchObject({ Status: 'SUCCESS' });
    }
    cloudfront.reset();
    cloudfront.on(GetKeyGroupCommand).resolves(foreign(OWN, ['K1', 'K9']));
    cloudfront.on(GetPublicKeyCommand, { Id: 'K1' }).resolves(ownKey);
    cloudfront
      .on(GetPublicKeyCommand, { Id: 'K9' })
      .resolves({ ETag: 'e9', PublicKey: { PublicKeyConfig: { Name: 'theirs' } } as never });
    await handler(event({ RequestType: 'Delete', PhysicalResourceId: 'kg9' }));
    expect(cloudfront.commandCalls(DeletePublicKeyCommand).map((c) => c.args[0].input.Id)).toEqual(['K1']);
  });

  it('answers FAILED with the reason when a call fails', async () => {
    secrets.on(PutSecretValueCommand).rejects(new Error('AccessDenied'));
    await handler(event({ RequestType: 'Create' }));
    expect(responses[0]?.body).toMatchObject({ Status: 'FAILED', Reason: 'AccessDenied', PhysicalResourceId: 'req1' });
    expect(cloudfront.commandCalls(CreatePublicKeyCommand)).toHaveLength(0);
  });
});
