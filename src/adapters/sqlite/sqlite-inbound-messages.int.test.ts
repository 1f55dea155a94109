import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeInboundMessageStore } from '../../../test/conformance/inbound-message-store.conformance.js';
import { SqliteStore } from './sqlite-store.js';

describeInboundMessageStore('SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-inbound-'));
  const store = new SqliteStore(join(dir, 'hub.db'));
  return Promise.resolve({
    store: store.inboundMessages,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
});
