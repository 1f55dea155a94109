// Upcasting: the workflows read every event type in one shape, its reader version. Events stay
// in the log as they were sent; on read, code upcasters (vN -> vN+1, composed) carry older
// versions to the reader version, and a board's version with no upcaster is projected onto the
// reader version's known properties (docs/adr/0011-contract-versions-and-upcasting.md).
import type { CloudEvent, StoredEvent } from '../envelope.js';
import { dataVersionOf } from '../envelope.js';

export type EventData = Readonly<Record<string, unknown>>;

/**
 * One step of a contract's history in code: `data` of `eventType` version `from`, valid under
 * that contract, to data valid under version `from + 1`. Pure and total: it runs on read, on
 * every replay, and cannot refuse an event the log already holds.
 */
export interface Upcaster {
  readonly eventType: string;
  readonly from: number;
  upcast(data: EventData): EventData;
}

/**
 * What a reader version knows of an instance, as a projection keeps it: an object keeps only
 * the properties its closed schema declares (`closed`) or all of them, each projected in turn;
 * an array projects its items; anything else is kept as is. Plain JSON, so it crosses threads.
 */
export type KnownShape =
  | { readonly kind: 'object'; readonly closed: boolean; readonly properties: Readonly<Record<string, KnownShape>> }
  | { readonly kind: 'array'; readonly items: KnownShape }
  | { readonly kind: 'any' };

/** Versions of one event type that no upcaster reaches, read by projection onto the reader version. */
export interface ProjectedVersions {
  readonly readerVersion: number;
  readonly versions: readonly number[];
  readonly shape: KnownShape;
}

/** The projections a contracts folder needs, per event type (built by `planReaders`). Plain JSON. */
export interface ReaderPlan {
  readonly projected: Readonly<Record<string, ProjectedVersions>>;
}

export const EMPTY_READER_PLAN: ReaderPlan = { projected: {} };

interface Chain {
  /** The lowest version an upcaster starts from. */
  readonly bottom: number;
  /** The version the chain ends at: the reader version. */
  readonly top: number;
  /** Step from version `bottom + i` at index i. */
  readonly steps: readonly Upcaster[];
}

/** Brings events to the version the workflows read. Immutable; safe to share. */
export class EventUpcaster {
  private readonly chains = new Map<string, Chain>();
  private readonly plan: ReaderPlan;

  /**
   * Throws when two upcasters start from the same version of a type or a type's upcasters
   * leave a gap: every version an upcaster starts from must reach the top of its chain.
   */
  constructor(upcasters: readonly Upcaster[], plan: ReaderPlan = EMPTY_READER_PLAN) {
    this.plan = plan;
    const byType = new Map<string, Upcaster[]>();
    for (const upcaster of upcasters) {
      if (!Number.isInteger(upcaster.from) || upcaster.from < 1) throw new Error(`upcaster for ${upcaster.eventType} starts from version ${upcaster.from}; versions start at 1`);
      byType.set(upcaster.eventType, [...(byType.get(upcaster.eventType) ?? []), upcaster]);
    }
    for (const [eventType, steps] of byType) {
      const sorted = [...steps].sort((a, b) => a.from - b.from);
      const bottom = sorted[0]?.from ?? 1;
      sorted.forEach((step, index) => {
        if (step.from !== bottom + index) {
          const previous = sorted[index - 1];
          throw new Error(
            previous !== undefined && previous.from === step.from
              ? `two upcasters for ${eventType} start from v${step.from}`
              : `upcasters for ${eventType} leave a gap: nothing goes from v${bottom + index} to v${bottom + index + 1}`,
          );
        }
      });
      this.chains.set(eventType, { bottom, top: bottom + sorted.length, steps: sorted });
    }
  }

  /** The version the code upcasters bring a type to; undefined when no upcaster knows the type. */
  latestVersion(eventType: string): number | undefined {
    return this.chains.get(eventType)?.top;
  }

  /** Whether code upcasters take this version of the type to its latest version (the latest itself included). */
  reaches(eventType: string, version: number): boolean {
    const chain = this.chains.get(eventType);
    return chain !== undefined && version >= chain.bottom && version <= chain.top;
  }

  /**
   * The event as the workflows read it: data in the reader version's shape and `dataversion`
   * set to it. An event already in that shape, or of a version nothing reaches, is returned as
   * it is (the same object). Never changes its argument.
   */
  upcast(event: CloudEvent): CloudEvent {
    const sent = dataVersionOf(event);
    let version = sent;
    let data: EventData = event.data;
    const chain = this.chains.get(event.type);
    if (chain !== undefined && version >= chain.bottom && version < chain.top) {
      for (; version < chain.top; version += 1) data = (chain.steps[version - chain.bottom] as Upcaster).upcast(data);
    } else {
      const projected = Object.hasOwn(this.plan.projected, event.type) ? this.plan.projected[event.type] : undefined;
      if (projected !== undefined && projected.versions.includes(version)) {
        data = project(data, projected.shape) as EventData;
        version = projected.readerVersion;
      }
    }
    if (version === sent) return event;
    // `dataschema` names the sent version's schema: kept, it would describe data that is no longer there.
    const { dataschema: _dataschema, ...rest } = event;
    return { ...rest, dataversion: version, data };
  }

  /** `upcast` for an event read from the log; sequence and receipt time are kept. */
  upcastStored(stored: StoredEvent): StoredEvent {
    const event = this.upcast(stored.event);
    return event === stored.event ? stored : { ...stored, event };
  }
}

/** Keeps of `value` what `shape` knows; a new value, the argument is not changed. */
export function project(value: unknown, shape: KnownShape): unknown {
  if (shape.kind === 'array') return Array.isArray(value) ? value.map((item: unknown) => project(item, shape.items)) : value;
  if (shape.kind === 'any' || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    const known = Object.hasOwn(shape.properties, name) ? shape.properties[name] : undefined;
    if (known !== undefined) out[name] = project(item, known);
    else if (!shape.closed) out[name] = item;
  }
  return out;
}
