// The inbound message tables and statements, shared by the SQLite and PostgreSQL adapters
// (`?` placeholders; the PostgreSQL adapter numbers them). Messages are keyed by source and
// SHA-256, so a byte-identical resend links to the message kept the first time.
import type { InboundMessage, InboundMessageLink } from '../../ports/index.js';

/** DDL; `{id}` is the dialect's auto-numbered key, `{blob}` its byte type, `{bigint}` its integer. */
export const INBOUND_MESSAGE_TABLES = `
CREATE TABLE IF NOT EXISTS inbound_messages (
  seq {id},
  channel TEXT NOT NULL,
  source TEXT NOT NULL,
  name TEXT,
  media_type TEXT NOT NULL,
  received_time TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  raw {blob} NOT NULL,
  UNIQUE (source, sha256)
);
CREATE TABLE IF NOT EXISTS inbound_message_events (
  event_source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  message_seq {bigint} NOT NULL,
  locator TEXT NOT NULL,
  excerpt {blob} NOT NULL,
  PRIMARY KEY (event_source, event_id, message_seq)
);
`;

export const INBOUND_SQL = {
  insertMessage:
    'INSERT INTO inbound_messages (channel, source, name, media_type, received_time, sha256, raw) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, sha256) DO NOTHING',
  messageSeq: 'SELECT seq FROM inbound_messages WHERE source = ? AND sha256 = ?',
  insertLink: 'INSERT INTO inbound_message_events (event_source, event_id, message_seq, locator, excerpt) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  message: 'SELECT seq, channel, source, name, media_type, received_time, sha256, raw FROM inbound_messages WHERE seq = ?',
  /** Links of one event, with their message's header (not its bytes). */
  links:
    'SELECT l.event_source, l.event_id, l.locator, l.excerpt, m.seq, m.channel, m.source, m.name, m.media_type, m.received_time, m.sha256, LENGTH(m.raw) AS bytes ' +
    'FROM inbound_message_events l JOIN inbound_messages m ON m.seq = l.message_seq WHERE l.event_source = ? AND l.event_id = ? ORDER BY m.seq',
} as const;

export interface InboundMessageRow {
  readonly seq: number | string;
  readonly channel: string;
  readonly source: string;
  readonly name: string | null;
  readonly media_type: string;
  readonly received_time: string;
  readonly sha256: string;
  readonly raw: Uint8Array;
}

export interface InboundLinkRow extends Omit<InboundMessageRow, 'raw'> {
  readonly event_source: string;
  readonly event_id: string;
  readonly locator: string;
  readonly excerpt: Uint8Array;
  readonly bytes: number | string;
}

/** `msg-<n>`: the id the API shows for message row n. */
export function messageIdOf(seq: number | string): string {
  return `msg-${seq}`;
}

/** The row number of a message id; undefined for anything else. */
export function messageSeqOf(messageId: string): number | undefined {
  const match = /^msg-(\d{1,15})$/.exec(messageId);
  return match === null ? undefined : Number(match[1]);
}

function header(row: Omit<InboundMessageRow, 'raw'>, bytes: number) {
  return {
    messageId: messageIdOf(row.seq),
    channel: row.channel,
    source: row.source,
    ...(row.name === null ? {} : { name: row.name }),
    mediaType: row.media_type,
    receivedTime: row.received_time,
    sha256: row.sha256,
    bytes,
  };
}

export function toInboundMessage(row: InboundMessageRow): InboundMessage {
  const raw = new Uint8Array(row.raw);
  return { ...header(row, raw.length), raw };
}

export function toInboundLink(row: InboundLinkRow): InboundMessageLink {
  return { ...header(row, Number(row.bytes)), eventSource: row.event_source, eventId: row.event_id, locator: row.locator, excerpt: new Uint8Array(row.excerpt) };
}
