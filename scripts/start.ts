/**
 * `npm start`: the whole platform on this machine until Ctrl-C. Prints the URLs and a development access token,
 * and writes them to .gamma/local.json for the CLI, the dashboard and the Mux SDK examples.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_DIR, startPlatform } from './local/platform.js';

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const platform = await startPlatform({
  emulatorPort: port('GAMMA_EMULATOR_PORT', 4566),
  streamPort: port('GAMMA_STREAM_PORT', 4580),
  dashboardPort: port('GAMMA_DASHBOARD_PORT', 4590),
});
const { config } = platform;
const file = join(STATE_DIR, 'local.json');
writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);

console.log(`
Gamma is running.

  API          ${config.apiUrl}/video/v1/...
  WebSocket    ${config.websocketUrl}
  Playback     ${config.streamUrl}/{playbackId}.m3u8
  Dashboard    ${config.dashboardUrl || '(not built)'}
  Token        ${config.tokenId}:${config.tokenSecret}

  Try it:  curl -u ${config.tokenId}:${config.tokenSecret} -X POST ${config.apiUrl}/video/v1/uploads \\
             -H 'content-type: application/json' -d '{"new_asset_settings":{"playback_policies":["public"]}}'

  Written to ${file}. Logs in ${join(STATE_DIR, 'logs')}. Ctrl-C stops everything.
`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\n[gamma] stopping');
  await platform.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
