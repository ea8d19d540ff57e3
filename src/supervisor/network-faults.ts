/**
 * Network faults as data: what a `parley verify` run logs, and which endpoint pairs each one
 * cuts. An endpoint is a host of the network or the root namespace, where the clients run.
 */

/** A fault as data, for logs: which hosts lose which peers. */
export type Fault =
  /** Cut from every other host and from the root namespace's clients. */
  | { kind: 'isolate'; host: string }
  /** Neither side reaches the other; `clients` says which sides the root namespace reaches. */
  | { kind: 'split'; sides: [string[], string[]]; clients: ClientSide }
  /** Only these two hosts lose each other (a node cut from the database, not from clients). */
  | { kind: 'cut'; between: [string, string] };

/** Which side of a split the root namespace's clients still reach. */
export type ClientSide = 'both' | 'a' | 'b';

/** The root namespace as an endpoint: no host name is empty. */
export const CLIENTS = '';

/** Two endpoints that no longer reach each other (in either direction). */
export type CutPair = readonly [string, string];

/**
 * The endpoint pairs `fault` cuts among `hosts`; throws RangeError for a fault that names a
 * host the network does not have or makes no sense (a host on both sides, cut from itself).
 */
export function faultPairs(fault: Fault, hosts: readonly string[]): CutPair[] {
  const known = (host: string) => {
    if (!hosts.includes(host))
      throw new RangeError(`no host ${JSON.stringify(host)} in this network`);
  };
  switch (fault.kind) {
    case 'isolate':
      known(fault.host);
      return [CLIENTS, ...hosts.filter((h) => h !== fault.host)].map((other) => [
        fault.host,
        other,
      ]);
    case 'split': {
      const [a, b] = fault.sides;
      [...a, ...b].forEach(known);
      if (a.length === 0 || b.length === 0) throw new RangeError('a split has two sides');
      if (a.some((h) => b.includes(h)))
        throw new RangeError(`a host cannot be on both sides: ${a.join(', ')} | ${b.join(', ')}`);
      const pairs: CutPair[] = a.flatMap((x) => b.map((y) => [x, y] as const));
      if (fault.clients === 'a') pairs.push(...b.map((y) => [CLIENTS, y] as const));
      if (fault.clients === 'b') pairs.push(...a.map((x) => [CLIENTS, x] as const));
      return pairs;
    }
    case 'cut': {
      const [x, y] = fault.between;
      known(x);
      known(y);
      if (x === y) throw new RangeError(`a host cannot be cut from itself: ${x}`);
      return [[x, y]];
    }
  }
}

/** The same key for a pair in either order. */
export function pairKey([x, y]: CutPair): string {
  return x < y ? `${x}\n${y}` : `${y}\n${x}`;
}

/** The pair a {@link pairKey} names. */
export function keyPair(key: string): CutPair {
  const [x = '', y = ''] = key.split('\n');
  return [x, y];
}
