import { CLOSE_CODES } from '../domain/errors.js';
import type { DeliverySocket } from './ports.js';

/** The close of a slow consumer (rule W8: 4013). */
export const SLOW_CONSUMER = {
  code: CLOSE_CODES.slowConsumer,
  reason: 'slow consumer: reconnect and sync',
} as const;

/**
 * Writes a frame to a socket unless it is closed or a slow consumer (rule W7: more than
 * `maxBufferedBytes` unsent). A slow consumer is the caller's to close with
 * {@link SLOW_CONSUMER} (the client resyncs when it reconnects, so nothing is lost and the
 * node's memory stays bounded); `onWritten` then is the caller's to run too. Allocates
 * nothing: it runs once per socket of every fan-out.
 */
export function writeFrame(
  socket: DeliverySocket,
  frame: string,
  maxBufferedBytes: number,
  onWritten?: () => void,
): 'sent' | 'closed' | 'slow' {
  if (!socket.isOpen) {
    onWritten?.();
    return 'closed';
  }
  if (socket.bufferedBytes > maxBufferedBytes) return 'slow';
  socket.send(frame, onWritten);
  return 'sent';
}
