// Money and quantities: decimal strings on the wire, decimal.js in memory, never `number`.
// Amounts are rounded half-up (commercial rounding) to the currency's minor units.
import { Decimal } from 'decimal.js';

/** A decimal type configured for money: 40 significant digits, no exponent in output. */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
export type Dec = Decimal;

export const ZERO = new Dec(0);

export function dec(value: string | Dec): Dec {
  return value instanceof Dec ? value : new Dec(value);
}

/**
 * Compares two unsigned decimal strings of the contracts' form (`0` or digits without a leading
 * zero, then optionally `.` and digits): -1, 0 or 1, as `dec(a).cmp(dec(b))` would answer. Without
 * building two Decimals: intake checks a receipt line's rejected quantity against its quantity
 * with it, where the two parses were about 0.3 us of every goods receipt (docs/benchmarks.md).
 * Any other text (a sign, an exponent, a leading zero) is outside its domain: callers test the form.
 */
export function compareUnsignedDecimalText(a: string, b: string): -1 | 0 | 1 {
  const left = withoutTrailingZeros(a);
  const right = withoutTrailingZeros(b);
  // No leading zeros: the longer whole part is the larger number.
  const leftWhole = wholeDigits(left);
  const rightWhole = wholeDigits(right);
  if (leftWhole !== rightWhole) return leftWhole < rightWhole ? -1 : 1;
  // Same length of whole part, no trailing zeros: digit by digit, and '.' sorts below every
  // digit, a shorter text (a prefix) below a longer one.
  return left === right ? 0 : left < right ? -1 : 1;
}

function wholeDigits(text: string): number {
  const point = text.indexOf('.');
  return point < 0 ? text.length : point;
}

/** "4.500" -> "4.5", "4.0" -> "4"; a text without a point is returned as it is. */
function withoutTrailingZeros(text: string): string {
  if (!text.includes('.')) return text;
  let end = text.length;
  while (text.charCodeAt(end - 1) === 0x30) end -= 1;
  if (text.charCodeAt(end - 1) === 0x2e) end -= 1;
  return end === text.length ? text : text.slice(0, end);
}

/** Plain decimal string without trailing zeros beyond what the value needs ("12.5", "-3", "0"). */
export function str(value: Dec): string {
  const text = value.toFixed();
  return text === '-0' ? '0' : text;
}

/** ISO 4217 exponents that are not 2 (the default). */
const MINOR_UNITS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency] ?? 2;
}

/** An amount rounded to the currency's minor units, as a string with exactly that many decimals. */
export function amount(value: Dec, currency: string): string {
  const text = value.toDecimalPlaces(minorUnits(currency), Decimal.ROUND_HALF_UP).toFixed(minorUnits(currency));
  return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
}

/**
 * Decimals a quantity in the PO unit is compared and reported with. A unit conversion whose
 * ratio does not terminate (1 EA of a BOX of 12 is 0.0833... BOX) is carried with 40
 * significant digits, so twelve receipts of 1 EA add up to 0.99...97 BOX, not 1: compared as
 * they are, they never cover an invoice for 1 BOX. Rounded here, a line's sums agree with what
 * was counted, while a real difference (a thousandth of a gram) still counts.
 */
export const QUANTITY_DECIMALS = 20;

/** A quantity (or a per-unit price) rounded half-up to QUANTITY_DECIMALS, for comparing and reporting. */
export function settleQuantity(value: Dec): Dec {
  return value.toDecimalPlaces(QUANTITY_DECIMALS, Decimal.ROUND_HALF_UP);
}

export function sum(values: readonly (string | Dec)[]): Dec {
  return values.reduce<Dec>((total, value) => total.plus(dec(value)), ZERO);
}
