// Completeness of a message stream: each publisher numbers its messages; a number skipped is a
// message the hub never got (a gap), a number that goes back is a publisher restart (a reset).
// Redeliveries (a number seen before with the same event) are neither. Pure and per process.

export type SequenceVerdict =
  | { readonly kind: 'first' | 'next' | 'repeat' }
  | { readonly kind: 'gap'; readonly missingFrom: number; readonly missingTo: number }
  | { readonly kind: 'reset'; readonly previous: number };

export class SequenceCheck {
  private readonly last = new Map<string, number>();

  /** The verdict on message `number` of `publisher` (of one source); `known` says the hub already holds the event. */
  observe(publisher: string, number: number, known = false): SequenceVerdict {
    const last = this.last.get(publisher);
    if (last === undefined) {
      this.last.set(publisher, number);
      return { kind: 'first' };
    }
    if (number === last + 1) {
      this.last.set(publisher, number);
      return { kind: 'next' };
    }
    if (number > last + 1) {
      this.last.set(publisher, number);
      return { kind: 'gap', missingFrom: last + 1, missingTo: number - 1 };
    }
    // Back to an earlier number: a redelivery of a message the hub holds, or the publisher
    // started counting again (a PLC restart) with a new message.
    if (known) return { kind: 'repeat' };
    this.last.set(publisher, number);
    return { kind: 'reset', previous: last };
  }
}
