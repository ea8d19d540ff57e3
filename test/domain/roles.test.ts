import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Role } from '../../src/domain/model.js';
import {
  can,
  canChangeRole,
  canManage,
  canRemove,
  heirOf,
  ROLE_AFTER_TRANSFER,
  type GroupAction,
  type RoleHolder,
} from '../../src/domain/roles.js';

const ROLES: Role[] = ['owner', 'admin', 'member'];
const owner: RoleHolder = { userId: 'u-owner', role: 'owner' };
const admin: RoleHolder = { userId: 'u-admin', role: 'admin' };
const admin2: RoleHolder = { userId: 'u-admin2', role: 'admin' };
const member: RoleHolder = { userId: 'u-member', role: 'member' };
const member2: RoleHolder = { userId: 'u-member2', role: 'member' };

/** The roles allowed `action`, in ROLES order. */
const allowed = (action: GroupAction) => ROLES.filter((role) => can(role, action));

describe('group roles (domain/roles.ts)', () => {
  it('[C4][C6] owners and admins manage (rename, add), plain members do not', () => {
    assert.deepEqual(
      ROLES.filter((role) => canManage(role)),
      ['owner', 'admin'],
    );
    assert.deepEqual(allowed('rename'), ['owner', 'admin']);
    assert.deepEqual(allowed('addMember'), ['owner', 'admin']);
    assert.deepEqual(allowed('removeMembers'), ['owner', 'admin']);
  });

  it('[C5][C8] only the owner deletes the group or changes roles', () => {
    assert.deepEqual(allowed('delete'), ['owner']);
    assert.deepEqual(allowed('changeRoles'), ['owner']);
  });

  it('[C7] the owner removes admins and members', () => {
    assert.equal(canRemove(owner, admin), true);
    assert.equal(canRemove(owner, member), true);
  });

  it('[C7] an admin removes plain members only', () => {
    assert.equal(canRemove(admin, member), true);
    assert.equal(canRemove(admin, admin2), false);
    assert.equal(canRemove(admin, owner), false);
  });

  it('[C7] a plain member removes nobody', () => {
    assert.equal(canRemove(member, member2), false);
    assert.equal(canRemove(member, admin), false);
    assert.equal(canRemove(member, owner), false);
  });

  it('[C7] nobody removes the owner, and removing yourself is leaving, not a removal', () => {
    for (const actor of [owner, admin, member]) assert.equal(canRemove(actor, owner), false);
    for (const actor of [owner, admin, member]) assert.equal(canRemove(actor, actor), false);
  });

  it("[C8] the owner changes anyone's role but their own", () => {
    assert.equal(canChangeRole(owner, admin), true);
    assert.equal(canChangeRole(owner, member), true);
    assert.equal(canChangeRole(owner, owner), false);
  });

  it("[C8] admins and members change no one's role", () => {
    for (const actor of [admin, member]) {
      for (const target of [owner, admin2, member2])
        assert.equal(canChangeRole(actor, target), false);
    }
    assert.equal(canChangeRole(admin, admin), false);
  });

  it('[C8] a previous owner becomes an admin after a transfer', () => {
    assert.equal(ROLE_AFTER_TRANSFER, 'admin');
  });

  it('[C9] the heir is the longest-standing admin, ahead of longer-standing members', () => {
    const remaining = [
      { userId: 'm1', role: 'member' as const },
      { userId: 'a1', role: 'admin' as const },
      { userId: 'm2', role: 'member' as const },
      { userId: 'a2', role: 'admin' as const },
    ];
    assert.equal(heirOf(remaining)?.userId, 'a1');
  });

  it('[C9] without admins the heir is the longest-standing member; nobody left, no heir', () => {
    const remaining = [
      { userId: 'm1', role: 'member' as const },
      { userId: 'm2', role: 'member' as const },
    ];
    assert.equal(heirOf(remaining)?.userId, 'm1');
    assert.equal(heirOf([]), undefined);
  });
});
