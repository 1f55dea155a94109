// Master data alignment at intake (docs/adr/0019): a source's local item, supplier, plant and
// unit codes become canonical ids through the manifest's cross-references. The log keeps the
// event as sent, with the mapping as a governance mark (`millracealigned`); the workflows read
// it aligned (`alignedEvent`). A source with a cross-reference table for a kind of code must
// send codes the table maps or canonical ids; anything else is a gap and the event waits.
import type { CloudEvent } from '../envelope.js';
import type { Manifest } from './manifest.js';

export type CodeKind = 'item' | 'supplier' | 'plant' | 'unit';

/** The manifest's cross-references: per system or partner id, local code -> canonical id. */
export interface AlignmentTables {
  readonly itemCodes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly supplierCodes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly plantCodes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly unitCodes?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Canonical ids master data knows besides the tables' values (partners' supplier ids, declared plants, items with conversions). */
export interface CanonicalIds {
  readonly items?: readonly string[];
  readonly suppliers?: readonly string[];
  readonly plants?: readonly string[];
  readonly units?: readonly string[];
}

/** One code the hub replaced: where (JSON pointer in the event), what was sent, what it stands for. */
export interface CodeMapping {
  readonly pointer: string;
  readonly kind: CodeKind;
  readonly from: string;
  readonly to: string;
}

/** A code no cross-reference maps and no canonical id matches. */
export interface CodeGap {
  readonly pointer: string;
  readonly kind: CodeKind;
  readonly code: string;
  /** The table a mapping belongs in: `masterData.itemCodes.wms-p02`. */
  readonly table: string;
}

export type Alignment = { readonly kind: 'aligned'; readonly mappings: readonly CodeMapping[] } | { readonly kind: 'gap'; readonly gaps: readonly CodeGap[] };

/** The mark the log keeps on an aligned event (a governance mark: not part of the body a resend is compared on). */
export const ALIGNMENT_MARK = 'millracealigned';

/** Field names that hold codes, wherever they appear in `data` (top level or in lines). */
const FIELDS: Readonly<Record<string, CodeKind>> = {
  itemId: 'item',
  supplierId: 'supplier',
  plant: 'plant',
  buyerPlant: 'plant',
  shipToPlant: 'plant',
  toPlant: 'plant',
  uom: 'unit',
};

const SECTIONS: Readonly<Record<CodeKind, keyof AlignmentTables>> = { item: 'itemCodes', supplier: 'supplierCodes', plant: 'plantCodes', unit: 'unitCodes' };

const UNMAPPED: Alignment = { kind: 'aligned', mappings: [] };

export class MasterDataAligner {
  private readonly canonical: Readonly<Record<CodeKind, ReadonlySet<string>>>;
  /** Sources with a cross-reference table of any kind. */
  private readonly mapped: ReadonlySet<string>;

  constructor(
    private readonly tables: AlignmentTables,
    known: CanonicalIds = {},
  ) {
    this.mapped = new Set(Object.values(SECTIONS).flatMap((section) => Object.keys(tables[section] ?? {})));
    const valuesOf = (section: keyof AlignmentTables) => Object.values(tables[section] ?? {}).flatMap((table) => Object.values(table));
    this.canonical = {
      item: new Set([...valuesOf('itemCodes'), ...(known.items ?? [])]),
      supplier: new Set([...valuesOf('supplierCodes'), ...(known.suppliers ?? [])]),
      plant: new Set([...valuesOf('plantCodes'), ...(known.plants ?? [])]),
      unit: new Set([...valuesOf('unitCodes'), ...(known.units ?? [])]),
    };
  }

  /** Whether any source has a cross-reference table (without one, intake never maps). */
  get active(): boolean {
    return (Object.keys(SECTIONS) as CodeKind[]).some((kind) => Object.keys(this.tables[SECTIONS[kind]] ?? {}).length > 0);
  }

