/**
 * Deploy-time custom resource: the deployment's first access token, so nobody writes the tokens table by hand. On
 * create it makes a token with every permission in the environment `EnvironmentId` (recording the environment) and
 * puts `{ token_id, token_secret, environment_id }` in the Secrets Manager secret FIRST_TOKEN_SECRET; the template
 * and the stack's events only ever see the token id. An update that changes the environment makes a new token
 * (CloudFormation then deletes the old one); any other update keeps it. Delete revokes the token; one already
 * revoked by hand is fine.
 */
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { documentClient } from '../core/adapters/clients.js';
import {
  answeringCloudFormation,
  type CustomResourceOutcome,
  type Respond,
} from '../core/adapters/cloudformation-response.js';
import { DynamoEnvironmentRepository, DynamoTokenRepository } from '../core/adapters/dynamo-tokens.js';
import { NotFoundError } from '../core/domain/errors.js';
import { envFor } from '../core/env.js';
import type { EnvironmentRepository, TokenRepository } from '../core/ports.js';
import { createToken } from '../core/usecases/tokens.js';

export const FIRST_TOKEN_NAME = 'first token (made by the deploy)';

export interface FirstTokenDeps {
  tokens: TokenRepository;
  environments: EnvironmentRepository;
  secrets: SecretsManagerClient;
  secretArn: string;
  /** Sends the response to CloudFormation. @default a PUT to event.ResponseURL */
  respond?: Respond;
}

export const createFirstTokenHandler = (deps: () => FirstTokenDeps) =>
  answeringCloudFormation('First access token', handle, deps);

const environmentOf = (properties: Record<string, unknown> | undefined) => String(properties?.EnvironmentId ?? '');

async function handle(event: CloudFormationCustomResourceEvent, deps: FirstTokenDeps): Promise<CustomResourceOutcome> {
  switch (event.RequestType) {
    case 'Create':
      return create(environmentOf(event.ResourceProperties), deps);
    case 'Update': {
      const env = environmentOf(event.ResourceProperties);
      if (env !== environmentOf(event.OldResourceProperties)) return create(env, deps);
      return { physicalId: event.PhysicalResourceId, data: { TokenId: event.PhysicalResourceId } };
    }
    case 'Delete':
      await revoke(environmentOf(event.ResourceProperties), event.PhysicalResourceId, deps);
      return { physicalId: event.PhysicalResourceId };
  }
}

async function create(env: string, deps: FirstTokenDeps): Promise<CustomResourceOutcome> {
  if (!env) throw new Error('EnvironmentId is required');
  const { id, secret } = await createToken(env, FIRST_TOKEN_NAME, deps);
  try {
    await deps.secrets.send(
      new PutSecretValueCommand({
        SecretId: deps.secretArn,
        SecretString: JSON.stringify({ token_id: id, token_secret: secret, environment_id: env }),
      }),
    );
  } catch (err) {
    // A token whose secret nobody can read is of no use: revoke it rather than leave it behind.
    await revoke(env, id, deps);
    throw err;
  }
  return { physicalId: id, data: { TokenId: id } };
}

/** Revokes the token; gone already (revoked by hand, or a create that failed and named no token) is fine. */
async function revoke(env: string, id: string, deps: FirstTokenDeps): Promise<void> {
  try {
    await deps.tokens.delete(env, id);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}

export const handler = createFirstTokenHandler(() => {
  const env = envFor('firstToken');
  const doc = documentClient();
  return {
    tokens: new DynamoTokenRepository(doc, env.TOKENS_TABLE),
    environments: new DynamoEnvironmentRepository(doc, env.TOKENS_TABLE),
    secrets: new SecretsManagerClient({}),
    secretArn: env.FIRST_TOKEN_SECRET,
  };
});
