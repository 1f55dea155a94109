// Three-way match of one invoice line against its PO line and what was received
// (DESIGN.md section 3): supplier, currency, unit of measure, price within tolerance, and
// cumulative invoiced quantity against ordered and received; and the same checks for a credit
// memo, which may take back no more than the line has matched.
import type { Dec } from '../money.js';
import { dec, settleQuantity, ZERO } from '../money.js';
import type { P2PPolicy } from './p2p-policy.js';
import type { CreditRecord, InvoiceRecord, PoLineTerms } from './p2p-state.js';

export type MatchVerdict =
  | { readonly outcome: 'matched'; readonly priceDifference: Dec; readonly priceDifferencePercent: Dec }
  | { readonly outcome: 'held'; readonly short: Dec }
  | { readonly outcome: 'exception'; readonly code: MatchExceptionCode; readonly message: string; readonly details: Readonly<Record<string, string>> };

export type MatchExceptionCode = 'supplier_mismatch' | 'currency_mismatch' | 'unit_of_measure_unknown' | 'price_variance' | 'quantity_variance';

export interface MatchPosition {
  /** Quantity already matched on the line, by other invoices. */
  readonly matched: Dec;
  /** Quantity of other invoices held for receipt. */
  readonly held: Dec;
  /**
   * Quantity of the invoices held before this one that still wait for their goods: they take the
   * goods received first, in the order they came (ADR 0050). Absent: none.
   */
  readonly heldAhead?: Dec;
  /** Net received quantity. */
  readonly received: Dec;
  readonly ordered: Dec;
}

/** Price difference as a share of the PO price, in percent; a zero PO price makes any difference infinite. */
export function pricePercent(invoicePrice: Dec, poPrice: Dec): Dec {
  const difference = invoicePrice.minus(poPrice);
  if (poPrice.isZero()) return difference.isZero() ? dec('0') : dec('Infinity');
  return difference.div(poPrice).times(100);
}

export function isPriceWithinTolerance(invoicePrice: Dec, poPrice: Dec, policy: Pick<P2PPolicy, 'priceTolerancePercent' | 'priceToleranceAbsolute'>): boolean {
  const difference = invoicePrice.minus(poPrice).abs();
  const percentOk = pricePercent(invoicePrice, poPrice).abs().lte(policy.priceTolerancePercent);
  const absoluteOk = policy.priceToleranceAbsolute === undefined || difference.lte(policy.priceToleranceAbsolute);
  return percentOk && absoluteOk;
}

export function matchInvoice(invoice: InvoiceRecord, terms: PoLineTerms, position: MatchPosition, policy: P2PPolicy): MatchVerdict {
  const checked = checkDocument(`invoice ${invoice.invoiceNumber}`, 'bills', invoice, terms, policy);
  if (checked.outcome === 'exception') return checked;
  const { quantity } = checked;
  const billed = settleQuantity(position.matched.plus(position.held).plus(quantity));
  const billable = billableOf(position.ordered, policy);
  if (billed.gt(billable.plus(policy.quantityTolerance))) {
    const overDelivery = policy.overReceiptTolerancePercent.isZero() ? '' : ` and the ${policy.overReceiptTolerancePercent.toFixed()}% over-delivery allowed (${billable.toFixed()})`;
    return {
      outcome: 'exception',
      code: 'quantity_variance',
      message: `invoice ${invoice.invoiceNumber} brings the billed quantity to ${billed.toFixed()} ${terms.uom}, more than the ${position.ordered.toFixed()} ordered${overDelivery}`,
      details: {
        billed: billed.toFixed(),
        ordered: position.ordered.toFixed(),
        ...(policy.overReceiptTolerancePercent.isZero() ? {} : { billable: billable.toFixed() }),
        tolerance: policy.quantityTolerance.toFixed(),
      },
    };
  }
  const afterMatch = settleQuantity(position.matched.plus(position.heldAhead ?? ZERO).plus(quantity));
  if (afterMatch.gt(position.received.plus(policy.quantityTolerance))) {
    return { outcome: 'held', short: afterMatch.minus(position.received) };
  }
  return { outcome: 'matched', priceDifference: checked.priceDifference, priceDifferencePercent: checked.priceDifferencePercent };
}

/**
 * What a line may be billed for, before the quantity tolerance: the ordered quantity and the
 * over-delivery the manifest lets the plant receive without an over_receipt
 * (`overReceiptPercent`). Goods the hub accrued as rightly received may be billed (ADR 0050);
 * the match still holds an invoice until they are received.
 */
export function billableOf(ordered: Dec, policy: Pick<P2PPolicy, 'overReceiptTolerancePercent'>): Dec {
  return ordered.plus(ordered.times(policy.overReceiptTolerancePercent).div(100));
}

/**
 * A supplier's credit memo against its PO line: the same supplier, currency, unit and price
 * tolerance as an invoice, and it may take back no more than the line has billed and matched
 * (`matched`, net of credits applied before).
 */
