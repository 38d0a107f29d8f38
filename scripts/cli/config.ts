/**
 * Where the CLI finds the platform: flags first, then GAMMA_* (or the Mux SDK's MUX_TOKEN_*) variables, then the
 * local platform's `.gamma/local.json` (written by `npm start`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CliConfig {
  apiUrl: string;
  tokenId?: string;
  tokenSecret?: string;
  streamUrl?: string;
  /** AWS endpoint override (the emulator) for commands that write tables directly. */
  endpoint?: string;
  /** The tokens table, for `tokens create`. */
  tokensTable?: string;
}

export interface ConfigFlags {
  'api-url'?: string;
  'token-id'?: string;
  'token-secret'?: string;
  'stream-url'?: string;
  'tokens-table'?: string;
  config?: string;
}

export const DEFAULT_CONFIG_FILE = join(import.meta.dirname, '..', '..', '.gamma', 'local.json');

export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): CliConfig {
  const file = flags.config ?? DEFAULT_CONFIG_FILE;
  // A deployed stack is named with --api-url; only then is the local file not consulted.
  const explicitApi = flags['api-url'] ?? env.GAMMA_API_URL;
  const local = !explicitApi && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const apiUrl = explicitApi ?? local.apiUrl;
  if (!apiUrl) {
    throw new Error(`No platform to talk to: start one with  npm start  (writes ${file}), or pass --api-url <ApiUrl>`);
  }
  const pick = (...values: (string | undefined)[]) => values.find((v) => v !== undefined && v !== '');
  return {
    apiUrl: apiUrl.replace(/\/+$/, ''),
    tokenId: pick(flags['token-id'], env.GAMMA_TOKEN_ID, env.MUX_TOKEN_ID, local.tokenId),
    tokenSecret: pick(flags['token-secret'], env.GAMMA_TOKEN_SECRET, env.MUX_TOKEN_SECRET, local.tokenSecret),
    streamUrl: pick(flags['stream-url'], env.GAMMA_STREAM_URL, local.streamUrl),
    endpoint: local.endpoint,
    tokensTable: pick(flags['tokens-table'], env.GAMMA_TOKENS_TABLE, local.resources?.TokensTableName),
  };
}
