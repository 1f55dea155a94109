import { describeQuarantineStore } from '../../../test/conformance/quarantine-store.conformance.js';
import { dropSchema, needPostgres, POSTGRES_URL, uniqueSchema } from '../../../test/support/services.js';
import { PostgresStore } from './postgres-store.js';

describeQuarantineStore('PostgreSQL', async (t) => {
  if (!(await needPostgres(t))) return undefined;
  const schema = uniqueSchema('mr_quar');
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  const store = await PostgresStore.open({ url: url.toString() });
  return {
    store: store.quarantines,
    cleanup: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
});
