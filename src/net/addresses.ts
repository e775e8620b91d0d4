// Which network addresses Praxis may connect to when `allowPrivateAddress` is
// off: public unicast only. The ranges are Fedify's own (the ones its document
// loaders check), so that both checks agree; this module applies them to the
// address a connection actually uses, not only to a URL before fetching it.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from "node:dns";
import { isIP } from "node:net";
import { isValidPublicIPv4Address, isValidPublicIPv6Address } from "@fedify/fedify";

/** A connection to a loopback, private, link-local or otherwise non-public address was refused. */
export class PrivateAddressError extends Error {
  override name = "PrivateAddressError";
  readonly code = "EPRIVATEADDRESS";
  readonly host: string;
  readonly address: string;

  constructor(host: string, address: string) {
    super(host === address
      ? `Refused to connect to ${address}: not a public address (allowPrivateAddress is off)`
      : `Refused to connect to ${host}: it resolves to ${address}, not a public address (allowPrivateAddress is off)`);
    this.host = host;
    this.address = address;
  }
}

/** Whether `address` (an IPv4 or IPv6 literal, brackets allowed) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  const ip = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return isValidPublicIPv4Address(mapped[1]);
  switch (isIP(ip)) {
    case 4: return isValidPublicIPv4Address(ip);
    case 6: return isValidPublicIPv6Address(ip);
    default: return false;
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** How long a name's addresses are reused for new connections. */
const DNS_TTL_MS = 30_000;
const DNS_CACHE_SIZE = 10_000;
const resolved = new Map<string, { at: number; addresses: Promise<LookupAddress[]> }>();

/**
 * Every address of `hostname`, from a short-lived cache: a fan-out opens
 * connections to thousands of hosts, and each lookup would otherwise take a
 * thread of the pool that also signs the deliveries. Failures are not kept.
 */
function resolveAll(hostname: string, family: number | undefined): Promise<LookupAddress[]> {
  const key = `${family ?? 0}/${hostname}`;
  const now = Date.now();
  const cached = resolved.get(key);
  if (cached && now - cached.at < DNS_TTL_MS) return cached.addresses;
  const addresses = new Promise<LookupAddress[]>((resolve, reject) => {
    dnsLookup(hostname, { all: true, ...(family ? { family } : {}) }, (error, result) => (error ? reject(error) : resolve(result)));
  });
  if (resolved.size >= DNS_CACHE_SIZE) resolved.clear();
  resolved.set(key, { at: now, addresses });
  addresses.catch(() => resolved.delete(key));
  return addresses;
}

/** A `dns.lookup` replacement for sockets with the cache above. */
export function cachedLookup(hostname: string, options: LookupOptions | LookupAllOptions | number, callback: LookupCallback): void {
  const opts: LookupOptions = typeof options === "number" ? { family: options } : options;
  resolveAll(hostname, typeof opts.family === "number" ? opts.family : undefined).then((addresses) => {
    if (addresses.length === 0) return callback(Object.assign(new Error(`No address for ${hostname}`), { code: "ENOTFOUND" }), []);
    if (opts.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  }, (error) => callback(error, []));
}

/**
 * A `dns.lookup` replacement for sockets: resolves `hostname` (cached as
 * above; the connected peer's address is checked again) and fails with
 * PrivateAddressError if any address it resolves to is not public, so a name
 * that mixes public and private answers is refused whole.
 */
export function publicOnlyLookup(hostname: string, options: LookupOptions | LookupAllOptions | number, callback: LookupCallback): void {
  const opts: LookupOptions = typeof options === "number" ? { family: options } : options;
  resolveAll(hostname, typeof opts.family === "number" ? opts.family : undefined).then((addresses) => {
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) return callback(new PrivateAddressError(hostname, refused.address) as unknown as NodeJS.ErrnoException, []);
    if (addresses.length === 0) return callback(Object.assign(new Error(`No address for ${hostname}`), { code: "ENOTFOUND" }), []);
    if (opts.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  }, (error) => callback(error, []));
}

/** Resolves the host of `url` and returns the first non-public address it uses, or null when every address is public. */
export async function firstNonPublicAddress(url: URL | string): Promise<string | null> {
  const { hostname } = typeof url === "string" ? new URL(url) : url;
  const host = hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
  if (isIP(host)) return isPublicAddress(host) ? null : host;
  const addresses = await resolveAll(host, undefined);
  return addresses.find((a) => !isPublicAddress(a.address))?.address ?? null;
}
