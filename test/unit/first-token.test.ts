/**
 * The deploy-time custom resource that makes a deployment's first access token: the secret goes to Secrets Manager
 * only, CloudFormation hears the token id, and deleting the resource revokes the token.
 */
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { verifySecret } from '../../lambdas/core/auth.js';
import { PERMISSIONS } from '../../lambdas/core/domain/permissions.js';
import { createFirstTokenHandler, FIRST_TOKEN_NAME } from '../../lambdas/handlers/first-token.js';
import { InMemoryEnvironments, InMemoryTokens } from './access-fakes.js';

const secrets = mockClient(SecretsManagerClient);
let tokens: InMemoryTokens;
let environments: InMemoryEnvironments;
let responses: Record<string, unknown>[];

const handler = createFirstTokenHandler(() => ({
  tokens,
  environments,
  secrets: new SecretsManagerClient({}),
  secretArn: 'arn:first-token',
  respond: async (_url, body) => void responses.push(JSON.parse(body)),
}));

const base = {
  ServiceToken: 'arn:fn',
  ResponseURL: 'https://cfn-response.example/r',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/GammaPipeline/guid',
  RequestId: 'req1',
  LogicalResourceId: 'FirstTokenResource',
  ResourceType: 'Custom::FirstAccessToken',
  ResourceProperties: { ServiceToken: 'arn:fn', EnvironmentId: 'production' },
};
const event = (extra: object) => ({ ...base, ...extra }) as unknown as CloudFormationCustomResourceEvent;
const written = () => JSON.parse(String(secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString));

beforeEach(() => {
  secrets.reset();
  tokens = new InMemoryTokens();
  environments = new InMemoryEnvironments();
  responses = [];
});

describe('first access token resource', () => {
  it('makes a token with every permission, its secret only in the secret, and answers with the token id', async () => {
    await handler(event({ RequestType: 'Create' }));

    const secret = written();
    expect(secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretId).toBe('arn:first-token');
    const stored = tokens.tokens.get(secret.token_id);
    expect(stored).toMatchObject({ env: 'production', name: FIRST_TOKEN_NAME, permissions: [...PERMISSIONS] });
    expect(await verifySecret(secret.token_secret, String(stored?.secret_hash))).toBe(true);
    expect(secret.environment_id).toBe('production');
    expect(await environments.get('production')).toMatchObject({ id: 'production' });
    expect(responses).toEqual([
      {
        Status: 'SUCCESS',
        PhysicalResourceId: secret.token_id,
        Data: { TokenId: secret.token_id },
        StackId: base.StackId,
        RequestId: 'req1',
        LogicalResourceId: 'FirstTokenResource',
      },
    ]);
    expect(JSON.stringify(responses)).not.toContain(secret.token_secret);
  });

  it('revokes the token it made when the secret cannot be written, and reports the failure', async () => {
    secrets.on(PutSecretValueCommand).rejects(new Error('AccessDenied'));
    await handler(event({ RequestType: 'Create' }));
    expect(tokens.tokens.size).toBe(0);
    expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: 'AccessDenied', PhysicalResourceId: 'req1' });
  });

  it('keeps the token on an update, makes a new one when the environment changes, and revokes on delete', async () => {
    await handler(event({ RequestType: 'Create' }));
    const first = written().token_id;
    const old = { OldResourceProperties: base.ResourceProperties, PhysicalResourceId: first };
    await handler(event({ RequestType: 'Update', ...old }));
    expect(responses[1]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: first });
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(1);

    const staging = { ...base.ResourceProperties, EnvironmentId: 'staging' };
    await handler(event({ RequestType: 'Update', ...old, ResourceProperties: staging }));
    const second = JSON.parse(String(secrets.commandCalls(PutSecretValueCommand)[1]?.args[0].input.SecretString));
    expect(second).toMatchObject({ environment_id: 'staging' });
    expect(responses[2]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: second.token_id });

    // CloudFormation deletes the replaced resource with its old properties.
    await handler(event({ RequestType: 'Delete', PhysicalResourceId: first }));
    expect([...tokens.tokens.keys()]).toEqual([second.token_id]);
  });

  it('deletes without failing when the token was already revoked or never made', async () => {
    await handler(event({ RequestType: 'Delete', PhysicalResourceId: 'req0' }));
    expect(responses[0]).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'req0' });
  });
});