  /** The mappings an event of `sourceId` needs, or its gaps. Sources without tables send canonical codes. */
  align(event: CloudEvent, sourceId: string): Alignment {
    // Most sources have no table: nothing to map, and no need to walk the event.
    if (!this.mapped.has(sourceId)) return UNMAPPED;
    const mappings: CodeMapping[] = [];
    const gaps: CodeGap[] = [];
    const visit = (value: unknown, pointer: string, kind: CodeKind | undefined): void => {
      if (kind !== undefined && typeof value === 'string') {
        const table = this.tables[SECTIONS[kind]]?.[sourceId];
        if (table === undefined) return;
        const to = Object.hasOwn(table, value) ? table[value] : undefined;
        if (to !== undefined) {
          if (to !== value) mappings.push({ pointer, kind, from: value, to });
        } else if (!this.canonical[kind].has(value)) gaps.push({ pointer, kind, code: value, table: `masterData.${SECTIONS[kind]}.${sourceId}` });
        return;
      }
      if (Array.isArray(value)) value.forEach((item, index) => visit(item, `${pointer}/${index}`, undefined));
      else if (value !== null && typeof value === 'object') {
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) visit(item, `${pointer}/${key}`, FIELDS[key]);
      }
    };
    visit(event.data, '/data', undefined);
    if (typeof event.plant === 'string') visit(event.plant, '/plant', 'plant');
    return gaps.length > 0 ? { kind: 'gap', gaps } : { kind: 'aligned', mappings };
  }

  /**
   * The canonical plant an event of `sourceId` is for: its `plant`, `buyerPlant` or `shipToPlant`
   * (the first it has), mapped as `align` maps it. Undefined when it names none, or when that code
   * is itself a gap (a plant nobody knows is no plant to file the event under).
   */
  plantOf(event: CloudEvent, sourceId: string): string | undefined {
    const data = event.data;
    const code = [data.plant, data.buyerPlant, data.shipToPlant].find((value): value is string => typeof value === 'string');
    if (code === undefined) return undefined;
    const table = this.tables.plantCodes?.[sourceId];
    if (table === undefined) return code;
    const to = Object.hasOwn(table, code) ? table[code] : undefined;
    return to ?? (this.canonical.plant.has(code) ? code : undefined);
  }
}

/** The event with its alignment recorded beside what was sent (unchanged when nothing maps). */
export function markAligned(event: CloudEvent, mappings: readonly CodeMapping[]): CloudEvent {
  return mappings.length === 0 ? event : { ...event, [ALIGNMENT_MARK]: mappings.map((m) => ({ ...m })) };
}

/**
 * The event as the workflows read it: the recorded mappings applied to a copy. The log keeps
 * what was sent; applying the mark recorded at intake (not today's tables) keeps replay exact.
 */
export function alignedEvent(event: CloudEvent): CloudEvent {
  const mark = event[ALIGNMENT_MARK];
  if (!Array.isArray(mark) || mark.length === 0) return event;
  const copy = structuredClone(event) as Record<string, unknown>;
  for (const mapping of mark as CodeMapping[]) setAt(copy, mapping.pointer, mapping.to);
  delete copy[ALIGNMENT_MARK];
  return copy as unknown as CloudEvent;
}

function setAt(root: Record<string, unknown>, pointer: string, value: string): void {
  const parts = pointer.slice(1).split('/');
  let node: unknown = root;
  for (const part of parts.slice(0, -1)) node = (node as Record<string, unknown> | undefined)?.[part];
  const last = parts[parts.length - 1];
  if (node !== null && typeof node === 'object' && last !== undefined) (node as Record<string, unknown>)[last] = value;
}

/** The aligner a manifest declares: its cross-reference tables, and the canonical ids it knows otherwise. */
export function alignerOf(manifest: Manifest): MasterDataAligner {
  const { itemCodes, supplierCodes, plantCodes, unitCodes, unitConversions = {}, standardCosts = {}, suppliers = [] } = manifest.masterData;
  return new MasterDataAligner(
    { ...(itemCodes === undefined ? {} : { itemCodes }), ...(supplierCodes === undefined ? {} : { supplierCodes }), ...(plantCodes === undefined ? {} : { plantCodes }), ...(unitCodes === undefined ? {} : { unitCodes }) },
    {
      items: [...Object.keys(unitConversions), ...Object.keys(standardCosts)],
      suppliers: [...suppliers, ...manifest.partners.map((p) => p.supplierId)],
      plants: manifest.systems.flatMap((s) => (s.plant === undefined ? [] : [s.plant])),
      units: [...Object.values(unitConversions).flatMap((sizes) => Object.keys(sizes)), ...Object.values(standardCosts).map((c) => c.uom)],
    },
  );
}

/** Who owns master_data_gap exceptions: the alignment owner, else the exception owner, else master-data. */
export function masterDataOwnerOf(manifest: Manifest): string {
  return manifest.masterData.alignment?.owner ?? manifest.exceptionOwners.master_data_gap ?? 'master-data';
}
