import type {
  CreatedInviteDto,
  InviteDto,
  IssuedResetDto,
  RegistrationDto,
  RegistrationMode,
  RegistrationSettingsDto,
} from '../protocol/registration-schemas.js';
import type { RestApi } from './rest.js';

export type {
  CreatedInviteDto,
  InviteDto,
  IssuedResetDto,
  RegistrationDto,
  RegistrationMode,
  RegistrationSettingsDto,
} from '../protocol/registration-schemas.js';

/** Registration modes, invites and passwords (rules RG1-RG9), over a node's RestApi. */
export class RegistrationApi {
  readonly #api: RestApi;

  constructor(api: RestApi) {
    this.#api = api;
  }

  /** The registration mode (and membersCanInvite when logged in). No login needed. */
  settings(): Promise<RegistrationDto> {
    return this.#api.request('GET', '/api/v1/auth/registration');
  }

  /** Server admins: changes the mode or whether members may create invites. */
  update(patch: {
    mode?: RegistrationMode;
    membersCanInvite?: boolean;
  }): Promise<RegistrationSettingsDto> {
    return this.#api.request('PUT', '/api/v1/admin/registration', patch);
  }

  /** Creates an invite; its code and link are shown only in this answer. */
  createInvite(
    options: { expiresInHours?: number; maxUses?: number } = {},
  ): Promise<{ invite: CreatedInviteDto }> {
    return this.#api.request('POST', '/api/v1/invites', options);
  }

  /** Every invite for admins, one's own for members; newest first. */
  invites(): Promise<{ invites: InviteDto[] }> {
    return this.#api.request('GET', '/api/v1/invites');
  }

  revokeInvite(id: string): Promise<{ invite: InviteDto }> {
    return this.#api.request('DELETE', `/api/v1/invites/${encodeURIComponent(id)}`);
  }

  /** Whether a code can be used now; rejects with invite_invalid otherwise. No login needed. */
  checkInvite(code: string): Promise<{ valid: true; expiresAt: number }> {
    return this.#api.request('GET', `/api/v1/invites/check?code=${encodeURIComponent(code)}`);
  }

  /** Changes the password; the user's other sessions end, this one stays. */
  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.#api.request('POST', '/api/v1/me/password', { currentPassword, newPassword });
  }

  /** Server admins: a one-time reset link for a user (mailed too with `send`, if SMTP is set up). */
  issueReset(userId: string, send = false): Promise<IssuedResetDto> {
    return this.#api.request(
      'POST',
      `/api/v1/admin/users/${encodeURIComponent(userId)}/password-reset`,
      { send },
    );
  }

  /** Sets a new password with the token of a reset link. No login needed. */
  resetPassword(token: string, password: string): Promise<void> {
    return this.#api.request('POST', '/api/v1/auth/password-reset', { token, password });
  }

  /** Asks for a reset link by mail; answers alike whether or not one is sent. */
  forgot(username: string): Promise<void> {
    return this.#api.request('POST', '/api/v1/auth/forgot', { username });
  }
}
