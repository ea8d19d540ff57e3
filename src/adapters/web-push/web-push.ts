import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import webPush from 'web-push';
import {
  PushSendError,
  type PushMessage,
  type PushTransport,
  type VapidKeys,
} from '../../ports/push.js';

/** How the transport may reach push services. */
export interface WebPushOptions {
  /**
   * Also send to loopback addresses, over `http:` too (tests and development only: a local
   * receiver). Off, only `https:` endpoints on public addresses are called (rule N7).
   */
  allowLoopback: boolean;
}

/** Addresses no push service has: private, loopback, link-local, CGNAT, multicast, reserved. */
const NOT_PUBLIC = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC.addSubnet(net, bits, 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** An address as IPv4 when it is an IPv4-mapped IPv6 one (`::ffff:10.0.0.1`). */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** True if the transport may connect to `address` for a URL of `protocol`. */
function mayConnect(address: string, protocol: string, options: WebPushOptions): boolean {
  const ip = unmapped(address);
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (options.allowLoopback && LOOPBACK.check(ip, family)) return true;
  return protocol === 'https:' && !NOT_PUBLIC.check(ip, family);
}

/**
 * A DNS lookup that answers only addresses the transport may connect to: checked after
 * resolution, at connect time, so a name that resolves (or rebinds) to an internal address
 * is refused as well as a literal one.
 */
function guardedLookup(protocol: string, options: WebPushOptions): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (err, found: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = found.filter((a) => mayConnect(a.address, protocol, options));
      const first = allowed[0];
      if (!first) {
        const refused = Object.assign(new Error(`${hostname} resolves to no public address`), {
          code: 'PARLEY_PUSH_BLOCKED',
        });
        return callback(refused, '', 0);
      }
      if (lookupOptions.all) (callback as (e: null, a: LookupAddress[]) => void)(null, allowed);
      else callback(null, first.address, first.family);
    });
  };
}

/** Web Push over the `web-push` library (RFC 8291 aes128gcm, RFC 8292 VAPID) and node:http(s). */
export class WebPushTransport implements PushTransport {
  readonly #options: WebPushOptions;

  constructor(options: WebPushOptions) {
    this.#options = options;
  }

  generateVapidKeys(): VapidKeys {
    return webPush.generateVAPIDKeys();
  }

  send(message: PushMessage): Promise<number> {
    const details = webPush.generateRequestDetails(
      { endpoint: message.endpoint, keys: message.keys },
      message.payload,
      {
        vapidDetails: message.vapid,
        TTL: message.ttlSeconds,
        contentEncoding: 'aes128gcm',
      },
    );
    const url = new URL(details.endpoint);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && !mayConnect(host, url.protocol, this.#options))
      return Promise.reject(new PushSendError('blocked', `${host} is not a public address`));
    if (url.protocol !== 'https:' && !this.#options.allowLoopback)
      return Promise.reject(new PushSendError('blocked', `${url.protocol} endpoints are refused`));
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const req = request(url, {
        method: 'POST',
        headers: details.headers,
        lookup: guardedLookup(url.protocol, this.#options),
        signal: AbortSignal.timeout(message.timeoutMs),
      });
      req.on('response', (res: IncomingMessage) => {
        res.resume(); // the answer's body tells nothing the status does not
        resolve(res.statusCode ?? 0);
      });
      req.on('error', (err: Error & { code?: string }) => {
        const reason =
          err.name === 'AbortError' || err.name === 'TimeoutError'
            ? 'timeout'
            : err.code === 'PARLEY_PUSH_BLOCKED'
              ? 'blocked'
              : 'network';
        reject(new PushSendError(reason, err.message, { cause: err }));
      });
      req.end(details.body);
    });
  }
}
