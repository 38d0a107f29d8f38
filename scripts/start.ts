/**
 * `npm start`: the whole platform on this machine until Ctrl-C. Prints the URLs and a development access token,
 * and writes them to .gamma/local.json for the CLI, the dashboard and the Mux SDK examples.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_DIR, startPlatform } from './local/platform.js';

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

// CI (.ci/run) sets all five, so its platform shares no port, config file or log with a developer's or the tests'.
const logDir = process.env.GAMMA_LOG_DIR ?? join(STATE_DIR, 'logs');
const platform = await startPlatform({
  emulatorPort: port('GAMMA_EMULATOR_PORT', 4566),
  streamPort: port('GAMMA_STREAM_PORT', 4580),
  dashboardPort: port('GAMMA_DASHBOARD_PORT', 4590),
  logDir,
});
const { config } = platform;
const file = process.env.GAMMA_CONFIG_FILE ?? join(STATE_DIR, 'local.json');
// Written whole, then renamed: whoever waits for the file (CI) never reads half of it.
writeFileSync(`${file}.tmp`, `${JSON.stringify(config, null, 2)}\n`);
renameSync(`${file}.tmp`, file);

console.log(`
Gamma is running.

  API          ${config.apiUrl}/video/v1/...
  WebSocket    ${config.websocketUrl}
  Playback     ${config.streamUrl}/{playbackId}.m3u8
  Dashboard    ${config.dashboardUrl || '(not built)'}
  Token        ${config.tokenId}:${config.tokenSecret}

  Try it:  curl -u ${config.tokenId}:${config.tokenSecret} -X POST ${config.apiUrl}/video/v1/uploads \\
             -H 'content-type: application/json' -d '{"new_asset_settings":{"playback_policies":["public"]}}'

  Written to ${file}. Logs in ${logDir}. Ctrl-C stops everything.
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
