/**
 * The playback function's CloudFront signing key: the private key the deploy-time custom resource generated and
 * keeps in Secrets Manager (handlers/playback-key.ts), its key pair id, and the stream's public URL (an SSM
 * parameter, since the distribution is created after the function it routes to). Loaded once per container.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { getSignedCookies } from '@aws-sdk/cloudfront-signer';
import { cdnPolicy, type SignatureCheck, verifyCdnSignature } from '../domain/cdn-signature.js';
import { assetOutputPrefix } from '../domain/layout.js';
import { MASTER_FILE } from '../domain/master.js';
import { assetResource } from '../domain/playback.js';
import { optional } from '../env.js';
import type { MasterUrlSigner } from '../usecases/master-urls.js';
import type { AssetUrlSigner } from '../usecases/playback.js';

export interface CdnKey {
  /** Where viewers reach the distribution, without a trailing slash: what the signatures' resources name. */
  streamUrl: string;
  keyPairId: string;
  /** PEM. */
  privateKey: string;
}

export class CdnAssetSigner implements AssetUrlSigner {
  private publicKey?: KeyObject;

  constructor(private readonly key: () => Promise<CdnKey>) {}

  /** `Policy=…&Signature=…&Key-Pair-Id=…&Hash-Algorithm=SHA256`: the signed-cookie values are the query's values. */
  async sign(assetId: string, files: string, expiresAt: number): Promise<string> {
    const key = await this.key();
    const signed = getSignedCookies({
      policy: cdnPolicy(assetResource(key.streamUrl, assetId, files), expiresAt),
      keyPairId: key.keyPairId,
      privateKey: key.privateKey,
      algorithm: 'SHA256',
    });
    return new URLSearchParams({
      Policy: signed['CloudFront-Policy'] ?? '',
      Signature: signed['CloudFront-Signature'],
      'Key-Pair-Id': signed['CloudFront-Key-Pair-Id'],
      'Hash-Algorithm': 'SHA256',
    }).toString();
  }

  /** A whole signed URL of one of an asset's files, e.g. its master MP4: `{streamUrl}/assets/<id>/<file>?…`. */
  async url(assetId: string, file: string, expiresAt: number): Promise<string> {
    const { streamUrl } = await this.key();
    return `${streamUrl}/${assetOutputPrefix(assetId)}/${file}?${await this.sign(assetId, file, expiresAt)}`;
  }

  async verify(path: string, rawQuery: string, nowSeconds?: number): Promise<SignatureCheck> {
    const key = await this.key();
    this.publicKey ??= createPublicKey(key.privateKey);
    const publicKey = this.publicKey;
    const url = new URL(`${key.streamUrl}${path}${rawQuery ? `?${rawQuery}` : ''}`);
    return verifyCdnSignature(url, (id) => (id === key.keyPairId ? publicKey : undefined), nowSeconds);
  }
}

/** Reads the key from Secrets Manager and the stream URL from SSM on first use; a failed read is retried next time. */
export function cdnKeyFromAws(deps: {
  secrets: SecretsManagerClient;
  ssm: SSMClient;
  secretArn: string;
  streamUrlParameter: string;
  keyPairId: string;
}): () => Promise<CdnKey> {
  let loading: Promise<CdnKey> | undefined;
  const load = async (): Promise<CdnKey> => {
    const [secret, parameter] = await Promise.all([
      deps.secrets.send(new GetSecretValueCommand({ SecretId: deps.secretArn })),
      deps.ssm.send(new GetParameterCommand({ Name: deps.streamUrlParameter })),
    ]);
    const pem = secret.SecretString;
    const streamUrl = parameter.Parameter?.Value;
    if (!pem?.includes('PRIVATE KEY')) throw new Error(`Secret ${deps.secretArn} holds no private key`);
    if (!streamUrl) throw new Error(`Parameter ${deps.streamUrlParameter} is empty`);
    return { streamUrl: streamUrl.replace(/\/+$/, ''), keyPairId: deps.keyPairId, privateKey: pem };
  };
  return () => {
    loading ??= load().catch((err) => {
      loading = undefined;
      throw err;
    });
    return loading;
  };
}

/**
 * Signs master URLs (usecases/master-urls.ts) with the stream's key, read on first use, for a function given the
 * key's variables (`Stream.grantSignUrls`); undefined without them (then a ready master is shown without a URL).
 */
export function masterUrlSignerFromEnv(env: NodeJS.ProcessEnv): MasterUrlSigner | undefined {
  const secretArn = optional('PLAYBACK_KEY_SECRET', env);
  const keyPairId = optional('PLAYBACK_KEY_PAIR_ID', env);
  const streamUrlParameter = optional('STREAM_URL_PARAMETER', env);
  if (!secretArn || !keyPairId || !streamUrlParameter) return undefined;
  const key = cdnKeyFromAws({
    secrets: new SecretsManagerClient({}),
    ssm: new SSMClient({}),
    secretArn,
    streamUrlParameter,
    keyPairId,
  });
  const signer = new CdnAssetSigner(key);
  return (assetId, expiresAt) => signer.url(assetId, MASTER_FILE, expiresAt);
}
