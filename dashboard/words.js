// Words for the hub's codes, so a plant manager reads "Waiting for the supplier's
// confirmation", not `awaiting_confirmation` (the code stays in a tooltip), and the small
// HTML and number helpers every view uses.

const WAITING = {
  in_exception: 'Stopped by an exception',
  awaiting_purchase_order: 'Waiting for the purchase order',
  awaiting_confirmation: "Waiting for the supplier's confirmation",
  awaiting_shipment: 'Waiting for the shipment',
  in_transit: 'On the way',
  awaiting_receipt: 'Past its arrival date, not received',
  awaiting_invoice: 'Waiting for the invoice',
  held_for_receipt: 'Invoice held until the goods arrive',
  awaiting_match: 'Waiting for the invoice match',
  awaiting_posting: 'Waiting to be posted',
};

const STAGES = {
  awaiting_po: 'Waiting for the PO',
  released: 'Ordered',
  confirmed: 'Confirmed by the supplier',
  shipped: 'Shipped',
  received: 'Received',
  invoiced: 'Invoiced',
  matched: 'Invoice matched',
  posted: 'Posted to finance',
  cancelled: 'Cancelled',
};

/** The funnel's steps: what a line has reached. */
const FUNNEL = {
  released: 'Released to the supplier',
  confirmed: 'Confirmed by the supplier',
  shipped: 'Shipped (advance ship notice)',
  received: 'Received at the plant',
  invoiced: 'Invoiced by the supplier',
  matched: 'Invoice matched to PO and receipt',
  posted: 'Posted to finance, line complete',
};

/** Lines that reached a step and went no further: "3 not confirmed yet". */
const FUNNEL_DROP = {
  released: 'not confirmed by the supplier',
  confirmed: 'not shipped',
  shipped: 'not received',
  received: 'not invoiced',
  invoiced: 'invoice not matched',
  matched: 'matched, not complete (goods or invoices still to come)',
};

/** Lines that went past a step without it: "1 arrived without a shipping notice". */
const FUNNEL_SKIP = {
  confirmed: 'went ahead without a confirmation',
  shipped: 'arrived without a shipping notice',
  received: 'invoiced before the goods arrived',
};

const EXCEPTIONS = {
  late_confirmation: 'Supplier confirmation overdue',
  confirmation_mismatch: 'Confirmation differs from the PO',
  receipt_overdue: 'Goods not received after the arrival date',
  over_receipt: 'More received than ordered',
  price_variance: 'Invoice price differs from the PO',
  quantity_variance: 'Invoice bills more than was ordered',
  no_purchase_order: 'Invoice or receipt without a PO',
  supplier_mismatch: 'Invoice from another supplier',
  currency_mismatch: 'Invoice in another currency',
  receipt_missing: 'Invoice waited too long for the goods',
  duplicate_invoice: 'Invoice sent twice',
  unit_of_measure_unknown: 'Unknown unit of measure',
  master_data_gap: 'Supplier missing from master data',
  cancelled_line_activity: 'Activity on a cancelled line',
  receipt_reversed_after_match: 'Goods reversed after the invoice matched',
  credited_invoice_stopped: 'Credit memo for a stopped invoice',
  credited_invoice_missing: 'Credit memo waited too long for its invoice',
  reversal_exceeds_receipt: 'Reversal of more than was received',
};

const INVOICE_STATUS = {
  received: 'Not matched yet',
  held: 'Held until the goods arrive',
  matched: 'Matched',
  exception: 'Stopped by an exception',
  settled: 'Taken back in full by a credit memo',
};

const EVENTS = {
  'po.released': 'Purchase order released',
  'po.changed': 'Purchase order changed',
  'po.cancelled': 'Purchase order cancelled',
  'supplier.confirmation': 'Supplier confirmed',
  'shipment.dispatched': 'Shipment dispatched (advance ship notice)',
  'shipment.milestone': 'Shipment update',
  'goods.received': 'Goods received',
  'invoice.received': 'Invoice received',
  'invoice.credited': 'Credit memo received',
  'receiving.expected': 'Plant told to expect the goods',
  'invoice.held': 'Invoice held until the goods arrive',
  'invoice.matched': 'Invoice matched',
  'finance.posting': 'Posted to finance',
  'exception.raised': 'Exception raised',
  'exception.resolved': 'Exception resolved',
  'sla.started': 'Deadline set',
  'sla.breached': 'Deadline missed',
};

const CHANNELS = { api: 'Events API', x12: 'EDI (X12)', csv: 'CSV files', mqtt: 'MQTT', nats: 'NATS', webhook: 'Webhook', unknown: 'Unknown' };

const HEALTH = { healthy: 'Healthy', late: 'Running late', silent: 'Quiet', overdue: 'Overdue', failing: 'Needs attention', backlog: 'Sending a backlog' };

const AGEING = { under_1d: 'Under a day', '1d_to_3d': '1 to 3 days', '3d_to_7d': '3 to 7 days', over_7d: 'Over a week' };

