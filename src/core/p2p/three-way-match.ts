// Three-way match of one invoice line against its PO line and what was received
// (DESIGN.md section 3): supplier, currency, unit of measure, price within tolerance, and
// cumulative invoiced quantity against ordered and received.
import type { Dec } from '../money.js';
import { dec, settleQuantity } from '../money.js';
import type { P2PPolicy } from './p2p-policy.js';
import type { InvoiceRecord, PoLineTerms } from './p2p-state.js';

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
  if (invoice.supplierId !== terms.supplierId) {
    return {
      outcome: 'exception',
      code: 'supplier_mismatch',
      message: `invoice ${invoice.invoiceNumber} is from supplier ${invoice.supplierId}, but the PO was issued to ${terms.supplierId}`,
      details: { invoiceSupplier: invoice.supplierId, poSupplier: terms.supplierId },
    };
  }
  if (invoice.currency !== terms.currency) {
    return {
      outcome: 'exception',
      code: 'currency_mismatch',
      message: `invoice ${invoice.invoiceNumber} is in ${invoice.currency}, the PO in ${terms.currency}`,
      details: { invoiceCurrency: invoice.currency, poCurrency: terms.currency },
    };
  }
  if (invoice.quantity === undefined || invoice.unitPrice === undefined) {
    return {
      outcome: 'exception',
      code: 'unit_of_measure_unknown',
      message: `invoice ${invoice.invoiceNumber} bills in ${invoice.uom}; master data has no conversion of ${terms.itemId} from ${invoice.uom} to ${terms.uom}`,
      details: { invoiceUom: invoice.uom, poUom: terms.uom, itemId: terms.itemId },
    };
  }
  const quantity = dec(invoice.quantity);
  // Converted from the invoice's unit: 1.00 per EA is 3 per PK3, not 3.000...003 (money.ts).
  const price = settleQuantity(dec(invoice.unitPrice));
  const poPrice = dec(terms.unitPrice);
  const percent = pricePercent(price, poPrice);
  if (!isPriceWithinTolerance(price, poPrice, policy)) {
    const absolute = policy.priceToleranceAbsolute === undefined ? '' : ` and ${policy.priceToleranceAbsolute.toFixed()} ${terms.currency} per unit`;
    return {
      outcome: 'exception',
      code: 'price_variance',
      message:
        `invoice ${invoice.invoiceNumber} bills ${price.toFixed()} ${terms.currency} per ${terms.uom}; the PO price is ${poPrice.toFixed()} ` +
        `(${percent.isFinite() ? `${percent.toDecimalPlaces(2).toFixed()}%` : 'PO price is zero'}; tolerance ${policy.priceTolerancePercent.toFixed()}%${absolute})`,
      details: { invoicePrice: price.toFixed(), poPrice: poPrice.toFixed(), differencePercent: percent.isFinite() ? percent.toDecimalPlaces(4).toFixed() : 'infinite' },
    };
  }
  const billed = settleQuantity(position.matched.plus(position.held).plus(quantity));
  if (billed.gt(position.ordered.plus(policy.quantityTolerance))) {
    return {
      outcome: 'exception',
      code: 'quantity_variance',
      message: `invoice ${invoice.invoiceNumber} brings the billed quantity to ${billed.toFixed()} ${terms.uom}, more than the ${position.ordered.toFixed()} ordered`,
      details: { billed: billed.toFixed(), ordered: position.ordered.toFixed(), tolerance: policy.quantityTolerance.toFixed() },
    };
  }
  const afterMatch = settleQuantity(position.matched.plus(quantity));
  if (afterMatch.gt(position.received.plus(policy.quantityTolerance))) {
    return { outcome: 'held', short: afterMatch.minus(position.received) };
  }
  return { outcome: 'matched', priceDifference: price.minus(poPrice), priceDifferencePercent: percent };
}
