/**
 * `npm run reindex:search` against the platform's media table: an asset written before the search index (no entries,
 * as after upgrading from a layout without them) is not found, and is found by each of its values once the script has
 * run.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoMediaRepository } from '../../lambdas/core/adapters/dynamo-media.js';
import { emulator, mediaRepository } from '../support/aws.js';
import { GammaClient } from '../support/client.js';
import { needsPlatform } from '../support/target.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('npm run reindex:search', () => {
  const config = needsPlatform('writes an asset straight into the media table of the emulator the tests start');
  const dev = new GammaClient(config);
  const run = Date.now().toString(36);
  const externalId = `Legacy-${run}-External`;
  const table = config.resources.MediaTableName as string;

  it('gives an asset written before the index its entries, so a search finds it', async () => {
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient(emulator(config)), {
      marshallOptions: { removeUndefinedValues: true },
    });
    // The plain repository, without withSearchIndex: the asset item alone, as written before the index existed.
    await new DynamoMediaRepository(doc, table).createAsset({
      id: `legacy${run}`,
      env: 'dev',
      status: 'preparing',
      created_at: Math.floor(Date.now() / 1000),
      source: { bucket: 'ingest', key: `uploads/legacy-${run}` },
      playback_ids: [],
      meta: { title: `Harbour timelapse ${run}`, external_id: externalId },
      passthrough: `order-${run}`,
    });
    const ids = async (search: string) => {
      const { status, json } = await dev.request('GET', `/video/v1/assets?search=${encodeURIComponent(search)}`);
      expect(status).toBe(200);
      return (json.data as { id: string }[]).map((a) => a.id);
    };
    const searches = [externalId.toUpperCase(), `timelapse ${run}`, `order-${run}`, `legacy${run}`.slice(0, 10)];
    for (const search of searches) expect(await ids(search)).not.toContain(`legacy${run}`);

    const { stdout } = await promisify(execFile)(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['scripts/reindex-search.ts', '--table', table, '--endpoint', config.endpoint],
      { cwd: ROOT, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
    );
    expect(stdout).toMatch(new RegExp(`search entries written again for [1-9]\\d* assets of ${table}`));

    for (const search of searches) expect(await ids(search)).toContain(`legacy${run}`);
    // Job-less and `preparing`: left, the sweeper would re-dispatch it 15 minutes on (sweep.ts).
    await mediaRepository(config).deleteAsset(`legacy${run}`);
  });
});