const DICTIONARIES = { funnel: FUNNEL, funnelDrop: FUNNEL_DROP, funnelSkip: FUNNEL_SKIP, waiting: WAITING, stage: STAGES, exception: EXCEPTIONS, invoiceStatus: INVOICE_STATUS, event: EVENTS, channel: CHANNELS, health: HEALTH, ageing: AGEING };

/** The words for a code; unknown codes read as themselves, de-underscored. */
export function words(kind, code) {
  return DICTIONARIES[kind]?.[code] ?? String(code).replaceAll('_', ' ');
}

/** A team id in words: `receiving-p01` is "Receiving, plant P01". */
export function team(id) {
  const receiving = /^receiving-(.+)$/.exec(id);
  if (receiving) return `Receiving, plant ${receiving[1].toUpperCase()}`;
  const text = id.replaceAll('-', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ---- HTML ----

const RAW = Symbol('raw html');

/** Markup that is already safe. */
export function raw(text) {
  return { [RAW]: text };
}

function escape(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function part(value) {
  if (value === undefined || value === null || value === false) return '';
  if (Array.isArray(value)) return value.map(part).join('');
  if (typeof value === 'object' && RAW in value) return value[RAW];
  return escape(value);
}

/** A template whose interpolations are escaped unless they are `raw` or other `html` results. */
export function html(strings, ...values) {
  return raw(strings.reduce((out, text, i) => out + text + (i < values.length ? part(values[i]) : ''), ''));
}

/** Words with their code in a tooltip. */
export function term(kind, code) {
  return html`<span class="term" title="code: ${code}">${words(kind, code)}</span>`;
}

/**
 * Puts `markup` in `element`. Each table goes in a box of its own that scrolls sideways when the
 * table is wider than the screen (a phone's 375 px), rather than the whole page.
 */
export function render(element, markup) {
  element.innerHTML = part(markup);
  for (const table of element.querySelectorAll('table')) {
    const box = document.createElement('div');
    box.className = 'table-scroll';
    table.replaceWith(box);
    box.append(table);
  }
}

/** Ids longer than this break anywhere (a contract allows 64 characters); shorter ones are never split. */
const LONG_ID = 16;

/** The class of a cell that shows an id: `id`, and `id long` for one that may break over lines. */
export function idClass(value) {
  return value !== null && value !== undefined && String(value).length > LONG_ID ? 'id long' : 'id';
}

// ---- numbers and times ----

export function percent(rate) {
  return rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)}%`;
}

export function count(n) {
  return new Intl.NumberFormat('en').format(n);
}

/** A duration in minutes as a reader says it: "45 min", "6 h", "1 d 6 h". */
export function minutes(value) {
  if (value === null || value === undefined) return '—';
  if (value < 1) return 'under a minute';
  // Round once, in the unit shown, and pick the unit from the rounded figure: rounding twice
  // (or with toFixed after Math.round) showed 183 min as "3.0 h", 59.6 min as "60 min" and
  // 47.5 h as "1 d 24 h".
  const whole = Math.round(value);
  if (whole < 60) return `${whole} min`;
  const tenths = Math.round(value / 6);
  if (tenths < 240) return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)} h`;
  const hours = Math.round(value / 60);
  const days = Math.floor(hours / 24);
  const rest = hours % 24;
  return rest === 0 ? `${days} d` : `${days} d ${rest} h`;
}

export function hours(value) {
  return value === null || value === undefined ? '—' : minutes(value * 60);
}

/**
 * A decimal string from the hub (a quantity, a price) with thousands separators, every digit kept:
 * the grouping is done on the digits themselves, so "12345678901234567890.125" reads
 * "12,345,678,901,234,567,890.125" (through a float it read "12,345,678,901,234,567,000"). The
 * decimals are the ones the hub gave. Anything that is not a plain decimal is shown as it is.
 */
export function decimal(value) {
  if (value === null || value === undefined) return '—';
  const text = String(value);
  const parts = /^(-?)([0-9]+)(\.[0-9]+)?$/.exec(text);
  if (parts === null) return text;
  const [, sign, whole, fraction = ''] = parts;
  return `${sign}${whole.replace(/\B(?=(?:[0-9]{3})+$)/g, ',')}${fraction}`;
}

/**
 * An amount as the hub sent it: its decimal string with separators and with the decimals the hub
 * gave it, which are the currency's minor units (none for JPY, three for KWD). Converting to a
 * number first showed every currency with two decimals and lost cents above 2^53 hundredths.
 */
export function money(amount, currency) {
  return `${decimal(amount)} ${currency}`;
}

/** "3 h ago" with the exact time in a tooltip. */
export function ago(instant, now = Date.now()) {
  if (instant === null || instant === undefined) return html`<span>never</span>`;
  const elapsed = (now - Date.parse(instant)) / 60_000;
  return html`<time datetime="${instant}" title="${when(instant)}">${elapsed < 1 ? 'just now' : `${minutes(elapsed)} ago`}</time>`;
}

export function when(instant) {
  return new Date(instant).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';
}
