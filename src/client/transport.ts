/** The part of the browser WebSocket API the client uses; `ws` in Node provides the same. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Opens a WebSocket to a URL; injected so the core knows nothing of the runtime. */
export type WebSocketFactory = (url: string) => WebSocketLike;

/** The browser's (and Node 22+'s) global WebSocket, if there is one. */
export function globalWebSocketFactory(): WebSocketFactory | undefined {
  const Ctor = (globalThis as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  return Ctor ? (url) => new Ctor(url) : undefined;
}
