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
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const [ip, type] = mapped
    ? [mapped, 'ipv4' as const]
    : [address, family === 4 ? ('ipv4' as const) : ('ipv6' as const)];
  if (policy.allowLoopback && loopback.check(ip, type)) return undefined;
  return refused.check(ip, type) ? `${address} is a private, loopback or link-local address` : undefined;
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
