/**
 * Deploy-time custom resource: the key pair the stream distribution trusts for signed URLs. On create it generates
 * an RSA-2048 key pair, puts the private key in the Secrets Manager secret (PLAYBACK_KEY_SECRET) and registers the
 * public key in a CloudFront key group; the template only ever holds the ids (`KeyGroupId`, `PublicKeyId`), never
 * a key. Updates keep the key; delete removes the key group and the public key (the distribution, which depends on
 * this resource, is gone by then), but only ones this resource made, by their names: IAM cannot scope CloudFront
 * key actions to resources, so the handler is what keeps a forged or stale physical id from deleting another key. It answers CloudFormation itself (adapters/cloudformation-response.ts).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  CloudFrontClient,
  CreateKeyGroupCommand,
  CreatePublicKeyCommand,
  DeleteKeyGroupCommand,
  DeletePublicKeyCommand,
  GetKeyGroupCommand,
  GetPublicKeyCommand,
} from '@aws-sdk/client-cloudfront';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  answeringCloudFormation,
  type CustomResourceOutcome,
  type Respond,
} from '../core/adapters/cloudformation-response.js';
import { envFor } from '../core/env.js';
import { logger } from '../core/logger.js';

export interface PlaybackKeyDeps {
  cloudfront: CloudFrontClient;
  secrets: SecretsManagerClient;
  secretArn: string;
  /** Sends the response to CloudFormation. @default a PUT to event.ResponseURL */
  respond?: Respond;
}

export const createPlaybackKeyHandler = (deps: () => PlaybackKeyDeps) =>
  answeringCloudFormation('Playback key', handle, deps);

async function handle(event: CloudFormationCustomResourceEvent, deps: PlaybackKeyDeps): Promise<CustomResourceOutcome> {
  switch (event.RequestType) {
    case 'Create':
      return create(event.StackId, event.LogicalResourceId, deps);
    case 'Update': {
      const group = await deps.cloudfront.send(new GetKeyGroupCommand({ Id: event.PhysicalResourceId }));
      const publicKeyId = group.KeyGroup?.KeyGroupConfig?.Items?.[0];
      if (!publicKeyId) throw new Error(`Key group ${event.PhysicalResourceId} has no public key`);
      return {
        physicalId: event.PhysicalResourceId,
        data: { KeyGroupId: event.PhysicalResourceId, PublicKeyId: publicKeyId },
      };
    }
    case 'Delete':
      await remove(event.PhysicalResourceId, ownName(event.StackId, event.LogicalResourceId), deps);
      return { physicalId: event.PhysicalResourceId };
  }
}

async function create(stackId: string, logicalId: string, deps: PlaybackKeyDeps): Promise<CustomResourceOutcome> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await deps.secrets.send(new PutSecretValueCommand({ SecretId: deps.secretArn, SecretString: privateKey }));
  const name = ownName(stackId, logicalId).make(randomBytes(4).toString('hex'));
  const key = await deps.cloudfront.send(
    new CreatePublicKeyCommand({
      PublicKeyConfig: { CallerReference: name, Name: name, EncodedKey: publicKey, Comment: 'Gamma playback' },
    }),
  );
  const publicKeyId = key.PublicKey?.Id;
  if (!publicKeyId) throw new Error('CreatePublicKey returned no id');
  const group = await deps.cloudfront.send(
    new CreateKeyGroupCommand({ KeyGroupConfig: { Name: name, Items: [publicKeyId], Comment: 'Gamma playback' } }),
  );
  const keyGroupId = group.KeyGroup?.Id;
  if (!keyGroupId) throw new Error('CreateKeyGroup returned no id');
  logger.info('Playback signing key created', { keyGroupId, publicKeyId });
  return { physicalId: keyGroupId, data: { KeyGroupId: keyGroupId, PublicKeyId: publicKeyId } };
}

/**
 * The names this resource gives its key group and public key, unique per account: the stack's name, the resource's
 * logical id and a random suffix (8 hex digits), at most 128 characters.
 */
function ownName(stackId: string, logicalId: string) {
  const prefix = `${stackId.split('/')[1] ?? 'gamma'}-${logicalId}-`;
  const make = (suffix: string) => `${prefix}${suffix}`.slice(-128);
  return {
    make,
    owns: (name: string | undefined) => !!name && /-[0-9a-f]{8}$/.test(name) && make(name.slice(-8)) === name,
  };
}

/**
 * Deletes the key group, then its public keys; either being gone already is fine. A group or key with a name this
 * resource did not give is left alone (and logged): the delete still succeeds, so the stack can go.
 */
async function remove(keyGroupId: string, names: ReturnType<typeof ownName>, deps: PlaybackKeyDeps): Promise<void> {
  const group = await ignoreMissing(deps.cloudfront.send(new GetKeyGroupCommand({ Id: keyGroupId })));
  if (!group) return;
  if (!names.owns(group.KeyGroup?.KeyGroupConfig?.Name)) {
    logger.warn('Not deleting a key group this resource did not make', { keyGroupId });
    return;
  }
  await ignoreMissing(deps.cloudfront.send(new DeleteKeyGroupCommand({ Id: keyGroupId, IfMatch: group.ETag })));
  for (const publicKeyId of group.KeyGroup?.KeyGroupConfig?.Items ?? []) {
    const key = await ignoreMissing(deps.cloudfront.send(new GetPublicKeyCommand({ Id: publicKeyId })));
    if (!key) continue;
    if (!names.owns(key.PublicKey?.PublicKeyConfig?.Name)) {
      logger.warn('Not deleting a public key this resource did not make', { publicKeyId });
      continue;
    }
    await ignoreMissing(deps.cloudfront.send(new DeletePublicKeyCommand({ Id: publicKeyId, IfMatch: key.ETag })));
  }
}

async function ignoreMissing<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (err) {
    if (/^NoSuch/.test((err as Error).name)) return undefined;
    throw err;
  }
}

export const handler = createPlaybackKeyHandler(() => {
  const env = envFor('playbackKey');
  return {
    cloudfront: new CloudFrontClient({}),
    secrets: new SecretsManagerClient({}),
    secretArn: env.PLAYBACK_KEY_SECRET,
  };
});
