import { BlockList, isIP } from "node:net";
import { invalidArgument } from "../errors/app-error.js";

/**
 * Where a webhook may not post unless the operator allows private targets: the control plane's own host, its
 * network and the cloud's metadata service (169.254.169.254, fd00:ec2::254) are reached from inside, so a client's
 * URL pointing there would let it probe what it cannot reach itself (server-side request forgery).
 */
const REFUSED_RANGES: ReadonlyArray<readonly [kind: string, network: string, prefix: number]> = [
  ["unspecified", "0.0.0.0", 8],
  ["loopback", "127.0.0.0", 8],
  ["private", "10.0.0.0", 8],
  ["private", "172.16.0.0", 12],
  ["private", "192.168.0.0", 16],
  ["carrier-grade NAT", "100.64.0.0", 10],
  ["link-local", "169.254.0.0", 16],
  ["multicast", "224.0.0.0", 4],
  ["reserved", "240.0.0.0", 4],
  ["unspecified", "::", 128],
  ["loopback", "::1", 128],
  // Deprecated IPv4-compatible addresses (::a.b.c.d) reach IPv4 hosts on some stacks.
  ["IPv4-compatible", "::", 96],
  ["link-local", "fe80::", 10],
  ["unique-local", "fc00::", 7],
  ["multicast", "ff00::", 8],
];

const RANGES = REFUSED_RANGES.map(([kind, network, prefix]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, isIP(network) === 4 ? "ipv4" : "ipv6");
  return { kind, list };
});

/** What kind of address this is when webhooks may not reach it (IPv4-mapped IPv6 counts as its IPv4), or null. */
export function refusedAddressKind(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return null;
  const type = family === 4 ? "ipv4" : "ipv6";
  return RANGES.find((range) => range.list.check(address, type))?.kind ?? null;
}

/** A URL's host as an address when it is one (brackets of an IPv6 literal removed), else null. */
export function addressLiteral(hostname: string): string | null {
  const bare = hostname.replace(/^\[(.*)\]$/, "$1");
  return isIP(bare) === 0 ? null : bare;
}

/** The sentence a refusal shows (to the API caller, and in the delivery's attempt log). */
export function refusalMessage(host: string, address: string, kind: string): string {
  const resolved = addressLiteral(host) === null ? `${host} resolves to ${address}, ` : `${address} is `;
  const article = /^(unspecified|IPv4)/.test(kind) ? "an" : "a";
  return `url's host ${resolved}${article} ${kind} address: webhooks may not post to private networks unless the operator allows it (--webhook-allow-private)`;
}

/** How names are looked up (the adapter resolves with the system's resolver). */
export interface HostResolver {
  /** Every address the name resolves to; throws when it does not resolve. */
  addresses(host: string): Promise<string[]>;
}

/**
 * Vets a webhook's URL when it is created: its host may not be, or resolve to, a refused address. A name that
 * does not resolve now is accepted (it may exist where the control plane runs later); every delivery checks
 * the addresses again at the moment it connects.
 */
export async function vetWebhookTarget(
  url: string,
  resolver: HostResolver,
  allowPrivate: boolean,
): Promise<void> {
  if (allowPrivate) return;
  const { hostname } = new URL(url);
  const literal = addressLiteral(hostname);
  let addresses: string[];
  if (literal !== null) addresses = [literal];
  else {
    try {
      addresses = await resolver.addresses(hostname);
    } catch {
      return;
    }
  }
  for (const address of addresses) {
    const kind = refusedAddressKind(address);
    if (kind !== null) throw invalidArgument(refusalMessage(hostname, address, kind));
  }
}
