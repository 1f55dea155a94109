// The procure-to-pay policy: SLAs, match tolerances and exception owners, from the manifest
// with the defaults of DESIGN.md section 3.
import type { Dec } from '../money.js';
import { dec } from '../money.js';
import { parseDuration } from '../duration.js';
import { unitConverter } from '../units.js';

export { parseDuration } from '../duration.js';

export const P2P_EXCEPTION_CODES = [
  'late_confirmation',
  'confirmation_mismatch',
  'receipt_overdue',
  'over_receipt',
  'price_variance',
  'quantity_variance',
  'no_purchase_order',
  'supplier_mismatch',
  'currency_mismatch',
  'receipt_missing',
  'duplicate_invoice',
  'unit_of_measure_unknown',
  'master_data_gap',
  'cancelled_line_activity',
  'receipt_reversed_after_match',
  'credited_invoice_stopped',
  'credited_invoice_missing',
  'reversal_exceeds_receipt',
] as const;

export type P2PExceptionCode = (typeof P2P_EXCEPTION_CODES)[number];

/** SLA names, as they appear in `sla.started` / `sla.breached` and in the manifest. */
export type P2PSla = 'supplier_confirmation' | 'receipt_after_eta' | 'invoice_hold' | 'purchase_order_missing' | 'credit_memo_hold';

export interface P2PPolicy {
  /** Durations in milliseconds. */
  readonly slaMs: Readonly<Record<P2PSla, number>>;
  /** Unit price may differ from the PO price by this share (2 = 2%). */
  readonly priceTolerancePercent: Dec;
  /** When set, the unit price difference must also be within this amount (per unit, PO currency). */
  readonly priceToleranceAbsolute?: Dec;
  /** Cumulative invoiced may exceed received (and ordered) by this quantity, in the PO unit. */
  readonly quantityTolerance: Dec;
  /** Received may exceed ordered by this share before an over_receipt exception; what is received within it may be billed (ADR 0050). */
  readonly overReceiptTolerancePercent: Dec;
  /** A confirmation may differ from the PO by these before a confirmation_mismatch. */
  readonly confirmationQuantityTolerancePercent: Dec;
  readonly confirmationPriceTolerancePercent: Dec;
  readonly confirmationDateToleranceDays: number;
  /** Team that owns an exception; `{plant}` in the manifest's value is replaced by the plant code. */
  readonly ownerOf: (code: P2PExceptionCode, plant: string | undefined) => string;
  /** Factor to convert one `from` unit of an item into the PO's `to` unit, if master data knows it. */
  readonly convert: (itemId: string, from: string, to: string) => Dec | undefined;
  /**
   * Whether master data knows a supplier id; undefined when the manifest keeps no supplier
   * master data (then no supplier is flagged).
   */
  readonly knowsSupplier?: (supplierId: string) => boolean;
  /** This policy with the tolerances the manifest sets for a supplier and an item category. */
  readonly forLine: (supplierId: string, itemCategory: string | undefined) => P2PPolicy;
}

/** One set of tolerances as the manifest writes them (decimals as strings). */
export interface ToleranceSettings {
  readonly pricePercent?: string;
  readonly priceAbsolute?: string;
  readonly quantity?: string;
  readonly overReceiptPercent?: string;
  readonly confirmationQuantityPercent?: string;
  readonly confirmationPricePercent?: string;
  readonly confirmationDateDays?: number;
}

