// Outbound X12 for a delivery channel: one call turns a po.released into the 850 a supplier's
// translator takes, with a control number from the partner's durable sequence.
import type { CloudEvent, Manifest, PartnerDeclaration, X12Identity } from '../core/index.js';
import { generate850, MillraceError } from '../core/index.js';
import type { Clock, X12ControlNumbers } from '../ports/index.js';

export interface Rendered850 {
  readonly text: string;
  /** ISA13 and GS06 of the interchange. */
  readonly controlNumber: number;
  /** Event fields with no place in the 850 (see docs/x12.md). */
  readonly dropped: readonly string[];
}

/**
 * The 850 for `event` to `partner`. Throws invalid_request when the partner or the hub has no
 * X12 id in the manifest. Each call takes a new control number, so a redelivery of the same
 * event is a new interchange carrying the same PO (the partner dedupes on BEG03, as with any
 * 850 resent by a buyer).
 */
export async function render850(
  event: CloudEvent,
  partner: PartnerDeclaration,
  manifest: Pick<Manifest, 'hub'>,
  deps: { readonly controlNumbers: X12ControlNumbers; readonly clock: Clock },
  options: { readonly version?: '004010' | '005010'; readonly usage?: 'P' | 'T' } = {},
): Promise<Rendered850> {
  const hub: X12Identity | undefined = manifest.hub.x12;
  if (partner.x12 === undefined) throw new MillraceError('invalid_request', `partner ${partner.id} has no x12 id in the manifest`);
  if (hub === undefined) throw new MillraceError('invalid_request', 'the manifest gives the hub no x12 id (hub.x12: { qualifier, id })');
  const controlNumber = await deps.controlNumbers.allocateControlNumbers(`partner:${partner.id}`);
  const generated = generate850({ event, hub, partner: partner.x12, controlNumber, now: deps.clock.now().toISOString(), ...options });
  return { text: generated.text, controlNumber, dropped: generated.dropped };
}
