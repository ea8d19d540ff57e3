import { AppError } from '../../domain/errors.js';
import { ClientFrame } from '../../protocol/frames.js';
import { describeIssues, LoneSurrogateError, parseJson } from '../validation.js';

const KNOWN_TYPES: ReadonlySet<string> = new Set(
  ClientFrame.options.map((o) => o.shape.type.value),
);

/**
 * Decodes a frame's JSON: `invalid_json` if it is not JSON (rule W3), `invalid_request` if a
 * string in it holds a lone surrogate (rule S6).
 */
export function decodeFrame(text: string): unknown {
  try {
    return parseJson(text);
  } catch (err) {
    if (err instanceof LoneSurrogateError)
      throw new AppError('invalid_request', err.message, { cause: err });
    throw new AppError('invalid_json', 'the frame is not valid JSON', { cause: err });
  }
}

/** Validates a decoded client frame; throws an AppError with a stable code (rule W3). */
export function validateFrame(value: unknown): ClientFrame {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('invalid_request', 'a frame is a JSON object with a "type"');
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string')
    throw new AppError('invalid_request', 'a frame needs a string "type"');
  if (!KNOWN_TYPES.has(type))
    throw new AppError('unknown_frame', `unknown frame type "${type.slice(0, 32)}"`);
  const result = ClientFrame.safeParse(value);
  if (!result.success)
    throw new AppError('invalid_request', `invalid ${type} frame: ${describeIssues(result.error)}`);
  return result.data;
}

/** A ref for error frames: the client message id of a send, else the ping ref. */
export function refOf(frame: unknown): string | undefined {
  if (typeof frame !== 'object' || frame === null) return undefined;
  const f = frame as { clientMsgId?: unknown; ref?: unknown };
  if (typeof f.clientMsgId === 'string') return f.clientMsgId.slice(0, 64);
  if (typeof f.ref === 'string') return f.ref.slice(0, 64);
  return undefined;
}