/** The manifest's policy section, as written (durations like "24h", decimals as strings). */
export interface P2PPolicySettings {
  readonly slas?: Partial<Record<P2PSla, string>>;
  /** Global tolerances; `categories` (per PO line itemCategory) override them and `suppliers` override both. */
  readonly tolerances?: ToleranceSettings & {
    readonly suppliers?: Readonly<Record<string, ToleranceSettings>>;
    readonly categories?: Readonly<Record<string, ToleranceSettings>>;
  };
  readonly exceptionOwners?: Readonly<Record<string, string>>;
  /** Per item, each unit's size in a common base, e.g. { "ITM-1": { "EA": "1", "BOX": "12" } }: 1 BOX = 12 EA. */
  readonly unitConversions?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Canonical supplier ids master data knows (the partners' ids count too). Absent: not checked. */
  readonly suppliers?: readonly string[];
}

export const DEFAULT_EXCEPTION_OWNERS: Readonly<Record<P2PExceptionCode, string>> = {
  late_confirmation: 'procurement',
  confirmation_mismatch: 'procurement',
  receipt_overdue: 'receiving-{plant}',
  over_receipt: 'receiving-{plant}',
  price_variance: 'accounts-payable',
  quantity_variance: 'accounts-payable',
  no_purchase_order: 'accounts-payable',
  supplier_mismatch: 'accounts-payable',
  currency_mismatch: 'accounts-payable',
  receipt_missing: 'accounts-payable',
  duplicate_invoice: 'accounts-payable',
  unit_of_measure_unknown: 'master-data',
  master_data_gap: 'master-data',
  cancelled_line_activity: 'procurement',
  receipt_reversed_after_match: 'accounts-payable',
  credited_invoice_stopped: 'accounts-payable',
  credited_invoice_missing: 'accounts-payable',
  reversal_exceeds_receipt: 'receiving-{plant}',
};

/**
 * Codes that go where another code goes when the manifest routes that one and not them: a code
 * added in a later version reaches the team a board already chose for its kin, instead of a default
 * team the manifest may not declare (which `lint` and `serve` refuse).
 */
const OWNER_FOLLOWS: Readonly<Partial<Record<P2PExceptionCode, P2PExceptionCode>>> = {
  reversal_exceeds_receipt: 'over_receipt',
};

/** The owner of each P2P exception code under the manifest's `exceptionOwners` (`{plant}` not yet replaced). */
export function p2pExceptionOwners(configured: Readonly<Record<string, string>> = {}): Readonly<Record<P2PExceptionCode, string>> {
  const owners: Record<string, string> = { ...DEFAULT_EXCEPTION_OWNERS };
  for (const [code, leader] of Object.entries(OWNER_FOLLOWS)) {
    const owner = configured[leader];
    if (owner !== undefined) owners[code] = owner;
  }
  return { ...owners, ...configured } as Record<P2PExceptionCode, string>;
}

export const DEFAULT_SLAS: Readonly<Record<P2PSla, string>> = {
  supplier_confirmation: '24h',
  receipt_after_eta: '24h',
  invoice_hold: '5d',
  purchase_order_missing: '4h',
  // AP automation may deliver a credit memo before the invoice it names: like a PO that has not
  // synced yet, the invoice is probably on its way (ADR 0028).
  credit_memo_hold: '4h',
};

/** Tolerances when the manifest sets none (DESIGN.md section 3); `priceAbsolute` has no default (not checked). */
export const DEFAULT_TOLERANCES = {
  pricePercent: '2',
  quantity: '0',
  overReceiptPercent: '0',
  confirmationQuantityPercent: '0',
  confirmationPricePercent: '0',
  confirmationDateDays: 0,
} as const satisfies Required<Omit<ToleranceSettings, 'priceAbsolute'>>;


/** Builds the policy; throws on a value the manifest schema should already have refused. */
export function p2pPolicy(settings: P2PPolicySettings = {}): P2PPolicy {
  const slaMs = {} as Record<P2PSla, number>;
  for (const sla of Object.keys(DEFAULT_SLAS) as P2PSla[]) {
    const text = settings.slas?.[sla] ?? DEFAULT_SLAS[sla];
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) throw new Error(`SLA ${sla}: "${text}" is not a duration like 24h, 90m or 5d`);
    slaMs[sla] = ms;
  }
  const { suppliers: bySupplier = {}, categories: byCategory = {}, ...global } = settings.tolerances ?? {};
  const owners = p2pExceptionOwners(settings.exceptionOwners) as Record<string, string>;
  const conversions = settings.unitConversions ?? {};
  const shared = {
    slaMs,
    ownerOf: (code: P2PExceptionCode, plant: string | undefined) => (owners[code] ?? 'operations').replaceAll('{plant}', (plant ?? 'unknown').toLowerCase()),
    ...(settings.suppliers === undefined ? {} : { knowsSupplier: supplierCheck(settings.suppliers) }),
    convert: unitConverter(conversions),
  };
  // Per supplier and category the policy is built once: decide runs for every event of a line.
  const perLine = new Map<string, P2PPolicy>();
  const build = (t: ToleranceSettings): P2PPolicy => {
    const policy: P2PPolicy = {
      ...shared,
      ...tolerancesOf(t),
      forLine: (supplierId, itemCategory) => {
        const supplier = bySupplier[supplierId];
        const category = itemCategory === undefined ? undefined : byCategory[itemCategory];
        if (supplier === undefined && category === undefined) return root;
        const key = `${supplierId}\u0000${itemCategory ?? ''}`;
        let found = perLine.get(key);
        if (found === undefined) {
          found = build({ ...global, ...category, ...supplier });
          perLine.set(key, found);
        }
        return found;
      },
    };
    return policy;
  };
  const root = build(global);
  return root;
}

type Tolerances = Pick<
  P2PPolicy,
  | 'priceTolerancePercent'
  | 'priceToleranceAbsolute'
  | 'quantityTolerance'
  | 'overReceiptTolerancePercent'
  | 'confirmationQuantityTolerancePercent'
  | 'confirmationPriceTolerancePercent'
  | 'confirmationDateToleranceDays'
>;

function tolerancesOf(t: ToleranceSettings): Tolerances {
  const d = DEFAULT_TOLERANCES;
  return {
    priceTolerancePercent: dec(t.pricePercent ?? d.pricePercent),
    ...(t.priceAbsolute === undefined ? {} : { priceToleranceAbsolute: dec(t.priceAbsolute) }),
    quantityTolerance: dec(t.quantity ?? d.quantity),
    overReceiptTolerancePercent: dec(t.overReceiptPercent ?? d.overReceiptPercent),
    confirmationQuantityTolerancePercent: dec(t.confirmationQuantityPercent ?? d.confirmationQuantityPercent),
    confirmationPriceTolerancePercent: dec(t.confirmationPricePercent ?? d.confirmationPricePercent),
    confirmationDateToleranceDays: t.confirmationDateDays ?? d.confirmationDateDays,
  };
}

function supplierCheck(suppliers: readonly string[]): (supplierId: string) => boolean {
  const known = new Set(suppliers);
  return (supplierId) => known.has(supplierId);
}
