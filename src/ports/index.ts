// Public surface of the ports layer: interfaces only.
export type { Clock } from './clock.port.js';
export type { CredentialRecord, CredentialStore } from './credential-store.port.js';
export type { AppendedEvent, BatchOutcome, EventConflict, EventStore } from './event-store.port.js';
export type { Authenticator } from './authenticator.port.js';
export { REBUILDING_CURSOR } from './workflow-store.port.js';
export type { ExceptionFilter, GroupStore, LineFilter, Page, PlantStateFilter, WorkflowStep, WorkflowStore } from './workflow-store.port.js';
export type { CursorAdvance, DeliveryFilter, DeliveryRecord, DeliveryStore, DeliveryUpdate, NewDelivery, RetrySelection, SubscriptionPosition } from './delivery-store.port.js';
export type { DeliveryAttempt, DeliveryChannel } from './delivery-channel.port.js';
export type { X12ControlNumbers } from './x12-control-numbers.port.js';
export type { PublisherMark, PublisherSequenceStore } from './publisher-sequence-store.port.js';
export type { StreamReadMark, StreamReadPositionStore } from './stream-read-position-store.port.js';
export type { MqttSessionStore } from './mqtt-session-store.port.js';
export type { Lead } from './lead.port.js';
export type { InboundMessage, InboundMessageHeader, InboundMessageLink, InboundMessagePart, InboundMessageStore, NewInboundMessage } from './inbound-message-store.port.js';
export type { EventLogger, SpanAttributes, SpanHandle, SpanOptions, TraceContext, Tracer } from './tracer.port.js';
export type { CsvReader, CsvReadResult } from './csv-reader.port.js';
export type {
  NewQuarantineEntry,
  QuarantineAttempt,
  QuarantineEntry,
  QuarantineFilter,
  QuarantineOptions,
  QuarantineProblem,
  QuarantineReason,
  QuarantineStatus,
  QuarantineStore,
} from './quarantine-store.port.js';
