import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** Where a request came from, as far as the node can tell (rule S9). */
export interface ClientAddress {
  /** The client's IP: the TCP peer, or the address a trusted proxy forwarded for. */
  ip: string;
  /** True if the client's connection is TLS: to this node, or to a trusted proxy that says so. */
  secure: boolean;
}

/** The reverse proxies whose forwarding headers the node believes (`--trust-proxy`). */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  /** `entries` are IP addresses or CIDR ranges, validated by the config loader. */
  constructor(entries: readonly string[]) {
    this.#empty = entries.length === 0;
    for (const entry of entries) {
      const [address = '', prefix] = entry.split('/');
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.#list.addAddress(address, type);
      else this.#list.addSubnet(address, Number(prefix), type);
    }
  }

  /** True if `address` is one of the trusted proxies. */
  has(address: string): boolean {
    if (this.#empty) return false;
    const family = isIP(address);
    return family !== 0 && this.#list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`, as configured. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/**
 * The client behind a request. Forwarding headers count only when the TCP peer is a trusted
 * proxy; `X-Forwarded-For` is read from the right, skipping trusted proxies, so a client
 * cannot choose its address by sending the header itself.
 */
export function clientAddress(req: IncomingMessage, proxies: TrustedProxies): ClientAddress {
  const peer = plain(req.socket.remoteAddress ?? 'unknown');
  const tls = (req.socket as Partial<TLSSocket>).encrypted === true;
  if (!proxies.has(peer)) return { ip: peer, secure: tls };
  let ip = peer;
  const hops = headerValue(req.headers['x-forwarded-for']).split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = plain(hops[i]!.trim());
    if (isIP(hop) === 0) break;
    ip = hop;
    if (!proxies.has(hop)) break;
  }
  const proto = headerValue(req.headers['x-forwarded-proto']).split(',')[0]!.trim().toLowerCase();
  return { ip, secure: tls || proto === 'https' };
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}
