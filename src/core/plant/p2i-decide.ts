// decide for a production order: given its state after an input, the derived events the rules
// require that the state does not show yet. Rules (ADR 0015): an order must be known before
// the MES reports on it, and not closed; each completion must show in stock within the plant's
// SLA; when the last completion's deadline is reached, finished goods must equal good
// completed and component issues the backflush of the bill of material, within tolerance;
// postings at standard cost. Pure: time comes in as `now`.
import type { CloudEvent } from '../envelope.js';
import type { Dec } from '../money.js';
import { amount, dec, settleQuantity, str } from '../money.js';
import { addMs } from '../time.js';
import type { OrderAssessment, OrderTerms, ProductionOrderState } from './p2i-state.js';
import { assessOrder, completionInOrderUnit, completionsInOrder, componentOk, finishedGoodsMovements, fromOtherPlants, orderMovements, splitByClosure } from './p2i-state.js';
import type { PlantDecisionContext } from './plant-workflow.js';
import { deadlineKey, PlantDerivation } from './plant-workflow.js';

export function decideOrder(state: ProductionOrderState, ctx: PlantDecisionContext): CloudEvent[] {
  const out = new PlantDerivation('production', state, ctx, { productionOrder: state.productionOrder });
  const { terms } = state;
  if (terms === undefined) {
    awaitOrder(state, ctx, out);
    return out.events;
  }
  out.resolve('production_order_unknown', 'order', `production order ${state.productionOrder} was released (${terms.since})`);
  otherPlantRules(state, terms, out);
  unitRules(state, terms, ctx, out);
  closedOrderRules(state, terms, out);
  const assessment = assessOrder(state, terms, ctx.policy);
  inventoryRules(state, terms, assessment, ctx, out);
  postingRules(state, terms, assessment, ctx, out);
  return out.events;
}

/** MES reports on an order the ERP has not released (yet): wait for the sync, then raise. */
function awaitOrder(state: ProductionOrderState, ctx: PlantDecisionContext, out: PlantDerivation): void {
  const completions = Object.values(state.completions);
  // Component issues alone do not make an order: issues also name cost centres and sales orders.
  const receipts = Object.values(state.movements).filter((m) => m.reason === 'production');
  if (completions.length === 0 && receipts.length === 0) return;
  const plant = completions[0]?.plant ?? receipts[0]?.plant;
  const deadline = state.deadlines[deadlineKey('production_order_missing', 'order')];
  if (deadline === undefined) {
    out.startSla('production_order_missing', 'order', ctx.now, addMs(ctx.now, ctx.policy.slaMs.production_order_missing), ctx.policy.ownerOf('production_order_unknown', plant), plant);
    return;
  }
  if (deadline.breached) {
    out.raise(
      'production_order_unknown',
      'order',
      plant,
      `${completions.length} completion(s) and ${receipts.length} finished-goods receipt(s) name production order ${state.productionOrder}, which no ERP has released`,
      [...completions.map((c) => c.eventId), ...receipts.map((m) => m.eventId)].sort(),
    );
  }
}

/**
 * A plant reports completions or finished goods on an order released to another plant: for
 * that plant the order is unknown (a wrong order number, or a wrong plant code); not counted.
 */
function otherPlantRules(state: ProductionOrderState, terms: OrderTerms, out: PlantDerivation): void {
  const { completions, receipts } = fromOtherPlants(state);
  const plants = [...new Set([...completions, ...receipts].map((r) => r.plant))].sort();
  for (const plant of plants) {
    const mine = completions.filter((c) => c.plant === plant);
    const goods = receipts.filter((m) => m.plant === plant);
    out.raise(
      'production_order_unknown',
      `plant:${plant}`,
      plant,
      `plant ${plant} reported ${mine.length} completion(s) and ${goods.length} finished-goods receipt(s) on production order ${state.productionOrder}, which was released to plant ${terms.plant}; they are not counted for the order`,
      [...mine.map((c) => c.eventId), ...goods.map((m) => m.eventId)].sort(),
      { releasedTo: terms.plant },
    );
  }
  for (const e of Object.values(state.exceptions)) {
    if (e.code === 'production_order_unknown' && e.status === 'open' && e.ref.startsWith('plant:') && !plants.includes(e.ref.slice('plant:'.length))) {
      out.resolve('production_order_unknown', e.ref, `production order ${state.productionOrder} is now released to plant ${terms.plant}`);
    }
  }
}

