import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Api, uniqueName } from '../helpers/api.js';
import { startTestNode } from '../helpers/node.js';
import { runCli } from '../helpers/process.js';

/** The permission bits of `path`. */
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('security: files on disk [S12]', () => {
  const root = mkdtempSync(join(tmpdir(), 'parley-files-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('[S12][O5] the data directory, database, WAL, shared memory and backups are the owner’s alone', async () => {
    const dataDir = join(root, 'fresh', 'data');
    const db = join(dataDir, 'parley.db');
    const node = await startTestNode({ dataDir });
    try {
      await new Api(node.url).signup(uniqueName('files'));
      assert.equal(modeOf(dataDir).toString(8), '700');
      for (const file of [db, `${db}-wal`, `${db}-shm`]) {
        assert.equal(modeOf(file).toString(8), '600', file);
      }
      const out = join(root, 'snapshot.db');
      const backup = await runCli(['backup', '--data', dataDir, '--out', out]);
      assert.equal(backup.code, 0, backup.stderr);
      assert.equal(modeOf(out).toString(8), '600', 'parley backup output');
    } finally {
      await node.dispose();
    }
  });

  it('[S12] files an older node left readable by others are tightened at start', async () => {
    const dataDir = join(root, 'older');
    const db = join(dataDir, 'parley.db');
    const first = await startTestNode({ dataDir });
    await new Api(first.url).signup(uniqueName('files'));
    await first.dispose();
    chmodSync(db, 0o644);
    const second = await startTestNode({ dataDir });
    try {
      for (const file of [db, `${db}-wal`, `${db}-shm`]) {
        assert.equal(modeOf(file).toString(8), '600', file);
      }
    } finally {
      await second.dispose();
    }
  });
});
