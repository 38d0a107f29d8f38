/**
 * The emulator restarts in the middle of a run: its own platform (so the shared one other tests use is left
 * alone), started with MiniStack's state persistence — a MiniStack restart without it loses the deployed stack
 * and everything in it, which no AWS outage does. While two transcodes run and a third upload has just been PUT,
 * MiniStack is stopped (its Lambda processes with it), left down for longer than the SDK's retries, and started
 * again. Every upload must still end `ready` exactly once, no transcoder task may be left running, and a master
 * playlist served for an asset the API calls `ready` must always be its final one, never a partial ladder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECSClient } from '@aws-sdk/client-ecs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, STATE_DIR, startPlatform } from '../../scripts/local/platform.js';
import { emulator, tasksOfAsset } from '../support/aws.js';
import { GammaClient, makeClip } from '../support/client.js';
import { needsPlatform } from '../support/target.js';

needsPlatform('starts a platform of its own and restarts its emulator mid-run');
const dir = mkdtempSync(join(tmpdir(), 'gamma-restart-'));
const DOWN_MS = 8_000;

interface Observation {
  at: number;
  assetId: string;
  status?: string;
  /** The master playlist's HTTP status and body, fetched right after the status. */
  master?: { status: number; body: string };
  error?: string;
}

describe('emulator restart mid-run', () => {
  let platform: Platform;
  let client: GammaClient;

  beforeAll(async () => {
    platform = await startPlatform({
      logDir: join(STATE_DIR, 'test-logs', `restart-${process.pid}`),
      persistState: true,
      log: (line) => process.stderr.write(`[restart] ${line}\n`),
    });
    client = new GammaClient(platform.config);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  it('uploads in flight end ready once, tasks are retried or finish, and no partial master is served as ready', async () => {
    const ecs = new ECSClient(emulator(platform.config));
    const clips = await Promise.all(
      [1, 2, 3].map((n) => makeClip(join(dir, `clip${n}.mp4`), { width: 854, height: 480, seconds: 16 })),
    );
    const uploads = await Promise.all(clips.map(() => client.createUpload()));
    const [first, second, third] = uploads;
    if (!first || !second || !third) throw new Error('three uploads expected');
    expect(await client.put(first.url, clips[0] as string)).toBe(200);
    expect(await client.put(second.url, clips[1] as string)).toBe(200);
    const firstAsset = await client.assetOfUpload(first.id);
    const secondAsset = await client.assetOfUpload(second.id);
    await client.until(
      'a transcoder task to be running',
      async () => (await tasksOfAsset(ecs, platform.config, firstAsset)).map((t) => t.lastStatus),
      (statuses) => statuses.includes('RUNNING'),
    );

    // Watch the two assets' status and master playlist through the restart.
    const observations: Observation[] = [];
    let watching = true;
    const watch = async (assetId: string) => {
      while (watching) {
        const seen: Observation = { at: Date.now(), assetId };
        try {
          const asset = (await client.request('GET', `/video/v1/assets/${assetId}`)).json?.data;
          seen.status = asset?.status;
          const playbackId = asset?.playback_ids?.[0]?.id;
          if (playbackId) {
            const res = await fetch(`${platform.config.streamUrl}/${playbackId}.m3u8`);
            seen.master = { status: res.status, body: await res.text() };
          }
        } catch (err) {
          seen.error = (err as Error).message;
        }
        observations.push(seen);
        await new Promise((r) => setTimeout(r, 300));
      }
    };
    const watchers = [firstAsset, secondAsset].map(watch);

    // The third upload is PUT just before the emulator goes down: its S3 event and ingest are in flight.
    expect(await client.put(third.url, clips[2] as string)).toBe(200);
    const restartedAt = Date.now();
    await platform.restartEmulator(DOWN_MS);
    const thirdAsset = await client.assetOfUpload(third.id);
    watchers.push(watch(thirdAsset));

    const assetIds = [firstAsset, secondAsset, thirdAsset];
    const settled = await Promise.all(
      assetIds.map((id) =>
        client.until(
          `asset ${id} to settle after the restart`,
          async () => (await client.request('GET', `/video/v1/assets/${id}`)).json?.data,
          (a) => a?.status === 'ready' || a?.status === 'errored',
          240_000,
        ),
      ),
    );
    watching = false;
    await Promise.all(watchers);
    expect(
      settled.map((a) => a.status),
      JSON.stringify(settled.map((a) => a.errors)),
    ).toEqual(['ready', 'ready', 'ready']);

    // None duplicated: each upload names one asset, and the list holds each asset once.
    const listed = (await client.request('GET', '/video/v1/assets?limit=100')).json.data as {
      id: string;
      upload_id?: string;
    }[];
    for (const [i, upload] of uploads.entries()) {
      const ofUpload = listed.filter((a) => a.upload_id === upload.id);
      expect(ofUpload.map((a) => a.id)).toEqual([assetIds[i]]);
    }

    // Nothing stuck: every asset has a task that exited 0 and none is still running. A task the emulator held across
    // the restart comes back STOPPED, so the agent runs it no longer (it kills a running one, as its container would
    // have gone with the emulator, and reports a queued one as never started): a later task retried it.
    const tasks = await Promise.all(assetIds.map((id) => tasksOfAsset(ecs, platform.config, id)));
    for (const [i, ofAsset] of tasks.entries()) {
      expect(ofAsset.length, `tasks of ${assetIds[i]}`).toBeGreaterThan(0);
      expect(ofAsset.every((t) => t.lastStatus === 'STOPPED')).toBe(true);
      // A task lost in the restart is reported stopped with no exit code; the one that made the asset ready exited 0.
      expect(ofAsset.some((t) => t.containers?.[0]?.exitCode === 0)).toBe(true);
    }
    const runningAtRestart = tasks[0]?.filter((t) => (t.createdAt?.getTime() ?? 0) < restartedAt) ?? [];
    expect(runningAtRestart.length).toBeGreaterThan(0);

    // A master served while the API said ready is the final one, byte for byte: every rendition (360p and 480p),
    // measured bit rates — never the provisional master of an interrupted attempt.
    for (const [i, assetId] of assetIds.entries()) {
      const playbackId = settled[i]?.playback_ids?.[0]?.id;
      const final = await (await fetch(`${platform.config.streamUrl}/${playbackId}.m3u8`)).text();
      const variants = variantLines(final);
      expect(variants.length).toBe(2);
      const servedAsReady = observations.filter(
        (o) => o.assetId === assetId && o.status === 'ready' && o.master?.status === 200,
      );
      for (const o of servedAsReady) expect(o.master?.body).toBe(final);
      for (const uri of variants) {
        const rendition = await (await fetch(new URL(uri, `${platform.config.streamUrl}/${playbackId}.m3u8`))).text();
        expect(rendition, uri).toContain('#EXT-X-ENDLIST');
      }
    }
    const duringOutage = observations.filter((o) => o.at >= restartedAt && o.at <= restartedAt + DOWN_MS);
    expect(duringOutage.length).toBeGreaterThan(0);
    console.info(
      `[emulator-restart] ${observations.length} observations, ${duringOutage.filter((o) => o.error || (o.master && o.master.status >= 500)).length} failed during the outage; ` +
        `tasks per asset: ${tasks.map((t) => t.length).join(', ')}`,
    );
  });
});

/** The variant URIs of a master playlist (the lines after each #EXT-X-STREAM-INF). */
function variantLines(master: string): string[] {
  const lines = master.split('\n').map((l) => l.trim());
  return lines.filter((_, i) => lines[i - 1]?.startsWith('#EXT-X-STREAM-INF'));
}