/** Quantities in a unit master data cannot convert: one exception per missing conversion. */
function unitRules(state: ProductionOrderState, terms: OrderTerms, ctx: PlantDecisionContext, out: PlantDerivation): void {
  const { convert } = ctx.policy;
  const missing = new Map<string, { itemId: string; from: string; to: string; evidence: string[] }>();
  const note = (itemId: string, from: string, to: string, eventId: string) => {
    const ref = `uom:${itemId}:${from}->${to}`;
    const entry = missing.get(ref) ?? { itemId, from, to, evidence: [] };
    entry.evidence.push(eventId);
    missing.set(ref, entry);
  };
  for (const c of completionsInOrder(state)) if (convert(terms.itemId, c.uom ?? terms.uom, terms.uom) === undefined) note(terms.itemId, c.uom ?? terms.uom, terms.uom, c.eventId);
  for (const m of finishedGoodsMovements(state, terms)) if (convert(terms.itemId, m.uom, terms.uom) === undefined) note(terms.itemId, m.uom, terms.uom, m.eventId);
  for (const m of orderMovements(state)) {
    const component = terms.components.find((c) => c.itemId === m.itemId);
    if (m.reason === 'issue' && component !== undefined && convert(m.itemId, m.uom, component.uom) === undefined) note(m.itemId, m.uom, component.uom, m.eventId);
  }
  for (const [ref, entry] of [...missing].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out.raise('unit_of_measure_unknown', ref, terms.plant, `production order ${state.productionOrder} counts ${entry.itemId} in ${entry.from}; master data has no conversion to ${entry.to}`, [...entry.evidence].sort(), {
      itemId: entry.itemId,
      from: entry.from,
      to: entry.to,
    });
  }
  for (const e of Object.values(state.exceptions)) {
    if (e.code === 'unit_of_measure_unknown' && e.status === 'open' && e.ref.startsWith('uom:') && !missing.has(e.ref)) out.resolve('unit_of_measure_unknown', e.ref, 'master data now converts the unit');
  }
}

function closedOrderRules(state: ProductionOrderState, terms: OrderTerms, out: PlantDerivation): void {
  const { counted, afterClose } = splitByClosure(state);
  const final = counted.at(-1);
  if (final === undefined) return;
  for (const c of afterClose) {
    out.raise(
      'production_order_closed',
      `completion-${c.seq}`,
      c.plant,
      `MES reported ${c.good} good and ${c.scrap} scrap ${c.uom ?? terms.uom} on production order ${state.productionOrder} at ${c.at}, after its final completion at ${final.at}; the quantity is not counted`,
      [c.eventId, final.eventId],
      { completedAt: c.at, finalCompletedAt: final.at },
    );
    // It counted until a final completion dated before it arrived: its stock deadline is void.
    out.resolve('inventory_not_updated', `completion-${c.seq}`, `the completion came after the final one and no longer counts`);
  }
}

function inventoryRules(state: ProductionOrderState, terms: OrderTerms, assessment: OrderAssessment, ctx: PlantDecisionContext, out: PlantDerivation): void {
  const { policy } = ctx;
  const { quantities, coverage } = assessment;
  const sla = policy.inventoryUpdateMs(terms.plant);
  for (const c of coverage) {
    const key = deadlineKey('inventory_update', c.ref);
    const deadline = state.deadlines[key];
    if (deadline === undefined) {
      out.startSla('inventory_update', c.ref, c.completion.at, addMs(c.completion.at, sla), policy.ownerOf('inventory_not_updated', terms.plant), terms.plant);
      continue;
    }
    if (!deadline.breached) continue;
    if (c.notReflected) {
      out.raise(
        'inventory_not_updated',
        c.ref,
        terms.plant,
        `plant ${terms.plant} stock shows ${str(quantities.received)} ${terms.uom} of ${terms.itemId} from production order ${state.productionOrder}; the completion at ${c.completion.at} brought it to ${str(c.through)} and was due in stock by ${deadline.deadline}`,
        [c.completion.eventId, ...finishedGoodsMovements(state, terms).map((m) => m.eventId).sort()],
        { completed: str(c.through), received: str(quantities.received), uom: terms.uom, deadline: deadline.deadline },
      );
    } else {
      out.resolve('inventory_not_updated', c.ref, `stock now shows ${str(quantities.received)} ${terms.uom} for the order`);
    }
  }
  const latest = coverage.at(-1);
  const settled = latest !== undefined && state.deadlines[deadlineKey('inventory_update', latest.ref)]?.breached === true;
  const evidence = [terms.eventId, ...quantities.counted.map((c) => c.eventId), ...finishedGoodsMovements(state, terms).map((m) => m.eventId).sort()];
  if (assessment.quantityOk) {
    out.resolve('production_quantity_mismatch', 'quantity', `finished goods in stock (${str(quantities.received)} ${terms.uom}) now match the good quantity completed`);
  } else if (settled && latest?.notReflected !== true) {
    out.raise(
      'production_quantity_mismatch',
      'quantity',
      terms.plant,
      `MES completed ${str(quantities.completed)} ${terms.uom} good of ${terms.itemId} on production order ${state.productionOrder}; plant ${terms.plant} stock received ${str(quantities.received)}`,
      evidence,
      { completed: str(quantities.completed), received: str(quantities.received), difference: str(quantities.received.minus(quantities.completed)), uom: terms.uom },
    );
  }
  for (const check of assessment.components) {
    const ref = `component:${check.itemId}`;
    if (componentOk(check, policy)) {
      out.resolve('backflush_mismatch', ref, `issues of ${check.itemId} now match the bill of material`);
      continue;
    }
    if (!settled) continue;
    const issues = orderMovements(state).filter((m) => m.reason === 'issue' && m.itemId === check.itemId).map((m) => m.eventId).sort();
    const produced = str(quantities.completed.plus(quantities.scrapped));
    const message = !check.onBom
      ? `plant ${terms.plant} issued ${str(check.issued)} ${check.uom} of ${check.itemId} to production order ${state.productionOrder}; it is not on the order's bill of material`
      : check.issued.isZero()
        ? `no issue of component ${check.itemId} is posted for production order ${state.productionOrder}; the bill of material calls for ${str(check.expected)} ${check.uom} for the ${produced} ${terms.uom} produced`
        : `plant ${terms.plant} issued ${str(check.issued)} ${check.uom} of component ${check.itemId} to production order ${state.productionOrder}; the bill of material calls for ${str(check.expected)} for the ${produced} ${terms.uom} produced (good and scrap)`;
    out.raise('backflush_mismatch', ref, terms.plant, message, [terms.eventId, ...quantities.counted.map((c) => c.eventId), ...issues], {
      itemId: check.itemId,
      expected: str(check.expected),
      issued: str(check.issued),
      uom: check.uom,
      onBillOfMaterial: check.onBom,
    });
  }
}

