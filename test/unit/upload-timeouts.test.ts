import { describe, expect, it } from 'vitest';
import { timeOutUploads } from '../../lambdas/core/usecases/uploads.js';
import { createUploadTimeoutsHandler } from '../../lambdas/handlers/upload-timeouts.js';
import { InMemoryMediaRepository, waitingUpload } from './fakes.js';

/** Records the multipart uploads aborted; the plain uploads here have none. */
const noMultipart = () => {
  const aborted: string[] = [];
  return { aborted, abort: async (_key: string, uploadId: string) => void aborted.push(uploadId) };
};

describe('upload timeouts', () => {
  it('times out waiting uploads whose URL expired more than the grace period ago, and nothing else', async () => {
    const media = new InMemoryMediaRepository();
    const t0 = 1_700_000_000;
    await media.putUpload(waitingUpload({ id: 'expired', created_at: t0, timeout: 600 }));
    await media.putUpload(waitingUpload({ id: 'ingrace', created_at: t0 + 500, timeout: 600 }));
    await media.putUpload(waitingUpload({ id: 'fresh', created_at: t0 + 900, timeout: 3600 }));
    await media.putUpload(waitingUpload({ id: 'cancelled', created_at: t0, timeout: 600 }));
    await media.transitionUpload('cancelled', 'cancelled');

    const now = () => (t0 + 1200) * 1000;
    const multipart = noMultipart();
    expect(await timeOutUploads({ media, multipart, now, graceSeconds: 120 })).toEqual(['expired']);
    expect(multipart.aborted).toEqual([]);
    expect((await media.getUpload('expired'))?.status).toBe('timed_out');
    expect((await media.getUpload('ingrace'))?.status).toBe('waiting');
    expect((await media.getUpload('cancelled'))?.status).toBe('cancelled');
  });

  it('handler: reports what it timed out, and nothing the second time', async () => {
    const media = new InMemoryMediaRepository();
    await media.putUpload(waitingUpload({ created_at: 1, timeout: 60 }));
    const handler = createUploadTimeoutsHandler(() => ({ media, multipart: noMultipart() }));
    expect(await handler({})).toEqual({ timedOut: ['upload1'] });
    expect(await handler({})).toEqual({ timedOut: [] });
  });
});
