/**
 * Finds the deployed stack the run talks to and gives the run its own environment: the stack's outputs come from
 * CloudFormation (`--stack-prefix`, AWS or an emulator at `--endpoint`) or from a file (`--config`, what `npm start`
 * writes), and a fresh access token is written into the stack's tokens table for an environment no one else uses.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoTokenRepository } from '../../lambdas/core/adapters/dynamo-tokens.js';
import { createToken } from '../../lambdas/core/usecases/tokens.js';
import { emulator } from '../../test/support/aws.js';
import type { Target } from '../../test/support/target.js';
import { awsOptions } from '../../test/support/target.js';
import type { LocalConfig } from '../local/platform.js';

/** The prefix every run's environment starts with: cleanup removes tokens of `<environment>*` only. */
export const RUN_ENVIRONMENT_PREFIX = 'deployed-run-';

export interface TargetFlags {
  stackPrefix?: string;
  region?: string;
  /** AWS_ENDPOINT_URL of an emulator that holds the stacks (LocalStack, MiniStack in Docker). */
  endpoint?: string;
  config?: string;
}

/** The stack's side of a target: everything but the token. */
export type Deployment = Omit<Target, 'tokenId' | 'tokenSecret' | 'environment'>;

const trim = (url: string) => url.replace(/\/+$/, '');

/** Reads a file written by `npm start` (or of the same shape): the platform on this machine. */
export function deploymentFromConfig(file: string): Deployment {
  const config = JSON.parse(readFileSync(file, 'utf8')) as LocalConfig;
  for (const key of ['apiUrl', 'websocketUrl', 'streamUrl', 'endpoint'] as const) {
    if (!config[key]) throw new Error(`${file} has no ${key}: is it the file npm start writes?`);
  }
  return {
    apiUrl: trim(config.apiUrl),
    websocketUrl: config.websocketUrl,
    streamUrl: trim(config.streamUrl),
    ...emulator(config),
    local: true,
    resources: config.resources,
  };
}

/** Reads the outputs of `<prefix>Pipeline` from CloudFormation. */
export async function deploymentFromStacks(flags: TargetFlags, env = process.env): Promise<Deployment> {
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('No region: pass --region or set AWS_REGION');
  const credentials =
    flags.endpoint && !env.AWS_ACCESS_KEY_ID ? { accessKeyId: 'test', secretAccessKey: 'test' } : undefined;
  const base = { region, ...(flags.endpoint && { endpoint: flags.endpoint }), ...(credentials && { credentials }) };
  const stackName = `${flags.stackPrefix ?? 'Gamma'}Pipeline`;
  const { Stacks = [] } = await new CloudFormationClient(base).send(
    new DescribeStacksCommand({ StackName: stackName }),
  );
  const outputs = Object.fromEntries(
    (Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
  ) as Record<string, string>;
  const need = (name: string) => {
    const value = outputs[name];
    if (!value) throw new Error(`Stack ${stackName} has no output ${name}: deploy it with npx cdk deploy --all`);
    return value;
  };
  return {
    apiUrl: trim(need('ApiUrl')),
    websocketUrl: need('WebSocketUrl'),
    streamUrl: trim(need('StreamUrl')),
    region,
    ...(flags.endpoint && { endpoint: flags.endpoint }),
    ...(credentials && { credentials }),
    local: false,
    resources: outputs,
  };
}

export function tokensTable(deployment: Pick<Deployment, 'resources'>): string {
  const table = deployment.resources.TokensTableName;
  if (!table) throw new Error('The deployment has no TokensTableName output');
  return table;
}

export function documentClientFor(deployment: Deployment) {
  return DynamoDBDocumentClient.from(new DynamoDBClient(awsOptions(deployment)));
}

/** Gives the run an environment of its own (`deployed-run-<time><random>`) and a token for it. */
export async function withRunToken(deployment: Deployment, now = Date.now()): Promise<Target> {
  const environment = `${RUN_ENVIRONMENT_PREFIX}${now.toString(36)}${randomBytes(3).toString('hex')}`;
  const token = await createToken(environment, 'npm run test:deployed (removed when the run ends)', {
    tokens: new DynamoTokenRepository(documentClientFor(deployment), tokensTable(deployment)),
  });
  return { ...deployment, environment, tokenId: token.id, tokenSecret: token.secret };
}
