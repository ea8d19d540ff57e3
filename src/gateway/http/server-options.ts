import type { IncomingMessage, Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { MIN_UPLOAD_BYTES_PER_SECOND, REQUEST_BODY_GRACE_MS } from '../../config/config.js';
import { AppError } from '../../domain/errors.js';
import { writeRawError } from './security-headers.js';

/**
 * Timeouts of the node's HTTP server (rule S11): a client that trickles its headers (or its
 * body) holds a connection only so long, then gets 408 and is disconnected. Node has one
 * request deadline per server, so it is the upload's (the header timeout plus the largest
 * file at {@link MIN_UPLOAD_BYTES_PER_SECOND}); {@link limitBodyTime} holds every other request
 * to the shorter REQUEST_BODY_GRACE_MS.
 */
export function httpServerOptions(options: {
  headerTimeoutMs: number;
  maxUploadBytes: number;
}): ServerOptions {
  return {
    headersTimeout: options.headerTimeoutMs,
    requestTimeout: options.headerTimeoutMs + uploadBodyMs(options.maxUploadBytes),
    // Node looks for expired requests on this interval (30 s by default): with a longer one
    // than the timeout, a slow client would keep its connection well past it.
    connectionsCheckingInterval: Math.min(1_000, Math.ceil(options.headerTimeoutMs / 4)),
    keepAliveTimeout: 5_000,
  };
}

/** Time an upload's body may take to arrive (rule S11): the largest file at the slowest rate. */
export function uploadBodyMs(maxUploadBytes: number): number {
  return Math.max(
    REQUEST_BODY_GRACE_MS,
    Math.ceil((maxUploadBytes / MIN_UPLOAD_BYTES_PER_SECOND) * 1000),
  );
}

/**
 * Holds a request that is not an upload to S11's deadline for its body: the header timeout
 * plus REQUEST_BODY_GRACE_MS after its headers arrived, then 408 and the connection closed.
 */
export function limitBodyTime(
  req: IncomingMessage,
  options: { headerTimeoutMs: number; isUpload: boolean },
): void {
  if (options.isUpload || req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete) return;
    const socket = req.socket;
    if (socket.destroyed) return;
    if (socket.bytesWritten > 0) {
      socket.destroy();
      return;
    }
    const secure = (socket as Partial<TLSSocket>).encrypted === true;
    writeRawError(socket, new AppError('request_timeout', 'the request was not received in time'), {
      secure,
    });
  }, options.headerTimeoutMs + REQUEST_BODY_GRACE_MS);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  req.once('close', clear);
}

/**
 * Answers requests the HTTP parser refused (timeout, oversized or malformed headers) in the
 * node's own error envelope and with the S5 headers, instead of Node's bare default answers.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A reset connection, or one whose answer already started, can only be dropped.
    if (err.code === 'ECONNRESET' || !socket.writable || socket.bytesWritten > 0) {
      socket.destroy();
      return;
    }
    const secure = (socket as Partial<TLSSocket>).encrypted === true;
    writeRawError(socket, refusal(err.code), { secure });
  });
}

function refusal(code: string | undefined): AppError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new AppError('request_timeout', 'the request was not received in time');
  if (code === 'HPE_HEADER_OVERFLOW') return new AppError('headers_too_large');
  return new AppError('invalid_request', 'the request is not valid HTTP');
}
