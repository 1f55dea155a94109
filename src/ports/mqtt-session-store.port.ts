// The topic filters the hub's MQTT session was last subscribed to, kept in the store: the broker
// keeps a persistent session's subscriptions and has no way to list them, so a topic removed
// from the manifest stayed subscribed (ADR 0063). Adapters: SQLite, PostgreSQL.

/**
 * Promises:
 * - `recordSessionFilters` is one durable transaction; it replaces the client id's filters.
 * - `sessionFilters` reads back the last filters recorded for the client id, in the order given;
 *   undefined when none were ever recorded (a session subscribed before the hub kept them).
 * Leaves out: talking to the broker (src/adapters/mqtt/mqtt-subscriber.ts).
 */
export interface MqttSessionStore {
  sessionFilters(clientId: string): Promise<readonly string[] | undefined>;
  recordSessionFilters(clientId: string, filters: readonly string[]): Promise<void>;
}
