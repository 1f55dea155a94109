// The inbound messages as they came: an X12 interchange file or a CSV export, kept at intake
// with a link from each event it produced to its part of the file (a transaction set, a run of
// rows), so a workflow's lineage shows what the partner actually sent. The events themselves
// stay as they are: their bodies are what idempotency compares.

/** One event a message produced, and where in the message it came from. */
export interface InboundMessagePart {
  readonly source: string;
  readonly id: string;
  /** Where in the file: `ISA13 000000101 GS06 101 ST02 0001 (855)`, `lines 2-3`. */
  readonly locator: string;
  /** That part's bytes as sent: the set ST..SE, or the CSV header and the rows. */
  readonly excerpt: Uint8Array;
}

export interface NewInboundMessage {
  readonly channel: 'x12' | 'csv';
  /** The sender (`/partners/<id>`, `/systems/<id>`). */
  readonly source: string;
  readonly receivedTime: string;
  /** The file name, when the channel has one. */
  readonly name?: string;
  readonly mediaType: string;
  /** Hex SHA-256 of `raw`: a byte-identical resend from the same source is the same message. */
  readonly sha256: string;
  readonly raw: Uint8Array;
  readonly parts: readonly InboundMessagePart[];
}

/** A message as the lineage shows it, without its bytes. */
export interface InboundMessageHeader {
  readonly messageId: string;
  readonly channel: string;
  readonly source: string;
  readonly name?: string;
  readonly mediaType: string;
  /** When it was first received. */
  readonly receivedTime: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** The link from an event to the part of a message it came from. */
export interface InboundMessageLink extends InboundMessageHeader {
  readonly eventSource: string;
  readonly eventId: string;
  readonly locator: string;
  readonly excerpt: Uint8Array;
}

export type InboundMessage = InboundMessageHeader & { readonly raw: Uint8Array };

/**
 * Promises:
 * - `keepInbound` stores the message and its links in one durable transaction and resolves
 *   with its id; a message already kept (same source and SHA-256) keeps its id and first
 *   receipt time and gains the links it did not have.
 * - `inboundOf` gives every link of the given events (an event resent in another file has two).
 * Leaves out: who may read a message (the use case checks the viewer).
 */
export interface InboundMessageStore {
  keepInbound(message: NewInboundMessage): Promise<string>;
  inboundOf(events: readonly { readonly source: string; readonly id: string }[]): Promise<InboundMessageLink[]>;
  inboundMessage(messageId: string): Promise<InboundMessage | undefined>;
}
