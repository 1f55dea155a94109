import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeQuarantineStore } from '../../../test/conformance/quarantine-store.conformance.js';
import { SqliteStore } from './sqlite-store.js';

describeQuarantineStore('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-quarantine-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  return Promise.resolve({
    store: store.quarantines,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});
