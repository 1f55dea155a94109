// The inbound messages (X12 files, CSV exports) on PostgreSQL: any hub process of the database
// keeps and reads them.
import type pg from 'pg';
import type { InboundMessage, InboundMessageLink, InboundMessageStore, NewInboundMessage } from '../../ports/index.js';
import type { InboundLinkRow, InboundMessageRow } from '../shared/inbound-message-sql.js';
import { INBOUND_MESSAGE_TABLES, INBOUND_SQL, messageIdOf, messageSeqOf, toInboundLink, toInboundMessage } from '../shared/inbound-message-sql.js';
import { numbered } from './postgres-quarantine.js';

export const POSTGRES_INBOUND_MESSAGE_TABLES = INBOUND_MESSAGE_TABLES.replaceAll('{id}', 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY').replaceAll('{blob}', 'BYTEA').replaceAll('{bigint}', 'BIGINT');

export class PostgresInboundMessages implements InboundMessageStore {
  constructor(private readonly pool: pg.Pool) {}

  async keepInbound(message: NewInboundMessage): Promise<string> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(numbered(INBOUND_SQL.insertMessage), [message.channel, message.source, message.name ?? null, message.mediaType, message.receivedTime, message.sha256, Buffer.from(message.raw)]);
      const seq = (await client.query<{ seq: string }>(numbered(INBOUND_SQL.messageSeq), [message.source, message.sha256])).rows[0]?.seq;
      if (seq === undefined) throw new Error('inbound message insert left no row');
      for (const part of message.parts) await client.query(numbered(INBOUND_SQL.insertLink), [part.source, part.id, seq, part.locator, Buffer.from(part.excerpt)]);
      await client.query('COMMIT');
      return messageIdOf(seq);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async inboundOf(events: readonly { readonly source: string; readonly id: string }[]): Promise<InboundMessageLink[]> {
    const links: InboundMessageLink[] = [];
    for (const event of events) links.push(...(await this.pool.query<InboundLinkRow>(numbered(INBOUND_SQL.links), [event.source, event.id])).rows.map(toInboundLink));
    return links;
  }

  async inboundMessage(messageId: string): Promise<InboundMessage | undefined> {
    const seq = messageSeqOf(messageId);
    if (seq === undefined) return undefined;
    const row = (await this.pool.query<InboundMessageRow>(numbered(INBOUND_SQL.message), [seq])).rows[0];
    return row === undefined ? undefined : toInboundMessage(row);
  }
}

