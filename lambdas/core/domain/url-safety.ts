/**
 * Which input URLs the platform may fetch (`POST /video/v1/assets` with `inputs: [{ url }]`): http(s) only, and
 * never an address inside a network — private, loopback, link-local (the cloud metadata service lives there),
 * carrier-grade NAT, unspecified, multicast — checked on every address the host name resolves to, and again on
 * the address each connection actually uses (see `safeLookup`), so DNS rebinding gains nothing.
 */
import { BlockList, isIP } from 'node:net';

const refused = new BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  // The 6to4 relay anycast prefix (RFC 3068, deprecated): a relay passes what it is sent on into IPv6.
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  refused.addSubnet(prefix, bits, 'ipv4');
}
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  // Site-local (RFC 3879 deprecated it, but some networks still route it inside themselves).
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  refused.addSubnet(prefix, bits, 'ipv6');
}
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

export interface AddressPolicy {
  /** Lets loopback addresses through: the local platform's tests fetch from a server on 127.0.0.1. Never on AWS. */
  allowLoopback?: boolean;
}

/** Why an address may not be fetched from, or undefined if it may. */
export function refusedAddress(address: string, policy: AddressPolicy = {}): string | undefined {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  if (family === 4) return refusedIp(address, 'ipv4', address, policy);
  const bytes = ipv6Bytes(address);
  const form = transitionForms.find((f) => matches(bytes, f.prefix, f.bits));
  if (form?.embedded === undefined && form) return `${address} is ${form.name}, which may reach any network`;
  // An address that carries an IPv4 address a gateway or the host stack will reach (::ffff:10.0.0.1,
  // 64:ff9b::a9fe:a9fe) is judged as that IPv4 address.
  if (form?.embedded !== undefined) return refusedIp(ipv4At(bytes, form.embedded), 'ipv4', address, policy);
  return refusedIp(address, 'ipv6', address, policy);
}

function refusedIp(ip: string, type: 'ipv4' | 'ipv6', shown: string, policy: AddressPolicy): string | undefined {
  if (policy.allowLoopback && loopback.check(ip, type)) return undefined;
  return refused.check(ip, type) ? `${shown} is a private, loopback or link-local address` : undefined;
}

/**
 * IPv6 prefixes that lead to IPv4 or to nowhere. With `embedded` (the byte offset of the IPv4 address inside),
 * the address is judged as that IPv4 address; without, it is refused: Teredo hides its client address
 * (obfuscated) behind a relay, the local-use NAT64 prefix may place the IPv4 address anywhere (RFC 6052), and the
 * discard prefix (RFC 6666) has no use for a video file.
 */
const transitionForms: { prefix: number[]; bits: number; name: string; embedded?: number }[] = [
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], bits: 96, name: 'IPv4-mapped', embedded: 12 },
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0], bits: 96, name: 'IPv4-translated', embedded: 12 },
  { prefix: [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], bits: 96, name: 'NAT64', embedded: 12 },
  { prefix: [0, 0x64, 0xff, 0x9b, 0, 1], bits: 48, name: 'local-use NAT64' },
  { prefix: [0x20, 0x02], bits: 16, name: '6to4', embedded: 2 },
  { prefix: [0x20, 0x01, 0, 0], bits: 32, name: 'Teredo' },
  { prefix: [0x01, 0, 0, 0, 0, 0, 0, 0], bits: 64, name: 'the discard prefix' },
  // IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks); :: and ::1 are judged as themselves.
  { prefix: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], bits: 96, name: 'IPv4-compatible', embedded: 12 },
];

function matches(bytes: number[], prefix: number[], bits: number): boolean {
  if (bits === 96 && prefix.every((b) => b === 0) && bytes.slice(0, 15).every((b) => b === 0)) {
    return (bytes[15] ?? 0) > 1; // :: and ::1 are not IPv4-compatible forms
  }
  return prefix.every((b, i) => i * 8 >= bits || bytes[i] === b);
}

function ipv4At(bytes: number[], offset: number): string {
  return bytes.slice(offset, offset + 4).join('.');
}

/** The 16 bytes of an IPv6 address (already known valid by `isIP`), dotted-quad tail included. */
function ipv6Bytes(address: string): number[] {
  const plain = address.replace(/%.*$/, '');
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(plain);
  const hex = quad
    ? `${plain.slice(0, quad.index)}${((Number(quad[1]) << 8) | Number(quad[2])).toString(16)}:${((Number(quad[3]) << 8) | Number(quad[4])).toString(16)}`
    : plain;
  const [head = '', tail] = hex.split('::');
  const groups = (part: string) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const words = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

export type Resolve = (host: string) => Promise<string[]>;

/**
 * Checks an input URL before it is accepted: the scheme, and every address its host resolves to. Returns the
 * reason it is refused, or undefined.
 */
export async function refusedInputUrl(
  raw: string,
  resolve: Resolve,
  policy: AddressPolicy = {},
): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not carry credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch {
    return `${host} does not resolve`;
  }
  if (addresses.length === 0) return `${host} does not resolve`;
  for (const address of addresses) {
    const reason = refusedAddress(address, policy);
    if (reason) return `is refused: ${reason}`;
  }
  return undefined;
}
