import { describe } from 'node:test';
import { alphabetContract } from './store/alphabet.contract.js';
import { conversationsContract } from './store/conversations.contract.js';
import type { OpenStore } from './store/fixture.js';
import { filesContract } from './store/files.contract.js';
import { invitesContract } from './store/invites.contract.js';
import { leasesContract } from './store/leases.contract.js';
import { membersContract } from './store/members.contract.js';
import { plainSendContract } from './store/plain-send.contract.js';
import { profilesContract } from './store/profiles.contract.js';
import { pushContract } from './store/push.contract.js';
import { reactionsContract } from './store/reactions.contract.js';
import { registryContract } from './store/registry.contract.js';
import { searchContract } from './store/search.contract.js';
import { sessionsContract } from './store/sessions.contract.js';
import { settingsContract } from './store/settings.contract.js';
import { timelineContract } from './store/timeline.contract.js';
import { transactionsContract } from './store/transactions.contract.js';
import { usersContract } from './store/users.contract.js';

export type { OpenStore, StoreHarness } from './store/fixture.js';

/**
 * The Store contract (STYLE principle 2), one file per aggregate of the port in
 * `test/contract/store/`: every Store adapter registers all of it with one call, e.g.
 * `storeContract('sqlite', open)`. Each describe block gets its own store from `open`; tests
 * inside a block share it and create their own users and conversations. Usernames and LIKE
 * patterns reach the store already lowercased (the services normalise them, rule A1), so case
 * handling is not part of this contract.
 */
export function storeContract(name: string, open: OpenStore): void {
  describe(`Store contract: ${name}`, () => {
    usersContract(open);
    sessionsContract(open);
    conversationsContract(open);
    membersContract(open);
    timelineContract(open);
    plainSendContract(open);
    reactionsContract(open);
    searchContract(open);
    filesContract(open);
    settingsContract(open);
    pushContract(open);
    invitesContract(open);
    profilesContract(open);
    transactionsContract(open);
    registryContract(open);
    leasesContract(open);
    alphabetContract(open);
  });
}
