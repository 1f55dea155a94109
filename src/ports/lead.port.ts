// A task that one hub process at a time may do among the hubs sharing a store (reading a NATS
// durable consumer, for one). Adapters: a PostgreSQL lease with a term (lease-lead.ts: the
// workflows' and deliveries' leads, ADR 0062, and the NATS and MQTT leads, ADR 0072); a SQLite
// file has one hub (ADR 0035), which needs none. (A session advisory lock was the other adapter
// until ADR 0072 made every lead a lease: a frozen holder kept it.)

/**
 * Promises:
 * - `tryLead` resolves true while this process holds the lead, taking it when no other process
 *   holds it; it never rejects (a store that cannot be asked is false). The lead is kept until
 *   `release`, or until the process or its connection to the store ends (or, for a lease, until
 *   it runs out unrenewed: a frozen process): then another process can take it at its next try.
 *   Call again to keep checking: true means held at that moment.
 * - `release` gives the lead up; a later `tryLead` may take it again.
 * Leaves out: how often to try (the caller's), and fencing: a holder whose connection ended
 * learns it only at its next `tryLead`, so the task must be one where a short overlap is safe,
 * or its writes must check the lead themselves (the lease's term: ADR 0062).
 */
export interface Lead {
  tryLead(): Promise<boolean>;
  release(): Promise<void>;
}