/**
 * Postings at standard cost (master data; the contracts carry no cost): a component issue to
 * WIP, a finished-goods receipt out of WIP, and the scrap a completion reports. One posting per
 * movement or completion: its id follows from that event's log sequence.
 */
function postingRules(state: ProductionOrderState, terms: OrderTerms, assessment: OrderAssessment, ctx: PlantDecisionContext, out: PlantDerivation): void {
  const { policy } = ctx;
  if (!policy.costsKept) return;
  const post = (postingId: string, kind: 'wip_issue' | 'finished_goods_receipt' | 'scrap', itemId: string, quantity: Dec, uom: string, evidence: string) => {
    if (state.postings[postingId] !== undefined) return;
    const cost = policy.standardCostOf(itemId);
    if (cost === undefined) {
      out.raise('master_data_gap', `cost:${itemId}`, terms.plant, `master data keeps no standard cost for ${itemId}; production order ${state.productionOrder} cannot post its ${kind.replaceAll('_', ' ')}`, [evidence], { itemId });
      return;
    }
    const factor = policy.convert(itemId, uom, cost.uom);
    if (factor === undefined) {
      out.raise('unit_of_measure_unknown', `uom:${itemId}:${uom}->${cost.uom}`, terms.plant, `the standard cost of ${itemId} is per ${cost.uom}; master data has no conversion from ${uom}`, [evidence], { itemId, from: uom, to: cost.uom });
      return;
    }
    // Settled (money.ts): 1 EA scrapped on an order in BOX of 12 posts 1 EA, not 0.99...96.
    const inCostUnit = settleQuantity(quantity.times(factor));
    out.emit('finance.posting', {
      postingId,
      kind,
      amount: amount(inCostUnit.times(dec(cost.unitCost)), cost.currency),
      currency: cost.currency,
      quantity: str(inCostUnit),
      unitPrice: cost.unitCost,
      productionOrder: state.productionOrder,
    }, terms.plant);
  };
  for (const m of orderMovements(state).sort((a, b) => a.seq - b.seq)) {
    // An issue takes stock out: WIP is debited with what left stock.
    if (m.reason === 'issue') post(`PST-WIP-${m.seq}`, 'wip_issue', m.itemId, dec(m.quantity).neg(), m.uom, m.eventId);
    else if (m.itemId === terms.itemId) post(`PST-FGR-${m.seq}`, 'finished_goods_receipt', m.itemId, dec(m.quantity), m.uom, m.eventId);
  }
  for (const c of assessment.quantities.counted) {
    const q = completionInOrderUnit(c, terms, policy.convert);
    if (q !== undefined && !q.scrap.isZero()) post(`PST-SCR-${c.seq}`, 'scrap', terms.itemId, q.scrap, terms.uom, c.eventId);
  }
  // Scrap posted for a completion that a final completion dated before it has since closed out.
  for (const c of splitByClosure(state).afterClose) {
    const posted = state.postings[`PST-SCR-${c.seq}`];
    const postingId = `PST-REV-SCR-${c.seq}`;
    if (posted === undefined || state.postings[postingId] !== undefined) continue;
    out.emit('finance.posting', {
      postingId,
      kind: 'reversal',
      amount: amount(dec(posted.amount).neg(), posted.currency),
      currency: posted.currency,
      ...(posted.quantity === undefined ? {} : { quantity: str(dec(posted.quantity).neg()) }),
      productionOrder: state.productionOrder,
      reverses: posted.postingId,
    }, terms.plant);
  }
}
