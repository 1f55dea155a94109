// The MQTT session's subscribed filters (ports/mqtt-session-store.port.ts), the same SQL for
// SQLite and PostgreSQL: one row per client id, the filters as a JSON array.

export const MQTT_SESSION_TABLE = `
CREATE TABLE IF NOT EXISTS mqtt_session_filters (
  client_id TEXT PRIMARY KEY,
  filters TEXT NOT NULL
);
`;

/** Parameters: client id, filters (JSON). */
export const RECORD_SESSION_FILTERS = 'INSERT INTO mqtt_session_filters (client_id, filters) VALUES ({1}, {2}) ON CONFLICT (client_id) DO UPDATE SET filters = excluded.filters';

/** Parameter: client id. */
export const SESSION_FILTERS = 'SELECT filters FROM mqtt_session_filters WHERE client_id = {1}';

export function filtersOfRow(row: { filters: string } | undefined): readonly string[] | undefined {
  return row === undefined ? undefined : (JSON.parse(row.filters) as string[]);
}
