import { randomBytes } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { ulid } from '../domain/ids.js';
import type { User } from '../domain/model.js';
import type { InviteRecord, InviteView, Store } from '../ports/store.js';
import type { AccountService } from './accounts.js';
import { hashToken } from './accounts.js';
import { AuditLog } from './audit.js';
import type { ServiceDeps } from './deps.js';
import { RateLimiter } from './rate-limiter.js';

/** Who may register (rule RG1). */
export type RegistrationMode = 'open' | 'invite' | 'closed';

/** The registration settings (rule RG1). */
export interface RegistrationSettings {
  mode: RegistrationMode;
  membersCanInvite: boolean;
}

/** An invite as the API shows it. */
export interface Invite {
  id: string;
  createdBy: { userId: string; username: string };
  createdAt: number;
  expiresAt: number;
  maxUses: number;
  uses: number;
  revokedAt: number | null;
}

/** Bounds of an invite (rule RG3). */
export const INVITE_HOURS = { min: 1, max: 720, default: 168 } as const;
export const INVITE_USES = { min: 1, max: 1000, default: 1 } as const;
/** How many invites a list answers (the newest). */
export const INVITE_LIST_MAX = 500;
/** Invites one user may create per hour (rule RG3), admins included. */
export const INVITES_PER_HOUR = 50;

const MODE = 'registration';
const MEMBERS_CAN_INVITE = 'members_can_invite';
const MODES: ReadonlySet<string> = new Set(['open', 'invite', 'closed']);

/** What RegistrationService uses. */
export type RegistrationDeps = Pick<ServiceDeps, 'log' | 'now'> & {
  store: Store;
  /** The mode set by --registration: when given it wins over the stored one (rule RG2). */
  forcedMode: RegistrationMode | null;
};

/** Registration modes and invites (rules RG1-RG5). */
export class RegistrationService {
  readonly #deps: RegistrationDeps;
  readonly #accounts: AccountService;
  readonly #audit: AuditLog;
  readonly #creations: RateLimiter;

  constructor(deps: RegistrationDeps, accounts: AccountService) {
    this.#deps = deps;
    this.#accounts = accounts;
    this.#audit = new AuditLog({ now: deps.now });
    this.#creations = new RateLimiter({ count: INVITES_PER_HOUR, perMs: 3_600_000, now: deps.now });
  }

  /** The mode in force and whether members may create invites. */
  async settings(): Promise<RegistrationSettings> {
    const { store, forcedMode } = this.#deps;
    const stored = await store.getServerSetting(MODE);
    const mode = forcedMode ?? (stored !== null && MODES.has(stored) ? stored : 'open');
    return {
      mode: mode as RegistrationMode,
      membersCanInvite: (await store.getServerSetting(MEMBERS_CAN_INVITE)) === 'true',
    };
  }

