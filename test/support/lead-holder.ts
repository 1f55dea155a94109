// A hub process's PostgreSQL leads and nothing else, for tests that freeze the leader (SIGSTOP)
// or kill it. Opens the store at argv[2], takes the workflows' and the deliveries' leads, prepares
// a workflow step and an outbox scan under the terms it holds (as a leader does before it writes),
// prints `leading`, then answers one JSON line per command read on stdin:
//   status  -> {"workflows": bool, "deliveries": bool}  (tryLead of each, as the runners ask)
//   step    -> {"step": "committed" | "refused: ..."}   (the step prepared while it led)
//   scan    -> {"scan": bool}                            (the outbox scan prepared while it led)
//   record  -> {"record": "recorded" | "refused: ..."}   (the outcome of a send started while it led:
//              its delivery `audit-hook`/1, queued at start, `dead`)
import { createInterface } from 'node:readline';
import { PostgresStore } from '../../src/adapters/postgres/postgres-store.js';
import type { WorkflowStep } from '../../src/ports/index.js';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: lead-holder.ts STORE_URL');
const store = await PostgresStore.open({ url });
for (;;) {
  const [workflows, deliveries] = await Promise.all([store.tryLeadWorkflows(), store.deliveries.tryLeadDeliveries()]);
  if (workflows && deliveries) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
await store.deliveries.startDeliveryCursors(['erp-hook'], 0);
const cursor = await store.processedUpTo();
const lead = store.workflowLead?.();
const step: WorkflowStep = { from: cursor, upTo: cursor, derived: [], receivedTime: new Date().toISOString(), lines: [], exceptionEvents: [], links: [], ...(lead === undefined ? {} : { lead }) };
const scan = () => store.deliveries.enqueueDeliveries([], [{ subscription: 'erp-hook', from: 0, upTo: 1 }], new Date().toISOString());
// A send started while it led, whose outcome (failed for good) it records when told.
const [sent] = await store.deliveries.addReplays([{ subscription: 'audit-hook', sequence: 1, key: 'po-1', eventType: 'po.released', eventId: 'po-1' }], new Date().toISOString());
if (sent === undefined) throw new Error('the delivery was not queued');
const deliveryLead = store.deliveries.deliveryLead();
const outcome = { deliveryId: sent.deliveryId, status: 'dead' as const, attempts: 1, nextAttemptAt: new Date().toISOString(), lastError: 'HTTP 500', ...(deliveryLead === undefined ? {} : { lead: deliveryLead }) };
process.stdout.write('leading\n');

const answer = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'status') answer({ workflows: await store.tryLeadWorkflows(), deliveries: await store.deliveries.tryLeadDeliveries() });
  if (line === 'step') answer({ step: await store.commitWorkflowStep(step).then(() => 'committed', (error: unknown) => `refused: ${(error as Error).message}`) });
  if (line === 'scan') answer({ scan: await scan() });
  if (line === 'record') answer({ record: await store.deliveries.updateDelivery(outcome).then(() => 'recorded', (error: unknown) => `refused: ${(error as Error).message}`) });
}
await store.close();
