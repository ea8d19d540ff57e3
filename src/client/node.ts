import { WebSocket } from 'ws';
import type { WebSocketFactory, WebSocketLike } from './transport.js';

/** The WebSocket transport for Node (Node 20 has no global WebSocket). */
export const nodeWebSocket: WebSocketFactory = (url) =>
  new WebSocket(url) as unknown as WebSocketLike;