  /** An admin changes the settings (audited as registration.changed when something changed). */
  async update(me: User, patch: Partial<RegistrationSettings>): Promise<RegistrationSettings> {
    await this.#requireAdmin(me);
    const before = await this.settings();
    if (patch.mode !== undefined && patch.mode !== before.mode && this.#deps.forcedMode !== null)
      throw new AppError('conflict', 'the registration mode is set by the --registration flag', {
        details: { mode: this.#deps.forcedMode },
      });
    const now = this.#deps.now();
    const changed: Record<string, unknown> = {};
    await this.#deps.store.transaction(async (tx) => {
      if (patch.mode !== undefined && patch.mode !== before.mode) {
        await tx.setServerSetting(MODE, patch.mode, now, me.id);
        changed.mode = patch.mode;
        changed.previousMode = before.mode;
      }
      if (
        patch.membersCanInvite !== undefined &&
        patch.membersCanInvite !== before.membersCanInvite
      ) {
        await tx.setServerSetting(MEMBERS_CAN_INVITE, String(patch.membersCanInvite), now, me.id);
        changed.membersCanInvite = patch.membersCanInvite;
      }
      if (Object.keys(changed).length > 0)
        await this.#audit.record(tx, {
          actorId: me.id,
          action: 'registration.changed',
          data: changed,
        });
    });
    return this.settings();
  }

  /**
   * Registers an account as the mode allows (rule RG2): closed → registration_closed; invite
   * → a usable code is required, and its use is taken in one conditional update before the
   * account is created (given back if the account cannot be).
   */
  async register(username: string, password: string, code: string | undefined): Promise<User> {
    const { mode } = await this.settings();
    if (mode === 'closed') throw new AppError('registration_closed');
    if (mode === 'open') return this.#accounts.register(username, password);
    if (code === undefined || code === '')
      throw new AppError('registration_closed', 'registration needs an invite');
    const codeHash = hashToken(code);
    const invite = await this.#deps.store.takeInviteUse(codeHash, this.#deps.now());
    if (!invite) throw new AppError('invite_invalid');
    try {
      const user = await this.#accounts.register(username, password);
      this.#deps.log.info(
        { event: 'invite.used', inviteId: invite.id, userId: user.id },
        'registered with an invite',
      );
      return user;
    } catch (err) {
      await this.#deps.store.releaseInviteUse(invite.id);
      throw err;
    }
  }

  /** Creates an invite (admins; members when membersCanInvite); the code is answered only here. */
  async createInvite(
    me: User,
    options: { expiresInHours?: number | undefined; maxUses?: number | undefined },
  ): Promise<{ invite: Invite; code: string }> {
    if (!(await this.#isAdmin(me.id)) && !(await this.settings()).membersCanInvite)
      throw new AppError('forbidden', 'only admins may create invites');
    if (!this.#creations.take(me.id))
      throw new AppError('rate_limited', `at most ${INVITES_PER_HOUR} invites an hour`);
    const now = this.#deps.now();
    const code = randomBytes(16).toString('base64url');
    const record: InviteRecord = {
      id: ulid(),
      codeHash: hashToken(code),
      createdBy: me.id,
      createdAt: now,
      expiresAt: now + (options.expiresInHours ?? INVITE_HOURS.default) * 3_600_000,
      maxUses: options.maxUses ?? INVITE_USES.default,
      uses: 0,
      revokedAt: null,
    };
    await this.#deps.store.transaction(async (tx) => {
      await tx.createInvite(record);
      await this.#audit.record(tx, {
        actorId: me.id,
        action: 'invite.created',
        data: { inviteId: record.id, expiresAt: record.expiresAt, maxUses: record.maxUses },
      });
    });
    const { codeHash: _, ...rest } = record;
    return { invite: present({ ...rest, createdByUsername: me.username }), code };
  }

  /** Admins see every invite, members their own; newest first. */
  async listInvites(me: User): Promise<Invite[]> {
    const admin = await this.#isAdmin(me.id);
    const rows = await this.#deps.store.listInvites({
      createdBy: admin ? null : me.id,
      limit: INVITE_LIST_MAX,
    });
    return rows.map(present);
  }

  /** Revokes an invite (its creator or an admin); revoking a revoked one is a no-op. */
  async revokeInvite(me: User, id: string): Promise<Invite> {
    const invite = await this.#deps.store.getInvite(id);
    const admin = await this.#isAdmin(me.id);
    // Someone else's invite is as unknown to a member as a missing one.
    if (!invite || (!admin && invite.createdBy !== me.id))
      throw new AppError('not_found', 'invite not found');
    const now = this.#deps.now();
    await this.#deps.store.transaction(async (tx) => {
      if (await tx.revokeInvite(id, now))
        await this.#audit.record(tx, {
          actorId: me.id,
          action: 'invite.revoked',
          data: { inviteId: id },
        });
    });
    return present({ ...invite, revokedAt: invite.revokedAt ?? now });
  }

  /** Whether a code can be used now; `invite_invalid` otherwise. */
  async checkInvite(code: string): Promise<{ expiresAt: number }> {
    const invite = await this.#deps.store.findUsableInvite(hashToken(code), this.#deps.now());
    if (!invite) throw new AppError('invite_invalid');
    return { expiresAt: invite.expiresAt };
  }

  async #isAdmin(userId: string): Promise<boolean> {
    return (await this.#deps.store.getAccountStatus(userId))?.admin === true;
  }

  async #requireAdmin(me: User): Promise<void> {
    if (!(await this.#isAdmin(me.id))) throw new AppError('forbidden', 'server admins only');
  }
}

function present(v: InviteView): Invite {
  return {
    id: v.id,
    createdBy: { userId: v.createdBy, username: v.createdByUsername },
    createdAt: v.createdAt,
    expiresAt: v.expiresAt,
    maxUses: v.maxUses,
    uses: v.uses,
    revokedAt: v.revokedAt,
  };
}
