/**
 * Group roles: who may do what in a group (rules C4-C9), and who inherits a group its owner
 * leaves. Pure and browser-safe (type imports only): the services enforce these rules and the
 * web UI shows only the controls they allow, from this one module.
 */
import type { Role } from './model.js';

/** An action on a group that depends only on the actor's role. */
export type GroupAction = 'rename' | 'addMember' | 'removeMembers' | 'changeRoles' | 'delete';

const MANAGERS: readonly Role[] = ['owner', 'admin'];
const OWNER: readonly Role[] = ['owner'];

/** Which roles may take each action (C4 rename, C5 delete, C6 add, C7 remove, C8 roles). */
const ALLOWED: Readonly<Record<GroupAction, readonly Role[]>> = {
  rename: MANAGERS,
  addMember: MANAGERS,
  removeMembers: MANAGERS,
  changeRoles: OWNER,
  delete: OWNER,
};

/** A member as these rules see it. */
export interface RoleHolder {
  userId: string;
  role: Role;
}

/** True if a member with `role` may take `action` on the group. */
export function can(role: Role, action: GroupAction): boolean {
  return ALLOWED[action].includes(role);
}

/** True for the roles that manage a group: rename it, add and remove members (C4, C6, C7). */
export function canManage(role: Role): boolean {
  return can(role, 'rename');
}

/**
 * True if `actor` may remove `target` (C7): the owner removes anyone else, an admin plain
 * members only, so nobody removes the owner (a group has one). Removing yourself is leaving.
 */
export function canRemove(actor: RoleHolder, target: RoleHolder): boolean {
  if (actor.userId === target.userId || !can(actor.role, 'removeMembers')) return false;
  return actor.role === 'owner' || target.role === 'member';
}

/**
 * True if `actor` may change `target`'s role (C8): only the owner, and not their own (an owner
 * steps down by making someone else owner).
 */
export function canChangeRole(actor: RoleHolder, target: RoleHolder): boolean {
  return can(actor.role, 'changeRoles') && actor.userId !== target.userId;
}

/** The role a previous owner holds after making someone else owner (C8). */
export const ROLE_AFTER_TRANSFER: Role = 'admin';

/**
 * Who becomes owner when the owner leaves (C9, A6): the longest-standing admin, else the
 * longest-standing member. `remaining` are the members who stay, longest-standing first.
 */
export function heirOf<M extends { role: Role }>(remaining: readonly M[]): M | undefined {
  return remaining.find((m) => m.role === 'admin') ?? remaining[0];
}
