// 850 purchase order -> po.released, for a buyer's ERP that speaks EDI. BEG gives the PO,
// CUR the currency, N1*ST the plant, N1*SU (or VN) the supplier, each PO1 loop a line with its
// PID text and DTM*002 need-by date (the header DTM*002 when the line has none).
import type { MappedData, MappingContext, SetMapper } from './x12-mapping.js';
import { canonicalUnit, PLANT, productIds, unitPriceOf } from './x12-mapping.js';
import type { SetReader, SetSegment } from './x12-set-reader.js';

/** Buyer's part number, buyer's item number, then the vendor's: the first found is the item. */
const ITEM_QUALIFIERS = ['BP', 'IN', 'VP', 'VN'] as const;

export const map850: SetMapper = (reader, context) => {
  const body = reader.body();
  const beg = reader.first('BEG');
  if (beg === undefined) {
    reader.missing('BEG', 2, 'the BEG segment (PO number and date) is missing');
    return undefined;
  }
  const poNumber = reader.required(beg, 3, '324', 'purchase order number');
  reader.code(beg, 1, '353', 'transaction set purpose', ['00', '05', '06'], false);
  reader.date(beg, 5, '373', 'purchase order date');
  const warnings: MappedData['warnings'][number][] = [];
  const currency = currencyOf(reader, warnings);
  let buyerPlant: string | undefined;
  let supplierId: string | undefined;
  let headerNeedBy: string | undefined;
  const lines: Record<string, unknown>[] = [];
  let current: { line: Record<string, unknown>; at: SetSegment } | undefined;
  const endLine = () => {
    if (current === undefined) return;
    if (current.line.needBy === undefined) {
      if (headerNeedBy !== undefined) current.line.needBy = headerNeedBy;
      else reader.missing('DTM', current.at.index + 1, `PO1 line ${String(current.line.line)} has no DTM*002 (delivery requested) and the header gives none`);
    }
    lines.push(current.line);
    current = undefined;
  };
  let ctt: SetSegment | undefined;
  for (const at of body) {
    switch (at.segment.id) {
      case 'N1': {
        if (current !== undefined) break;
        const role = reader.element(at, 1);
        const code = reader.element(at, 4);
        if (role === 'ST') {
          if (code === '' || !PLANT.test(code)) reader.invalid(at, 4, '67', `N104 "${code}" of the ship-to party is not a plant code (capitals, digits, hyphens)`);
          else buyerPlant = code;
        } else if (role === 'SU' || role === 'VN') {
          if (code === '') reader.required(at, 4, '67', 'supplier code');
          else supplierId = context.directory.supplierId(context.sender.id, code) ?? code;
        }
        break;
      }
      case 'DTM':
        if (reader.element(at, 1) !== '002') break;
        if (current === undefined) headerNeedBy = reader.date(at, 2, '373', 'delivery requested date');
        else {
          const needBy = reader.date(at, 2, '373', 'delivery requested date');
          if (needBy !== undefined) current.line.needBy = needBy;
        }
        break;
      case 'PO1': {
        endLine();
        current = { line: line850(reader, at, context), at };
        break;
      }
      case 'PID':
        if (current !== undefined) {
          const text = reader.optional(at, 5);
          if (text !== undefined) current.line.description = text;
        }
        break;
      case 'CTT':
        endLine();
        ctt = at;
        break;
      default:
        break;
    }
  }
  endLine();
  if (lines.length === 0) reader.missing('PO1', (ctt?.index ?? body.length + 2), 'the purchase order has no PO1 line');
  checkLineCount(reader, ctt, lines.length);
  if (buyerPlant === undefined && !body.some((at) => at.segment.id === 'N1' && reader.element(at, 1) === 'ST')) {
    reader.missing('N1', beg.index + 1, 'no N1*ST (ship-to) loop names the buyer plant');
  }
  if (supplierId === undefined) {
    supplierId = context.receiver?.supplierId;
    if (supplierId === undefined) reader.missing('N1', beg.index + 1, 'no N1*SU (supplier) loop, and the interchange receiver is no partner of the manifest');
  }
  if (reader.hasProblems() || poNumber === undefined || buyerPlant === undefined || supplierId === undefined) return undefined;
  return { type: 'po.released', data: { poNumber, supplierId, buyerPlant, currency, lines }, warnings };
};

function line850(reader: SetReader, at: SetSegment, context: MappingContext): Record<string, unknown> {
  const line = reader.lineNumber(at, 1, '350', 'line number');
  const quantity = reader.decimal(at, 2, '330', 'quantity ordered');
  const uom = reader.required(at, 3, '355', 'unit of measure');
  // PO105 (basis of unit price): a price per hundred or thousand becomes the price of one PO103 unit.
  const unitPrice = unitPriceOf(reader, at, 4, reader.decimal(at, 4, '212', 'unit price'), uom);
  const ids = productIds(reader, at, 6);
  const item = ITEM_QUALIFIERS.map((q) => ids.find((id) => id.qualifier === q)).find((id) => id !== undefined);
  if (item === undefined) reader.required(at, 7, '234', 'product id (BP buyer part number)');
  const itemId = item === undefined ? undefined : (context.directory.itemId(context.sender.id, item.value) ?? item.value);
  return { line, itemId, quantity, uom: uom === undefined ? undefined : canonicalUnit(uom), unitPrice };
}

/** CUR*BY (buyer) or CUR*SE (seller); without one, the document is in US dollars (X12's default). */
export function currencyOf(reader: SetReader, warnings: MappedData['warnings'][number][]): string {
  const cur = reader.first('CUR');
  if (cur === undefined) {
    const st = reader.set.header;
    warnings.push({ code: 'currency_assumed', message: 'no CUR segment: the amounts are taken as USD', segment: st.id, position: st.position });
    return 'USD';
  }
  const code = reader.required(cur, 2, '100', 'currency code');
  if (code !== undefined && !/^[A-Z]{3}$/.test(code)) reader.invalid(cur, 2, '100', `CUR02 "${code}" is not an ISO 4217 currency code`);
  return code ?? 'USD';
}

/** CTT01 (number of line items) must match the lines; X12 has no closer code than 7 for a hash total that disagrees. */
export function checkLineCount(reader: SetReader, ctt: SetSegment | undefined, count: number): void {
  if (ctt === undefined) return;
  const declared = reader.element(ctt, 1);
  if (declared !== String(count) && Number(declared) !== count) reader.invalid(ctt, 1, '354', `CTT01 says ${declared || '(empty)'} line item(s); the set holds ${count}`);
}
