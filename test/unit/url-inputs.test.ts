import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpInputFetcher } from '../../lambdas/core/adapters/http-input-fetcher.js';
import { InvalidInputError } from '../../lambdas/core/domain/errors.js';
import { refusedAddress, refusedInputUrl } from '../../lambdas/core/domain/url-safety.js';
import type { InputFetcher } from '../../lambdas/core/ports.js';
import { DISPATCH_CLAIM_MAX_SECONDS, DispatchPendingError } from '../../lambdas/core/usecases/ingest.js';
import { fetchInput } from '../../lambdas/core/usecases/url-inputs.js';
import { InMemoryInputSlots } from './api-fakes.js';
import { InMemoryMediaRepository, preparingAsset, RecordingRunner } from './fakes.js';

describe('address policy', () => {
  it.each([
    ['93.184.216.34', undefined],
    ['2606:2800:220:1:248:1893:25c8:1946', undefined],
    ['10.0.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['127.0.0.1', 'loopback'],
    ['0.0.0.0', 'private'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:0:a9fe:a9fe', 'link-local'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 to the metadata address'],
    ['64:ff9b::10.0.0.1', 'NAT64 to a private address'],
    ['64:ff9b::5db8:d822', undefined],
    ['2002:a9fe:a9fe::1', '6to4 around the metadata address'],
    ['2002:0a00:0001::', '6to4 around a private address'],
    ['2002:5db8:d822::1', undefined],
    ['::169.254.169.254', 'IPv4-compatible'],
    ['::a00:1', 'IPv4-compatible, hex'],
    ['fec0::1', 'site-local (deprecated, still routed inside some networks)'],
    ['192.88.99.1', 'the 6to4 relay anycast prefix (relayed on into IPv6)'],
    ['2002:c058:6301::', '6to4 around the relay anycast prefix'],
  ])('%s → %s', (address, refused) => {
    const reason = refusedAddress(address);
    if (refused) expect(reason).toMatch(/private, loopback or link-local/);
    else expect(reason).toBeUndefined();
  });

  it.each([
    ['64:ff9b:1::a9fe:a9fe', /local-use NAT64/],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', /Teredo/],
    ['2001::1', /Teredo/],
    ['100::1', /discard prefix/],
  ])('%s is refused outright: where it leads cannot be judged', (address, reason) => {
    expect(refusedAddress(address)).toMatch(reason);
  });

  it('judges an IPv6 host in an input URL by the IPv4 address it carries', async () => {
    const resolve = async () => [];
    expect(await refusedInputUrl('http://[64:ff9b::a9fe:a9fe]/latest/meta-data/', resolve)).toMatch(/refused/);
    expect(await refusedInputUrl('http://[2002:a9fe:a9fe::]/', resolve)).toMatch(/refused/);
    expect(await refusedInputUrl('http://[64:ff9b::5db8:d822]/a.mp4', resolve)).toBeUndefined();
  });

  it('lets loopback through only when allowed, and never other internal addresses', () => {
    expect(refusedAddress('127.0.0.1', { allowLoopback: true })).toBeUndefined();
    expect(refusedAddress('::1', { allowLoopback: true })).toBeUndefined();
    expect(refusedAddress('169.254.169.254', { allowLoopback: true })).toBeDefined();
    expect(refusedAddress('10.0.0.1', { allowLoopback: true })).toBeDefined();
  });
});

const LIMITS = { maxBytes: 10_000 };

describe('HttpInputFetcher', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/clip.mp4') return void res.writeHead(200).end(Buffer.alloc(1000, 7));
      if (req.url === '/moved') return void res.writeHead(302, { location: '/clip.mp4' }).end();
      if (req.url === '/to-metadata') {
        return void res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      }
      if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end();
      if (req.url === '/declared-big') return void res.writeHead(200, { 'content-length': '20000' }).end();
      if (req.url === '/chunked-big') {
        // No declared length: 1 KB every 5 ms, without end, until the client stops reading.
        res.writeHead(200);
        const timer = setInterval(() => res.write(Buffer.alloc(1000, 1)), 5);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (req.url === '/trickle') {
        res.writeHead(200);
        const timer = setInterval(() => res.write('x'), 20);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (req.url === '/silent') return; // never answers
      res.writeHead(req.url === '/down' ? 503 : 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://localhost:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const s3 = () => {
    const client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const mock = mockClient(client);
    mock.on(PutObjectCommand).resolves({});
    return { client, mock };
  };

  it('tells a stored object (HeadObject) from a missing one (404), and throws on anything else', async () => {
    const { client, mock } = s3();
    const fetcher = new HttpInputFetcher(client, {}, LIMITS);
    const status = (code: number) => Object.assign(new Error(`${code}`), { $metadata: { httpStatusCode: code } });
    mock.on(HeadObjectCommand, { Key: 'there' }).resolves({ ContentLength: 1 });
    mock.on(HeadObjectCommand, { Key: 'missing' }).rejects(status(404));
    mock.on(HeadObjectCommand, { Key: 'forbidden' }).rejects(status(403));
    expect(await fetcher.stored('b', 'there')).toBe(true);
    expect(await fetcher.stored('b', 'missing')).toBe(false);
    await expect(fetcher.stored('b', 'forbidden')).rejects.toThrow('403');
  });

  it('refuses a loopback host unless allowed (the check is on the address connected to)', async () => {
    const { client } = s3();
    await expect(new HttpInputFetcher(client, {}, LIMITS).fetchTo(`${base}/clip.mp4`, 'b', 'k')).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it('streams the file into the bucket, following a redirect', async () => {
    const { client, mock } = s3();
    const fetched = await new HttpInputFetcher(client, { allowLoopback: true }, LIMITS).fetchTo(
      `${base}/moved`,
      'b',
      'k',
    );
    expect(fetched.bytes).toBe(1000);
    expect(mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'b', Key: 'k' });
  });

  it('refuses a declared length over the limit before reading, and stops an undeclared one as it passes it', async () => {
    const { client, mock } = s3();
    const fetcher = new HttpInputFetcher(client, { allowLoopback: true }, LIMITS);
    await expect(fetcher.fetchTo(`${base}/declared-big`, 'b', 'k')).rejects.toThrow(
      new InvalidInputError('The input is 20000 bytes; this deployment accepts files up to 10000 bytes'),
    );
    const stopped = fetcher.fetchTo(`${base}/chunked-big`, 'b', 'k');
    await expect(stopped).rejects.toBeInstanceOf(InvalidInputError);
    await expect(stopped).rejects.toThrow(/larger than 10000 bytes/);
    expect(mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('stops a transfer under the minimum throughput, and one past its total deadline', async () => {
    const { client } = s3();
    const slow = new HttpInputFetcher(
      client,
      { allowLoopback: true },
      { ...LIMITS, minBytesPerSecond: 1000, windowMs: 200 },
    ).fetchTo(`${base}/trickle`, 'b', 'k');
    await expect(slow).rejects.toThrow(/bytes in 0.2 s, under the minimum of 200/);
    const silent = new HttpInputFetcher(client, { allowLoopback: true }, { ...LIMITS, deadlineMs: 300 }).fetchTo(
      `${base}/silent`,
      'b',
      'k',
    );
    await expect(silent).rejects.toThrow(new InvalidInputError('The input URL did not deliver the file within 0.3 s'));
  });

  it.each([
    ['/missing', InvalidInputError, /answered 404/],
    ['/to-metadata', InvalidInputError, /private, loopback or link-local/],
    ['/loop', InvalidInputError, /redirects too many times/],
    ['/down', Error, /answered 503/],
  ])('%s fails with %o', async (path, type, message) => {
    const { client } = s3();
    const fetching = new HttpInputFetcher(client, { allowLoopback: true }, LIMITS).fetchTo(`${base}${path}`, 'b', 'k');
    await expect(fetching).rejects.toThrow(message);
    await expect(fetching).rejects.toBeInstanceOf(type);
  });
});

describe('fetchInput', () => {
  /** The fetcher given, and the store it writes to: what a fetch stored is there for the next delivery. */
  const ready = async (given: Pick<InputFetcher, 'fetchTo'>) => {
    const objects = new Set<string>();
    const fetcher: InputFetcher = {
      stored: async (bucket, key) => objects.has(`${bucket}/${key}`),
      fetchTo: async (url, bucket, key, maxBytes) => {
        const fetched = await given.fetchTo(url, bucket, key, maxBytes);
        objects.add(`${bucket}/${key}`);
        return fetched;
      },
    };
    const media = new InMemoryMediaRepository();
    await media.createAsset(
      preparingAsset({ upload_id: undefined, source: { bucket: 'in', key: 'uploads/input-asset1' } }),
    );
    const runner = new RecordingRunner();
    const slots = new InMemoryInputSlots();
    await slots.claim('env1', 'asset1', 1, Number.MAX_SAFE_INTEGER);
    return { media, runner, slots, ctx: { media, runner, fetcher, outputBucket: 'out', slots } };
  };

  it('copies the input to the asset source and dispatches once', async () => {
    const copied: string[] = [];
    const { media, runner, slots, ctx } = await ready({
      fetchTo: async (url, bucket, key) => {
        copied.push(`${url} → ${bucket}/${key}`);
        return { bytes: 1 };
      },
    });
    expect(await fetchInput({ assetId: 'asset1', url: 'https://v.example/a.mp4' }, ctx)).toBe('dispatched');
    expect(slots.held.get('env1')?.size, "the environment's slot is given back").toBe(0);
    expect(copied).toEqual(['https://v.example/a.mp4 → in/uploads/input-asset1']);
    expect(runner.jobs.map((j) => j.source)).toEqual([{ bucket: 'in', key: 'uploads/input-asset1' }]);
    expect(await fetchInput({ assetId: 'asset1', url: 'https://v.example/a.mp4' }, ctx)).toBe('already_dispatched');
    expect((await media.getAsset('asset1'))?.status).toBe('preparing');
  });

  it('marks the asset errored, with the reason, when the URL cannot give a file', async () => {
    const { media, runner, ctx } = await ready({
      fetchTo: async () => {
        throw new InvalidInputError('The input URL answered 404');
      },
    });
    expect(await fetchInput({ assetId: 'asset1', url: 'https://v.example/a.mp4' }, ctx)).toBe('input_refused');
    expect(await media.getAsset('asset1')).toMatchObject({
      status: 'errored',
      errors: { type: 'invalid_input', messages: ['The input URL answered 404'] },
    });
    expect(runner.jobs).toEqual([]);
  });

  it('throws (to be retried) on a transient failure, and ignores an asset no longer preparing', async () => {
    const { media, slots, ctx } = await ready({
      fetchTo: async () => {
        throw new Error('The input URL answered 503');
      },
    });
    await expect(fetchInput({ assetId: 'asset1', url: 'https://v.example/a.mp4' }, ctx)).rejects.toThrow('503');
    expect(slots.held.get('env1')?.size, 'a fetch to be retried keeps its slot').toBe(1);
    await media.deleteAsset('asset1');
    expect(await fetchInput({ assetId: 'asset1', url: 'https://v.example/a.mp4' }, ctx)).toBe('not_preparing');
  });

  it('comes back later, keeping its slot, when another delivery holds the dispatch claim and started no job', async () => {
    let fetched = 0;
    const { media, runner, slots, ctx } = await ready({ fetchTo: async () => ({ bytes: ++fetched }) });
    await media.claimDispatch('asset1', DISPATCH_CLAIM_MAX_SECONDS); // its holder is downloading, or died
    const job = { assetId: 'asset1', url: 'https://v.example/a.mp4' };
    await expect(fetchInput(job, ctx)).rejects.toBeInstanceOf(DispatchPendingError);
    expect(fetched, 'only the holder of the claim downloads').toBe(0);
    expect(slots.held.get('env1')?.size, 'a fetch to be retried keeps its slot').toBe(1);
    // Redelivered when the claim ends (handlers/dispatch-pending.ts).
    media.clock += DISPATCH_CLAIM_MAX_SECONDS + 1;
    expect(await fetchInput(job, ctx)).toBe('dispatched');
    expect(fetched).toBe(1);
    expect(runner.jobs).toHaveLength(1);
    expect(slots.held.get('env1')?.size).toBe(0);
  });

  it('does not download again, nor error the asset, when its job has started (a URL that now answers 403)', async () => {
    let answers = 200;
    const { media, runner, ctx } = await ready({
      fetchTo: async () => {
        if (answers !== 200) throw new InvalidInputError(`The input URL answered ${answers}`);
        return { bytes: 1 };
      },
    });
    const job = { assetId: 'asset1', url: 'https://v.example/a.mp4?X-Amz-Expires=60' };
    expect(await fetchInput(job, ctx)).toBe('dispatched');
    answers = 403; // a presigned URL that has expired by the redelivery
    expect(await fetchInput(job, ctx)).toBe('already_dispatched');
    expect((await media.getAsset('asset1'))?.status).toBe('preparing');
    expect(runner.jobs).toHaveLength(1);
  });

  it('does not download again what an earlier delivery stored before its job failed to start', async () => {
    let answers = 200;
    let fetched = 0;
    const { runner, ctx } = await ready({
      fetchTo: async () => {
        if (answers !== 200) throw new InvalidInputError(`The input URL answered ${answers}`);
        return { bytes: ++fetched };
      },
    });
    const start = runner.start.bind(runner);
    runner.start = async () => {
      throw new Error('RunTask failed');
    };
    const job = { assetId: 'asset1', url: 'https://v.example/a.mp4?X-Amz-Expires=60' };
    await expect(fetchInput(job, ctx)).rejects.toThrow('RunTask failed');
    runner.start = start;
    answers = 403; // expired by the retry, 16 minutes later
    expect(await fetchInput(job, ctx)).toBe('dispatched');
    expect(fetched).toBe(1);
    expect(runner.jobs).toHaveLength(1);
  });

  it('gives the claim back when the download fails for now, so the retry fetches', async () => {
    let fails = true;
    const { media, runner, ctx } = await ready({
      fetchTo: async () => {
        if (fails) throw new Error('The input URL answered 503');
        return { bytes: 1 };
      },
    });
    const job = { assetId: 'asset1', url: 'https://v.example/a.mp4' };
    await expect(fetchInput(job, ctx)).rejects.toThrow('503');
    expect((await media.getPreparing('asset1'))?.claimedUntil).toBeUndefined();
    fails = false;
    expect(await fetchInput(job, ctx)).toBe('dispatched');
    expect(runner.jobs).toHaveLength(1);
  });
});