export function matchCredit(credit: CreditRecord, terms: PoLineTerms, matched: Dec, policy: P2PPolicy): Exclude<MatchVerdict, { outcome: 'held' }> {
  const checked = checkDocument(`credit memo ${credit.creditMemoNumber}`, 'credits', credit, terms, policy);
  if (checked.outcome === 'exception') return checked;
  if (settleQuantity(checked.quantity).gt(matched)) {
    return {
      outcome: 'exception',
      code: 'quantity_variance',
      message: `credit memo ${credit.creditMemoNumber} credits ${checked.quantity.toFixed()} ${terms.uom}, more than the ${matched.toFixed()} billed and matched on the line`,
      details: { credited: checked.quantity.toFixed(), matched: matched.toFixed() },
    };
  }
  return { outcome: 'matched', priceDifference: checked.priceDifference, priceDifferencePercent: checked.priceDifferencePercent };
}

/**
 * What a credit memo must share with its PO line before it may wait for, or be applied with, an
 * invoice: supplier, currency, a known unit and a price within tolerance. Undefined when it does.
 */
export function checkCredit(credit: CreditRecord, terms: PoLineTerms, policy: P2PPolicy): Extract<MatchVerdict, { outcome: 'exception' }> | undefined {
  const checked = checkDocument(`credit memo ${credit.creditMemoNumber}`, 'credits', credit, terms, policy);
  return checked.outcome === 'exception' ? checked : undefined;
}

type Checked = Extract<MatchVerdict, { outcome: 'exception' }> | { readonly outcome: 'checked'; readonly quantity: Dec; readonly priceDifference: Dec; readonly priceDifferencePercent: Dec };

/** What an invoice or a credit memo must share with its PO line: the supplier, the currency, a unit master data converts, a price within tolerance. */
function checkDocument(name: string, verb: string, document: Pick<InvoiceRecord, 'supplierId' | 'currency' | 'quantity' | 'unitPrice' | 'uom' | 'parts'>, terms: PoLineTerms, policy: P2PPolicy): Checked {
  if (document.supplierId !== terms.supplierId) {
    return {
      outcome: 'exception',
      code: 'supplier_mismatch',
      message: `${name} is from supplier ${document.supplierId}, but the PO was issued to ${terms.supplierId}`,
      details: { invoiceSupplier: document.supplierId, poSupplier: terms.supplierId },
    };
  }
  if (document.currency !== terms.currency) {
    return {
      outcome: 'exception',
      code: 'currency_mismatch',
      message: `${name} is in ${document.currency}, the PO in ${terms.currency}`,
      details: { invoiceCurrency: document.currency, poCurrency: terms.currency },
    };
  }
  if (document.quantity === undefined || document.unitPrice === undefined) {
    return {
      outcome: 'exception',
      code: 'unit_of_measure_unknown',
      message: `${name} ${verb} in ${document.uom}; master data has no conversion of ${terms.itemId} from ${document.uom} to ${terms.uom}`,
      details: { invoiceUom: document.uom, poUom: terms.uom, itemId: terms.itemId },
    };
  }
  // Converted from the document's unit: 1.00 per EA is 3 per PK3, not 3.000...003 (money.ts).
  const price = settleQuantity(dec(document.unitPrice));
  const poPrice = dec(terms.unitPrice);
  const percent = pricePercent(price, poPrice);
  // Each document line is held to the tolerance (DESIGN.md: the match is per invoice line): the
  // average of lines 20% below and 20% above the PO price is the PO price.
  const outside = partPrices(document, terms, policy).find((p) => !isPriceWithinTolerance(p, poPrice, policy));
  if (outside !== undefined) return priceVariance(name, verb, outside, terms, policy);
  if (!isPriceWithinTolerance(price, poPrice, policy)) return priceVariance(name, verb, price, terms, policy);
  return { outcome: 'checked', quantity: dec(document.quantity), priceDifference: price.minus(poPrice), priceDifferencePercent: percent };
}

/** The price per PO unit of each line of a document that bills the PO line on several (DocumentPart). */
function partPrices(document: Pick<InvoiceRecord, 'parts'>, terms: PoLineTerms, policy: P2PPolicy): Dec[] {
  return (document.parts ?? []).flatMap((part) => {
    const factor = policy.convert(terms.itemId, part.uom, terms.uom);
    return factor === undefined || part.unitPrice === undefined ? [] : [settleQuantity(dec(part.unitPrice).div(factor))];
  });
}

function priceVariance(name: string, verb: string, price: Dec, terms: PoLineTerms, policy: P2PPolicy): Extract<MatchVerdict, { outcome: 'exception' }> {
  const poPrice = dec(terms.unitPrice);
  const percent = pricePercent(price, poPrice);
  const absolute = policy.priceToleranceAbsolute === undefined ? '' : ` and ${policy.priceToleranceAbsolute.toFixed()} ${terms.currency} per unit`;
  return {
    outcome: 'exception',
    code: 'price_variance',
    message:
      `${name} ${verb} ${price.toFixed()} ${terms.currency} per ${terms.uom}; the PO price is ${poPrice.toFixed()} ` +
      `(${percent.isFinite() ? `${percent.toDecimalPlaces(2).toFixed()}%` : 'PO price is zero'}; tolerance ${policy.priceTolerancePercent.toFixed()}%${absolute})`,
    details: { invoicePrice: price.toFixed(), poPrice: poPrice.toFixed(), differencePercent: percent.isFinite() ? percent.toDecimalPlaces(4).toFixed() : 'infinite' },
  };
}
