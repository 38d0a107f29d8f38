/**
 * `gamma tokens …` and `gamma environments …`: access tokens and environments through the API
 * (`/system/v1/access-tokens`, `/system/v1/environments`), and the one way in before any token exists: `tokens
 * create --tokens-table <name>` writes the tokens table directly with the shell's AWS credentials.
 */
import { documentClient } from '../../lambdas/core/adapters/clients.js';
import { DynamoEnvironmentRepository, DynamoTokenRepository } from '../../lambdas/core/adapters/dynamo-tokens.js';
import { PERMISSIONS, type Permission } from '../../lambdas/core/domain/permissions.js';
import { ENVIRONMENT_ID } from '../../lambdas/core/usecases/environments.js';
import { createToken } from '../../lambdas/core/usecases/tokens.js';
import type { Api } from './api.js';
import type { CliConfig } from './config.js';

export interface AccessFlags {
  env?: string;
  name?: string;
  permissions?: string;
  'expires-in'?: string;
  'tokens-table'?: string;
}

type Out = (line: string) => void;

/** `--permissions video:read,system:write` → the list, each checked; default: everything the creator may grant. */
function permissionsOf(flag: string | undefined): Permission[] | undefined {
  if (flag === undefined) return undefined;
  const list = flag.split(',').map((p) => p.trim());
  const unknown = list.filter((p) => !(PERMISSIONS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`Unknown permission ${unknown.join(', ')}: use ${PERMISSIONS.join(', ')}`);
  return list as Permission[];
}

function printToken(token: { id: string; secret: string; environment_id?: string; permissions?: string[] }, out: Out) {
  out(`token id:     ${token.id}`);
  out(`token secret: ${token.secret}`);
  if (token.environment_id) out(`environment:  ${token.environment_id}`);
  if (token.permissions) out(`permissions:  ${token.permissions.join(' ')}`);
  out('(the secret is shown only now; Gamma stores its hash)');
}

export async function createAccessToken(flags: AccessFlags, config: CliConfig, api: Api, out: Out): Promise<number> {
  const permissions = permissionsOf(flags.permissions);
  const expiresIn = flags['expires-in'] === undefined ? undefined : Number(flags['expires-in']);
  if (expiresIn !== undefined && !Number.isInteger(expiresIn)) throw new Error('--expires-in must be whole seconds');
  if (flags['tokens-table']) return bootstrapToken(flags, config, permissions, expiresIn, out);
  // Through the API: the caller's token decides what the new one may be given.
  const { data: whoami } = await api.request('GET', '/system/v1/whoami');
  const { data } = await api.request('POST', '/system/v1/access-tokens', {
    permissions: permissions ?? whoami.permissions,
    ...(flags.name !== undefined && { name: flags.name }),
    ...(flags.env !== undefined && { environment_id: flags.env }),
    ...(expiresIn !== undefined && { expires_in: expiresIn }),
  });
  printToken(data, out);
  return 0;
}

/**
 * The first token of a deployment cannot come from the API (a token is needed to call it): written straight into the
 * tokens table with the shell's AWS credentials (or the emulator's, for the local platform).
 */
async function bootstrapToken(
  flags: AccessFlags,
  config: CliConfig,
  permissions: Permission[] | undefined,
  expiresIn: number | undefined,
  out: Out,
): Promise<number> {
  const table = flags['tokens-table'] as string;
  const env = flags.env ?? 'dev';
  if (!ENVIRONMENT_ID.test(env)) throw new Error('--env must be 1–64 letters, digits, _ or -');
  if (config.endpoint) Object.assign(process.env, emulatorEnv(config.endpoint));
  const doc = documentClient();
  const token = await createToken(
    env,
    flags.name,
    { tokens: new DynamoTokenRepository(doc, table), environments: new DynamoEnvironmentRepository(doc, table) },
    { ...(permissions && { permissions }), ...(expiresIn !== undefined && { expiresIn }) },
  );
  printToken({ ...token, environment_id: env, permissions: token.token.permissions }, out);
  return 0;
}

export async function listAccessTokens(flags: AccessFlags, api: Api, out: Out): Promise<number> {
  const query = flags.env === undefined ? '' : `?environment_id=${encodeURIComponent(flags.env)}`;
  const { data } = await api.request('GET', `/system/v1/access-tokens${query}`);
  out(['ID'.padEnd(26), 'CREATED'.padEnd(20), 'NAME'.padEnd(24), 'PERMISSIONS'].join(' '));
  for (const t of data) {
    const created = new Date(Number(t.created_at) * 1000).toISOString().slice(0, 19);
    out([t.id.padEnd(26), created.padEnd(20), (t.name ?? '-').padEnd(24), t.permissions.join(' ')].join(' '));
  }
  return 0;
}

export async function revokeAccessToken(id: string | undefined, api: Api, out: Out): Promise<number> {
  if (!id) throw new Error('tokens revoke needs a token id');
  await api.request('DELETE', `/system/v1/access-tokens/${encodeURIComponent(id)}`);
  out(`revoked ${id} (it stops working at once; its WebSocket connections were closed)`);
  return 0;
}

export async function listEnvironments(api: Api, out: Out): Promise<number> {
  const { data } = await api.request('GET', '/system/v1/environments');
  for (const e of data) out(`${e.id.padEnd(26)} ${e.name}`);
  return 0;
}

export async function createEnvironment(name: string | undefined, api: Api, out: Out): Promise<number> {
  if (!name) throw new Error('environments create needs a name');
  const { data } = await api.request('POST', '/system/v1/environments', { name });
  out(`environment ${data.id} ${data.name}`);
  return 0;
}

export async function renameEnvironment(id: string | undefined, name: string | undefined, api: Api, out: Out) {
  if (!id || !name) throw new Error('environments rename needs an id and a name');
  const { data } = await api.request('PATCH', `/system/v1/environments/${encodeURIComponent(id)}`, { name });
  out(`environment ${data.id} ${data.name}`);
  return 0;
}

/** Credentials for the local platform's emulator (the same as scripts/local/platform.ts uses). */
function emulatorEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    // MiniStack derives the account from a 12-digit access key: this one is the account the stack is deployed in.
    AWS_ACCESS_KEY_ID: '000000000000',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
