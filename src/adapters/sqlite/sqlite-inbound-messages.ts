// The inbound messages (X12 files, CSV exports) on the embedded SQLite file, on the store's own
// connection: kept with FULL synchronous commits like the events they produced.
import type Database from 'better-sqlite3';
import type { InboundMessage, InboundMessageLink, InboundMessageStore, NewInboundMessage } from '../../ports/index.js';
import type { InboundLinkRow, InboundMessageRow } from '../shared/inbound-message-sql.js';
import { INBOUND_MESSAGE_TABLES, INBOUND_SQL, messageIdOf, messageSeqOf, toInboundLink, toInboundMessage } from '../shared/inbound-message-sql.js';

export const SQLITE_INBOUND_MESSAGE_TABLES = INBOUND_MESSAGE_TABLES.replaceAll('{id}', 'INTEGER PRIMARY KEY').replaceAll('{blob}', 'BLOB').replaceAll('{bigint}', 'INTEGER');

const bytes = (value: Uint8Array): Buffer => Buffer.from(value.buffer, value.byteOffset, value.byteLength);

export class SqliteInboundMessages implements InboundMessageStore {
  private readonly statements;

  /** `write` runs a write transaction with the store's retry on a busy database. */
  constructor(
    private readonly db: Database.Database,
    private readonly write: <T>(transaction: () => T) => Promise<T>,
  ) {
    this.statements = {
      insertMessage: db.prepare(INBOUND_SQL.insertMessage),
      messageSeq: db.prepare<[string, string], { seq: number }>(INBOUND_SQL.messageSeq),
      insertLink: db.prepare(INBOUND_SQL.insertLink),
      message: db.prepare<[number], InboundMessageRow>(INBOUND_SQL.message),
      links: db.prepare<[string, string], InboundLinkRow>(INBOUND_SQL.links),
    };
  }

  keepInbound(message: NewInboundMessage): Promise<string> {
    const keep = this.db.transaction(() => {
      const s = this.statements;
      s.insertMessage.run(message.channel, message.source, message.name ?? null, message.mediaType, message.receivedTime, message.sha256, bytes(message.raw));
      const seq = s.messageSeq.get(message.source, message.sha256)?.seq;
      if (seq === undefined) throw new Error('inbound message insert left no row');
      for (const part of message.parts) s.insertLink.run(part.source, part.id, seq, part.locator, bytes(part.excerpt));
      return messageIdOf(seq);
    });
    return this.write(() => keep.immediate());
  }

  inboundOf(events: readonly { readonly source: string; readonly id: string }[]): Promise<InboundMessageLink[]> {
    return Promise.resolve(events.flatMap((e) => this.statements.links.all(e.source, e.id).map(toInboundLink)));
  }

  inboundMessage(messageId: string): Promise<InboundMessage | undefined> {
    const seq = messageSeqOf(messageId);
    const row = seq === undefined ? undefined : this.statements.message.get(seq);
    return Promise.resolve(row === undefined ? undefined : toInboundMessage(row));
  }
}
