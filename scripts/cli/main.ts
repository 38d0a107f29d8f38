/**
 * `npx gamma <command>`: the command-line client of a Gamma platform — the local one by default (.gamma/local.json,
 * written by `npm start`), a deployed stack with --api-url (and --token-id/--token-secret).
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  createAccessToken,
  createEnvironment,
  listAccessTokens,
  listEnvironments,
  renameEnvironment,
  revokeAccessToken,
} from './access.js';
import { Api } from './api.js';
import { type CliConfig, type ConfigFlags, resolveConfig } from './config.js';
import { MULTIPART_THRESHOLD, progressBar, putFile, putFileMultipart } from './put-file.js';

const USAGE = `Usage: gamma <command> [options]

  upload <file>            upload a video, wait until it is ready, print its playback URL
      --policy public|signed   (default public)   --passthrough <text>   --no-wait
      --multipart (files over 64 MiB always are)   --part-size <MiB> (default: the API's choice)
  assets list              the newest assets       --limit <n> (default 25)
  assets delete <id>       delete an asset and all of its files
  tokens list              the environment's access tokens    --env <id> (another one: organization:read)
  tokens create            create an access token; prints its secret once
      --permissions video:read,video:write,system:read,system:write,organization:read,organization:write
        (default: those of the token you call with)   --name <text>   --env <id>   --expires-in <seconds>
      --tokens-table <name>  the first token of a deployment: writes the table with your AWS credentials
        (--env <name>, default dev; every permission unless --permissions)
  tokens revoke <id>       revoke a token: it stops at once and its WebSocket connections close
  environments list        the environments your token may see
  environments create <name>          environments rename <id> <name>   (organization:write)
  webhooks add <url>       register a webhook endpoint; prints its signing secret
  webhooks list            the registered endpoints

Where the platform is (default: the local one, from .gamma/local.json):
  --api-url <url>  --token-id <id>  --token-secret <secret>  --stream-url <url>  --config <file>
  or GAMMA_API_URL, GAMMA_TOKEN_ID / GAMMA_TOKEN_SECRET (MUX_TOKEN_ID / MUX_TOKEN_SECRET), GAMMA_STREAM_URL`;

const OPTIONS = {
  'api-url': { type: 'string' },
  'token-id': { type: 'string' },
  'token-secret': { type: 'string' },
  'stream-url': { type: 'string' },
  'tokens-table': { type: 'string' },
  config: { type: 'string' },
  policy: { type: 'string', default: 'public' },
  passthrough: { type: 'string' },
  'no-wait': { type: 'boolean', default: false },
  multipart: { type: 'boolean', default: false },
  'part-size': { type: 'string' },
  limit: { type: 'string', default: '25' },
  env: { type: 'string' },
  name: { type: 'string' },
  permissions: { type: 'string' },
  'expires-in': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Values = ReturnType<typeof parse>['values'];
const parse = (argv: string[]) => parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, sub, arg, arg2] = positionals;
  if (values.help || !command) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  try {
    const config = resolveConfig(values as ConfigFlags);
    const api = new Api(config);
    switch (`${command} ${command === 'upload' ? '' : (sub ?? '')}`.trim()) {
      case 'upload':
        return await upload(sub, values, config, api, out);
      case 'assets list':
        return await listAssets(values, api, out);
      case 'assets delete':
        return await deleteAsset(arg, api, out);
      case 'tokens create':
        return await createAccessToken(values, config, api, out);
      case 'tokens list':
        return await listAccessTokens(values, api, out);
      case 'tokens revoke':
        return await revokeAccessToken(arg, api, out);
      case 'environments list':
        return await listEnvironments(api, out);
      case 'environments create':
        return await createEnvironment(arg, api, out);
      case 'environments rename':
        return await renameEnvironment(arg, arg2, api, out);
      case 'webhooks add':
        return await addWebhook(arg, api, out);
      case 'webhooks list':
        return await listWebhooks(api, out);
      default:
        console.error(`Unknown command: ${positionals.join(' ')}\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    console.error(`gamma: ${(err as Error).message}`);
    return 1;
  }
}

async function upload(file: string | undefined, values: Values, config: CliConfig, api: Api, out: (l: string) => void) {
  if (!file) throw new Error('upload needs a file: gamma upload <file>');
  if (values.policy !== 'public' && values.policy !== 'signed') throw new Error('--policy must be public or signed');
  const { data: created } = await api.request('POST', '/video/v1/uploads', {
    cors_origin: '*',
    new_asset_settings: {
      playback_policies: [values.policy],
      ...(values.passthrough !== undefined && { passthrough: values.passthrough }),
    },
  });
  const tty = process.stderr.isTTY;
  let lastPercent = -1;
  const onProgress = (sent: number, total: number) => {
    const percent = Math.floor((sent / total) * 100);
    if (percent === lastPercent) return;
    lastPercent = percent;
    if (tty) process.stderr.write(`\r${progressBar(sent, total)}`);
    else if (percent % 25 === 0) process.stderr.write(`${progressBar(sent, total)}\n`);
  };
  const partSize = values['part-size'] === undefined ? undefined : Number(values['part-size']) * 1_048_576;
  if (partSize !== undefined && !Number.isInteger(partSize)) throw new Error('--part-size must be a number of MiB');
  if (values.multipart || partSize !== undefined || statSync(file).size > MULTIPART_THRESHOLD) {
    await putFileMultipart(api, created.id, file, onProgress, {
      partSize,
      onStart: ({ part_count, part_size, uploaded_parts }) =>
        process.stderr.write(
          `sending ${part_count} parts of ${(part_size / 1_048_576).toFixed(0)} MiB` +
            (uploaded_parts.length ? ` (${uploaded_parts.length} already stored)\n` : '\n'),
        ),
    });
  } else {
    await putFile(created.url, file, onProgress);
  }
  if (tty) process.stderr.write('\n');
  out(`upload ${created.id}`);
  if (values['no-wait']) return 0;

  process.stderr.write('processing…\n');
  const assetId = await poll(async () => (await api.request('GET', `/video/v1/uploads/${created.id}`)).data.asset_id);
  const asset = await poll(async () => {
    const { data } = await api.request('GET', `/video/v1/assets/${assetId}`);
    return data.status === 'preparing' ? undefined : data;
  });
  out(`asset ${asset.id} ${asset.status}`);
  if (asset.status !== 'ready') {
    console.error(`gamma: ${asset.errors?.messages?.join('; ') ?? 'the asset did not become ready'}`);
    return 1;
  }
  const playbackId = asset.playback_ids?.[0]?.id;
  const base = config.streamUrl ?? '<stream url>';
  out(`${base}/${playbackId}.m3u8${values.policy === 'signed' ? '?token=<a JWT signed with your signing key>' : ''}`);
  return 0;
}

async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs = 30 * 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('Timed out waiting');
}

async function listAssets(values: Values, api: Api, out: (l: string) => void) {
  const { data } = await api.request('GET', `/video/v1/assets?limit=${encodeURIComponent(values.limit)}`);
  out(['ID'.padEnd(26), 'STATUS'.padEnd(10), 'DURATION'.padEnd(9), 'CREATED'.padEnd(20), 'PLAYBACK ID'].join(' '));
  for (const a of data) {
    out(
      [
        a.id.padEnd(26),
        a.status.padEnd(10),
        (a.duration === undefined ? '-' : `${a.duration.toFixed(1)}s`).padEnd(9),
        new Date(Number(a.created_at) * 1000).toISOString().slice(0, 19).padEnd(20),
        a.playback_ids?.[0]?.id ?? '-',
      ].join(' '),
    );
  }
  return 0;
}

async function deleteAsset(id: string | undefined, api: Api, out: (l: string) => void) {
  if (!id) throw new Error('assets delete needs an asset id');
  await api.request('DELETE', `/video/v1/assets/${encodeURIComponent(id)}`);
  out(`deleted ${id}`);
  return 0;
}

async function addWebhook(url: string | undefined, api: Api, out: (l: string) => void) {
  if (!url) throw new Error('webhooks add needs a URL');
  const { data } = await api.request('POST', '/system/v1/webhooks', { address: url });
  out(`webhook endpoint ${data.id} → ${data.address}`);
  out(`signing secret: ${data.signing_secret}`);
  out('(verify deliveries with it, e.g. mux.webhooks.unwrap(body, headers, secret); it is shown only now)');
  return 0;
}

async function listWebhooks(api: Api, out: (l: string) => void) {
  const { data } = await api.request('GET', '/system/v1/webhooks');
  for (const e of data) out(`${e.id}  ${e.address}${e.enabled ? '' : '  (disabled)'}`);
  return 0;
}
