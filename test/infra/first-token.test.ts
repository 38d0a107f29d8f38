/**
 * On AWS the first access token comes from the deploy: a custom resource makes it, only Secrets Manager holds its
 * secret, and an output is the command that reads it. (Locally, where `npm start` makes its own token, the pipeline
 * stack leaves it out, as it does the dashboard: not synthesized here, a local synth bundles for minutes.)
 */
import { describe, expect, it } from 'vitest';
import { policiesOfRole, resources, synthGamma } from './app.js';

describe('first access token', () => {
  const { pipeline$ } = synthGamma();
  const [[resourceId, resource] = []] = resources(pipeline$, 'Custom::FirstAccessToken');
  const [[handlerId, handler] = []] = resources(pipeline$, 'AWS::Lambda::Function').filter(
    ([, f]) => f.Metadata?.['gamma:handler'] === 'first-token',
  );
  const [[secretId] = []] = resources(pipeline$, 'AWS::SecretsManager::Secret');

  it('is made by its handler, in the production environment, with the secret written to Secrets Manager', () => {
    expect(resourceId).toBeDefined();
    expect(resource?.Properties).toMatchObject({
      ServiceToken: { 'Fn::GetAtt': [handlerId, 'Arn'] },
      EnvironmentId: 'production',
    });
    expect(handler?.Properties.Environment.Variables.FIRST_TOKEN_SECRET).toEqual({ Ref: secretId });
    expect(handler?.Properties.Environment.Variables.TOKENS_TABLE).toBeDefined();
  });

  it('lets its handler write only that secret and the tokens table', () => {
    const role = String(handler?.Properties?.Role?.['Fn::GetAtt']?.[0]);
    const allowed = policiesOfRole(pipeline$, role);
    const secretWrite = allowed.find((s) => s.actions.includes('secretsmanager:PutSecretValue'));
    expect(secretWrite?.resources).toEqual([{ Ref: secretId }]);
    const tableWrite = allowed.find((s) => s.actions.includes('dynamodb:PutItem'));
    expect(JSON.stringify(tableWrite?.resources)).toMatch(/TokensTable/);
    expect(allowed.flatMap((s) => s.actions)).not.toContain('secretsmanager:GetSecretValue');
  });

  it('outputs the one command that reads the token', () => {
    const output = pipeline$.findOutputs('FirstTokenCommand').FirstTokenCommand;
    expect(output?.Value).toEqual({
      'Fn::Join': [
        '',
        [
          'aws secretsmanager get-secret-value --region ',
          { Ref: 'AWS::Region' },
          ' --secret-id ',
          { Ref: secretId },
          ' --query SecretString --output text',
        ],
      ],
    });
  });
});
