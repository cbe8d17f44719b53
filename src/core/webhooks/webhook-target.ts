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
  // RFC 8215's local-use NAT64 prefix translates into the operator's own network, wherever the IPv4 sits in it.
  ["NAT64 local-use", "64:ff9b:1::", 48],
];

const RANGES = REFUSED_RANGES.map(([kind, network, prefix]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, isIP(network) === 4 ? "ipv4" : "ipv6");
  return { kind, list };
});

/**
 * IPv6 prefixes that carry an IPv4 address a translator or relay will reach: NAT64's well-known prefix (RFC 6052,
 * the last 32 bits) and 6to4 (2002::/16, the 32 bits after the prefix). Such an address is refused when its IPv4
 * address is.
 */
const IPV4_CARRIERS: ReadonlyArray<{ name: string; network: string; prefix: number; ipv4At: number }> = [
  { name: "NAT64", network: "64:ff9b::", prefix: 96, ipv4At: 6 },
  { name: "6to4", network: "2002::", prefix: 16, ipv4At: 1 },
];

const CARRIERS = IPV4_CARRIERS.map((carrier) => {
  const list = new BlockList();
  list.addSubnet(carrier.network, carrier.prefix, "ipv6");
  return { ...carrier, list };
});

/** Teredo (2001::/32) hides its IPv4 endpoints (one of them XOR-ed): refused as a whole. */
const TEREDO = new BlockList();
TEREDO.addSubnet("2001::", 32, "ipv6");

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part becomes the last two). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/** What kind of address this is when webhooks may not reach it (IPv4-mapped IPv6 counts as its IPv4), or null. */
export function refusedAddressKind(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return null;
  const type = family === 4 ? "ipv4" : "ipv6";
  const kind = RANGES.find((range) => range.list.check(address, type))?.kind ?? null;
  if (kind !== null || family === 4) return kind;
  if (TEREDO.check(address, "ipv6")) return "Teredo";
  const carrier = CARRIERS.find((candidate) => candidate.list.check(address, "ipv6"));
  if (!carrier) return null;
  const groups = ipv6Groups(address);
  const high = groups[carrier.ipv4At] ?? 0;
  const low = groups[carrier.ipv4At + 1] ?? 0;
  const ipv4 = [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
  const carried = refusedAddressKind(ipv4);
  return carried === null ? null : `${carried} (through ${carrier.name})`;
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
