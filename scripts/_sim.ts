import { searchEntries, normalise } from '../lambdas/core/domain/search.js';
const WORDS = 'alpine harbor sunset tutorial keynote interview trailer lecture concert podcast review unboxing recipe travel drone city forest ocean river mountain desert winter summer autumn spring morning evening night launch demo webinar highlights recap episode season finale pilot behind scenes studio session live acoustic remix workshop training onboarding quarterly report product update roadmap release'.split(' ');
function prng(seed: number) { let s = seed >>> 0; return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 2 ** 32; }; }
const random = prng(42);
const pick = <T,>(l: readonly T[]): T => l[Math.floor(random() * l.length)] as T;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const randomId = (n: number) => Array.from({ length: n }, () => pick([...ALNUM])).join('');
const assets = Array.from({ length: 100000 }, (_, i) => ({ id: randomId(24), env: 'bench', status: i % 10 === 0 ? 'errored' : i % 7 === 0 ? 'preparing' : 'ready', created_at: 0, source: { bucket: '', key: '' }, playback_ids: [], meta: { title: `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} ${i}`, creator_id: randomId(12).toLowerCase(), external_id: randomId(16) }, passthrough: `${pick(WORDS)}-${i}` }) as any);
const entries = assets.flatMap((a, ai) => searchEntries(a).map((e) => ({ v: e.value, ai })));
console.log('entries', entries.length, 'per asset', entries.length / assets.length);
function fnv(id: string) { let h = 0x811c9dc5; for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0; return h; }
const hashes = assets.map((a) => fnv(a.id));
type Tier = { length: number; buckets: number };
const configs: Record<string, Tier[]> = JSON.parse(process.argv[2] ?? '{}');
const kinds: Record<string, () => [string, number]> = {
  'title word': () => [normalise(pick(WORDS).slice(0, 4)), 25],
  'title word + status': () => [normalise(pick(WORDS).slice(0, 5)), 100],
  'external id': () => [normalise(pick(assets).meta.external_id), 25],
  'creator id + status': () => [normalise(pick(assets).meta.creator_id.slice(0, 6)), 100],
  'id prefix': () => [normalise(pick(assets).id.slice(0, 5)), 25],
  passthrough: () => [normalise(pick(assets).passthrough), 25],
};
const queries = Object.entries(kinds).flatMap(([k, f]) => Array.from({ length: 40 }, () => [k, ...f()] as [string, string, number]));
for (const [name, tiers] of Object.entries(configs)) {
  // partitions: key tierIdx#prefix#bucket -> list of values
  const parts = new Map<string, string[]>();
  tiers.forEach((t, ti) => { for (const e of entries) { if ([...e.v].length < t.length) continue; const k = `${ti}#${[...e.v].slice(0, t.length).join('')}#${hashes[e.ai]! % t.buckets}`; let l = parts.get(k); if (!l) parts.set(k, (l = [])); l.push(e.v); } });
  const byKind: Record<string, number[]> = {};
  for (const [kind, q, limit] of queries) {
    const n = [...q].length; let ti = 0; tiers.forEach((t, i) => { if (t.length <= n) ti = i; });
    const t = tiers[ti]!; const prefix = [...q].slice(0, t.length).join('');
    let found = 0, read = 0, requests = 0, scanned = 0, waves = 0;
    while (read < t.buckets && found < limit) {
      const left = t.buckets - read;
      const wave = read === 0 ? 1 : found === 0 ? left : Math.min(left, Math.max(1, Math.ceil(((limit - found) * read) / found)));
      for (let b = read; b < read + wave; b++) { const l = parts.get(`${ti}#${prefix}#${b}`) ?? []; scanned += l.length; found += l.filter((v) => v.startsWith(q)).length; requests++; }
      read += wave; waves++;
    }
    const cost = waves * 1 + requests * 1.5 + scanned * 0.035 + 4; // ms unloaded
    (byKind[kind] ??= []).push(cost);
  }
  const pct = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))]!;
  console.log(name, Object.entries(byKind).map(([k, v]) => `${k}: p50 ${pct(v, 0.5).toFixed(0)} p95 ${pct(v, 0.95).toFixed(0)}`).join(' | '));
}
