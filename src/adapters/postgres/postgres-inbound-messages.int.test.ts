import { describeInboundMessageStore } from '../../../test/conformance/inbound-message-store.conformance.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import { PostgresStore } from './postgres-store.js';

describeInboundMessageStore('PostgreSQL', async (t) => {
  if (!(await needPostgres(t))) return undefined;
  const schema = uniqueSchema('mr_inb');
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  const store = await PostgresStore.open({ url: url.toString() });
  return {
    store: store.inboundMessages,
    cleanup: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
});
