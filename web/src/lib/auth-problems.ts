import { ErrorCode } from '../../../src/client/index.js';
import { describeError, errorCode } from './errors.js';

/** A form field an error can be about. */
export type Field = 'username' | 'password' | 'repeat' | 'invite';
export type Fault = Field | 'all' | null;
/** An error's words and the field at fault (UI14). */
export type Problem = readonly [string, Fault];

/**
 * Login and sign-up failures, with the registration and suspension codes spelled out, and the
 * field the node's code blames: a taken name is the username's fault alone; a wrong login
 * could be either field (the node does not say which, on purpose: A3); a refusal for the
 * invite marks the invite field when it is shown; limits and outages blame no field.
 */
export function authError(err: unknown, inviteShown: boolean): Problem {
  const code = errorCode(err);
  const invite = inviteShown ? 'invite' : null;
  switch (code) {
    case ErrorCode.AccountSuspended:
      return ['This account is suspended. Contact an administrator of this server.', null];
    case ErrorCode.RegistrationClosed:
      return ['Registration is closed on this server, or it needs an invite.', invite];
    case ErrorCode.InviteInvalid:
      return [
        'This invite is not valid: it expired, was used up, or was revoked. Ask for a new one.',
        invite,
      ];
    case ErrorCode.UsernameTaken:
      return [describeError(err), 'username'];
    case ErrorCode.InvalidCredentials:
    case ErrorCode.InvalidRequest:
      return [describeError(err), 'all'];
    case undefined:
    default:
      return [describeError(err), null];
  }
}

export function checkLogin(username: string, password: string): Problem | null {
  if (!username) return ['Enter your username.', 'username'];
  if (!password) return ['Enter your password.', 'password'];
  return null;
}

export function checkPassword(password: string): Problem | null {
  if ([...password].length < 8) return ['Passwords need at least 8 characters.', 'password'];
  if ([...password].length > 128) return ['Passwords are at most 128 characters.', 'password'];
  return null;
}

/** The node's rules (A1, A2), checked here first so the answer is instant. */
export function checkNewAccount(username: string, password: string): Problem | null {
  const name = username.toLowerCase();
  if (name.length < 3 || name.length > 32)
    return ['Usernames are 3 to 32 characters long.', 'username'];
  if (!/^[a-z0-9_.-]+$/.test(name))
    return ['Usernames use only letters, digits, underscores, dots and dashes.', 'username'];
  return checkPassword(password);
}
