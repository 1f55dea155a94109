// Completeness of a message stream: each publisher numbers its messages; a number skipped is a
// message the hub never got (a gap), a number that goes back with a new message is a publisher
// restart (a reset). Redeliveries (a number seen before, the same message) are neither. Pure:
// the position it is judged against is kept in the store (ports/publisher-sequence-store).

/** Where one publisher of one topic mapping stands, as last recorded. */
export interface PublisherPosition {
  /** The last number accepted. */
  readonly last: number;
  /**
   * The highest log sequence among the events its recorded messages became (0 when none went to
   * the log): a duplicate above it was committed but never recorded.
   */
  readonly logSequence: number;
  /** Restarts of the publisher recorded so far (each reset starts a new epoch). */
  readonly epoch: number;
}

/** What became of the message being judged. */
export type MessageStanding =
  /** Committed now, new to the log, at this log sequence. */
  | { readonly kind: 'new'; readonly logSequence: number }
  /** The log held it already (the door answered a duplicate), at this log sequence. */
  | { readonly kind: 'in_log'; readonly logSequence: number }
  /** Kept in the quarantine (the quarantine has no dedupe: it cannot tell a redelivery). */
  | { readonly kind: 'quarantined' };

export type SequenceVerdict =
  | { readonly kind: 'first' | 'next' | 'repeat' }
  | { readonly kind: 'gap'; readonly missingFrom: number; readonly missingTo: number }
  | { readonly kind: 'reset'; readonly previous: number };

/**
 * The verdict on message `number` of a publisher standing at `position` (undefined: never heard
 * of). A number at or below the last one is a repeat when it is the same message again: one the
 * log held before the position was recorded (its log sequence is not above the recorded one),
 * or a quarantined message carrying exactly the last number (the message in flight when the hub
 * stopped). A duplicate committed above the recorded position is the message whose record a
 * crash cut off: it is judged as a new one would be, so its verdict is not lost. Anything else
 * going back is a restart of the publisher.
 */
export function judgeSequence(position: PublisherPosition | undefined, number: number, standing: MessageStanding): SequenceVerdict {
  if (position === undefined) return { kind: 'first' };
  const { last } = position;
  if (number === last + 1) return { kind: 'next' };
  if (number > last + 1) return { kind: 'gap', missingFrom: last + 1, missingTo: number - 1 };
  if (standing.kind === 'in_log' && standing.logSequence <= position.logSequence) return { kind: 'repeat' };
  if (standing.kind === 'quarantined' && number === last) return { kind: 'repeat' };
  return { kind: 'reset', previous: last };
}

/** The position after a message with this verdict (a repeat leaves it as it was). */
export function advancePosition(position: PublisherPosition | undefined, number: number, verdict: SequenceVerdict, standing: MessageStanding): PublisherPosition | undefined {
  if (verdict.kind === 'repeat') return position;
  const epoch = (position?.epoch ?? 0) + (verdict.kind === 'reset' ? 1 : 0);
  const recorded = position?.logSequence ?? 0;
  const logSequence = standing.kind === 'quarantined' ? recorded : Math.max(recorded, standing.logSequence);
  return { last: number, logSequence, epoch };
}
