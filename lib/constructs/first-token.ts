import { CustomResource, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { GammaFunction } from './gamma-function.js';

export interface FirstAccessTokenProps {
  /** Where access tokens (and environment records) are kept. */
  readonly tokensTable: dynamodb.ITable;
  /**
   * The environment the token acts in (made if the deployment has none of that id yet). Changing it makes a new
   * token and revokes the old one.
   * @default 'production'
   */
  readonly environmentId?: string;
}

/**
 * The deployment's first access token, made at deploy time by a custom resource (lambdas/handlers/first-token.ts):
 * every permission, its secret only in `secret`, never in the template or the stack's events. Whoever can read that
 * secret holds the deployment; `readCommand` is the one command that shows it, after which the secret can be deleted
 * (the token lives on until revoked). Deleting the stack revokes the token.
 */
export class FirstAccessToken extends Construct {
  readonly secret: secretsmanager.Secret;
  /** The id of the token (not a secret). */
  readonly tokenId: string;
  /** The `aws` CLI command that prints `{ token_id, token_secret, environment_id }`. */
  readonly readCommand: string;

  constructor(scope: Construct, id: string, props: FirstAccessTokenProps) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'Gamma: the first access token (id and secret), written by the deploy; read it once',
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'A token is rotated by minting another through the API and revoking this one, not by a rotation function',
    });
    const handler = new GammaFunction(this, 'Handler', {
      handler: 'first-token',
      components: ['firstToken'],
      environment: { TOKENS_TABLE: props.tokensTable.tableName, FIRST_TOKEN_SECRET: this.secret.secretArn },
      memorySize: 256,
      description: 'Deploy time: makes the first access token and writes its secret into Secrets Manager',
    });
    props.tokensTable.grantReadWriteData(handler);
    this.secret.grantWrite(handler);
    const resource = new CustomResource(this, 'Resource', {
      serviceToken: handler.functionArn,
      resourceType: 'Custom::FirstAccessToken',
      properties: { EnvironmentId: props.environmentId ?? 'production' },
    });
    this.tokenId = resource.getAttString('TokenId');
    this.readCommand = [
      'aws secretsmanager get-secret-value',
      `--region ${Stack.of(this).region}`,
      `--secret-id ${this.secret.secretArn}`,
      '--query SecretString --output text',
    ].join(' ');
  }
}
