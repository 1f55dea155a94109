// What a change of the governance manifest does (`millrace diff OLD NEW`): contract versions
// with their compatibility verdict under the OLD manifest's mode, publishing authority, SLAs,
// tolerances, lag and rate limits, exception owners and subscriptions, each with the publishers
// and subscribers it concerns; given a census of a store, what it touches there. Everything the
// specific rules do not cover is still listed (section `other`): no change goes unreported.
import { checkCompatibility, type CompatibilityChange, type CompatibilityMode, type SchemaVersion } from '../contracts/compatibility.js';
import type { ContractSet, SchemaDocument } from '../contracts/contract-registry.js';
import { canonicalJson } from '../envelope.js';
import { dec } from '../money.js';
import { DEFAULT_EXCEPTION_OWNERS, DEFAULT_SLAS, DEFAULT_TOLERANCES, type P2PSla, type ToleranceSettings } from '../p2p/p2p-policy.js';
import { DEFAULT_PLANT_EXCEPTION_OWNERS } from '../plant/plant-policy.js';

/** The owner of each exception code when the manifest names none (P2P's default wins where both have the code). */
const DEFAULT_OWNERS: Readonly<Record<string, string>> = { ...DEFAULT_PLANT_EXCEPTION_OWNERS, ...DEFAULT_EXCEPTION_OWNERS };
import { P2P_INPUT_TYPES } from '../p2p/p2p-routing.js';
import { subscriptionRulesOf } from '../delivery/subscription-match.js';
import type { DiffImpact, ExceptionGroup, LineGroup, Selection, ToleranceField, Touches, WorkflowCensus } from './manifest-impact.js';
import { awaiting, ImpactCounter, SLA_STAGES, TOLERANCE_APPLIES_ON } from './manifest-impact.js';
import type { Manifest, PartnerDeclaration, SubscriptionDeclaration, SystemDeclaration } from './manifest.js';

/** One side of the comparison: a checked manifest and its contracts (shipped, with its own folder layered on). */
export interface ManifestSide {
  readonly manifest: Manifest;
  readonly contracts: ContractSet;
}

export const DIFF_SECTIONS = ['contracts', 'authority', 'slas', 'tolerances', 'limits', 'exceptionOwners', 'subscriptions', 'other'] as const;
export type DiffSection = (typeof DIFF_SECTIONS)[number];

/** Every change kind, its section and what it means; docs/manifest-diff.md lists them and a test keeps it in sync. */
export const DIFF_KINDS = {
  contract_changed: { section: 'contracts', summary: 'A contract version on both sides has another schema; checked against its old self.' },
  version_added: { section: 'contracts', summary: 'A new contract version; in force, it is checked against the earlier versions in force.' },
  version_removed: { section: 'contracts', summary: 'A contract version is gone; breaking if it was in force and the type has publishers.' },
  version_in_force: { section: 'contracts', summary: 'A version enters contracts.inForce; checked against the earlier versions in force.' },
  version_out_of_force: { section: 'contracts', summary: 'A version leaves contracts.inForce; breaking if the type has publishers.' },
  compatibility_mode_changed: { section: 'contracts', summary: 'contracts.compatibility changed; this diff still applies the old mode.' },
  publisher_added: { section: 'authority', summary: 'A system or partner is declared.' },
  publisher_removed: { section: 'authority', summary: 'A system or partner is no longer declared; its keys stop working.' },
  publish_granted: { section: 'authority', summary: 'A system or partner may publish one more event type.' },
  publish_revoked: { section: 'authority', summary: 'A system or partner may no longer publish an event type.' },
  mode_changed: { section: 'authority', summary: 'A source moves between enforce and observe.' },
  role_changed: { section: 'authority', summary: "A system's role (record, execution, engagement) in a domain changed, was added or removed." },
  plant_changed: { section: 'authority', summary: "A system's plant changed (roles are per domain and plant)." },
  supplier_changed: { section: 'authority', summary: 'A partner speaks for another supplier id.' },
  domain_added: { section: 'authority', summary: 'A data domain is declared.' },
  domain_removed: { section: 'authority', summary: 'A data domain is no longer declared.' },
  domain_owner_changed: { section: 'authority', summary: 'A data domain has another owner team.' },
  domain_event_types_changed: { section: 'authority', summary: 'Event types moved into or out of a data domain.' },
  sla_changed: { section: 'slas', summary: 'A workflow SLA has another duration (defaults count).' },
  tolerance_changed: { section: 'tolerances', summary: 'A match or confirmation tolerance changed, globally, per item category or per supplier.' },
  max_lag_changed: { section: 'limits', summary: "A source's maximum lag for an event type (or its default) changed." },
  rate_limit_changed: { section: 'limits', summary: "A source's requests per minute per credential changed." },
  exception_owner_changed: { section: 'exceptionOwners', summary: 'An exception code goes to another team (defaults count).' },
  subscription_added: { section: 'subscriptions', summary: 'A subscription is declared.' },
  subscription_removed: { section: 'subscriptions', summary: 'A subscription is no longer declared.' },
  subscription_changed: { section: 'subscriptions', summary: "A subscription's subscriber, types, filter, channel or maintenance windows changed." },
  value_changed: { section: 'other', summary: 'Anything else: enterprise, hub settings, teams, master data, names, protocols, X12 ids, credentials, contracts.folder.' },
} as const satisfies Record<string, { readonly section: DiffSection; readonly summary: string }>;

export type DiffKind = keyof typeof DIFF_KINDS;

export interface PublisherRef {
  /** `hub` publishes the event types the hub derives (source /millrace). */
  readonly kind: 'system' | 'partner' | 'hub';
  readonly id: string;
}

export interface SubscriberRef {
  readonly subscription: string;
  readonly subscriber: string;
}

/** A compatibility check of one contract version, in the OLD manifest's mode. */
export interface ContractVerdict {
  readonly mode: CompatibilityMode;
  /** Versions NEW was compared with (transitive modes: every earlier version in force; others: the last). */
  readonly against: readonly number[];
  readonly compatible: boolean;
  readonly changes: readonly CompatibilityChange[];
}

export interface ManifestChange {
  readonly section: DiffSection;
  readonly kind: DiffKind;
  readonly breaking: boolean;
  /** What changed: `po.released v2`, `partners[sup-0042].publishes`, `slas.invoice_hold`, ... */
  readonly subject: string;
  readonly message: string;
  /** The value before and after; undefined when absent on that side. Defaults count as values. */
  readonly old?: unknown;
  readonly new?: unknown;
  readonly eventTypes: readonly string[];
  readonly publishers: readonly PublisherRef[];
  readonly subscribers: readonly SubscriberRef[];
  /** Hub workflows that read these event types (`p2p`: procure-to-pay). */
  readonly workflows: readonly string[];
  readonly compatibility?: ContractVerdict;
  /** With a census: in-flight workflows and open exceptions this change touches. */
  readonly touches?: Touches;
}

/**
 * A subscription the change removes or narrows (a type dropped, a filter set or changed): the hub
 * that next leads the deliveries with NEW withdraws the deliveries queued for it that NEW no
 * longer matches, never sent (ADR 0052). Widening one withdraws nothing.
 */
export interface DeliveryWithdrawal {
  readonly subscription: string;
  /** The subscriber in OLD. */
  readonly subscriber: string;
  readonly change: 'removed' | 'narrowed';
  /** What NEW still sends it (types and filter); absent when removed: every queued delivery goes. */
  readonly keeps?: Pick<SubscriptionDeclaration, 'types' | 'filter'>;
  readonly message: string;
}

export interface ManifestDiff {
  /** The OLD manifest's compatibility mode, which decides what breaks. */
  readonly mode: CompatibilityMode;
  readonly breaking: boolean;
  /** In section order (DIFF_SECTIONS), then by subject. */
  readonly changes: readonly ManifestChange[];
  /** Subscriptions whose queued deliveries the change withdraws, by id. */
  readonly withdrawals: readonly DeliveryWithdrawal[];
  readonly impact?: DiffImpact;
}

/**
 * Compares two manifests with their contracts. Throws SchemaInputError when a contract is not a
 * usable JSON Schema 2020-12 document (the compatibility checker's rule).
 */
export function diffManifests(old: ManifestSide, next: ManifestSide, census?: WorkflowCensus): ManifestDiff {
  const diff = new Differ(old, next, census === undefined ? undefined : new ImpactCounter(census));
  diff.contracts();
  diff.authority();
  diff.policy();
  diff.subscriptions();
  diff.other();
  return { ...diff.result(), withdrawals: subscriptionWithdrawals(old.manifest, next.manifest) };
}

const WITHDRAWN_WHEN = 'when a hub that sends deliveries next starts with this manifest (ADR 0052)';

/** The subscriptions OLD declares that NEW removes or narrows, by id. */
export function subscriptionWithdrawals(old: Manifest, next: Manifest): DeliveryWithdrawal[] {
  const after = new Map(next.subscriptions.map((s) => [s.id, s]));
  const withdrawals: DeliveryWithdrawal[] = [];
  for (const was of [...old.subscriptions].sort((a, b) => a.id.localeCompare(b.id))) {
    const is = after.get(was.id);
    const who = `subscription ${was.id} (${was.subscriber})`;
    if (is === undefined) {
      withdrawals.push({ subscription: was.id, subscriber: was.subscriber, change: 'removed', message: `${who} is removed: all its queued deliveries are withdrawn, never sent, ${WITHDRAWN_WHEN}` });
      continue;
    }
    const dropped = was.types.filter((type) => !is.types.includes(type));
    // A filter set or changed narrows (a changed value drops what the old one let through); one taken off widens.
    const filters = (['plant', 'supplierId'] as const).filter((key) => is.filter?.[key] !== undefined && is.filter[key] !== was.filter?.[key]);
    if (dropped.length === 0 && filters.length === 0) continue;
    const how = [
      ...(dropped.length === 0 ? [] : [`types ${dropped.map((type) => `-${type}`).join(' ')}`]),
      ...filters.map((key) => `filter ${key} ${was.filter?.[key] ?? 'unset'} -> ${is.filter?.[key] ?? 'unset'}`),
    ].join('; ');
    withdrawals.push({
      subscription: was.id,
      subscriber: was.subscriber,
      change: 'narrowed',
      keeps: { types: is.types, ...(is.filter === undefined ? {} : { filter: is.filter }) },
      message: `${who} is narrowed (${how}): its queued deliveries it no longer matches are withdrawn, never sent, ${WITHDRAWN_WHEN}`,
    });
  }
  return withdrawals;
}

/** What a hub's outbox recorded of a subscription (the store's cursor): whether it was found removed, and its rules. */
export interface RecordedSubscription {
  readonly subscription: string;
  /** Set once a hub that sends deliveries started without it in its manifest. */
  readonly removedAt?: number;
  /** `subscriptionRulesOf` of the declaration its deliveries were last queued under. */
  readonly rules?: string;
}

/** A sign that OLD is not the manifest the store's hub last ran its deliveries with. */
export interface SubscriptionDrift {
  readonly subscription: string;
  readonly drift: 'rules_differ' | 'not_in_old' | 'removed_in_store';
  readonly message: string;
}

/**
 * Where OLD's subscriptions disagree with what the store's outbox recorded (`millrace diff
 * --store`): the diff compares OLD with NEW, so an OLD that is not the manifest in force gives a
 * review the wrong picture (a withdrawal counted against rules the hub does not run, one missed).
 * A subscription OLD declares that the store never saw is not a sign: a hub may not have started
 * with it yet.
 */
export function subscriptionDrift(old: Manifest, recorded: readonly RecordedSubscription[]): SubscriptionDrift[] {
  const declared = new Map(old.subscriptions.map((s) => [s.id, s]));
  const drift: SubscriptionDrift[] = [];
  for (const cursor of [...recorded].sort((a, b) => (a.subscription < b.subscription ? -1 : a.subscription > b.subscription ? 1 : 0))) {
    const was = declared.get(cursor.subscription);
    const who = `subscription ${cursor.subscription}`;
    if (was === undefined) {
      if (cursor.removedAt === undefined) drift.push({ subscription: cursor.subscription, drift: 'not_in_old', message: `${who} is in the store's outbox, in force, but not in OLD` });
      continue;
    }
    if (cursor.removedAt !== undefined) {
      drift.push({ subscription: cursor.subscription, drift: 'removed_in_store', message: `${who} is in OLD, but the store's hub found it removed from its manifest (at log sequence ${cursor.removedAt})` });
      continue;
    }
    if (cursor.rules !== undefined && cursor.rules !== subscriptionRulesOf(was)) {
      drift.push({ subscription: cursor.subscription, drift: 'rules_differ', message: `${who}: the store's hub queues its deliveries under ${cursor.rules}, OLD declares ${subscriptionRulesOf(was)}` });
    }
  }
  return drift;
}

type Publisher = { readonly kind: 'system'; readonly decl: SystemDeclaration } | { readonly kind: 'partner'; readonly decl: PartnerDeclaration };

interface Draft {
  readonly breaking?: boolean;
  readonly subject: string;
  readonly message: string;
  readonly old?: unknown;
  readonly new?: unknown;
  readonly eventTypes?: readonly string[];
  readonly publishers?: readonly PublisherRef[];
  /** Subscribers of eventTypes are found unless given. */
  readonly subscribers?: readonly SubscriberRef[];
  readonly compatibility?: ContractVerdict;
  /** What it touches in a store; none when absent. */
  readonly selection?: Selection;
}

const TOLERANCE_FIELDS = ['pricePercent', 'priceAbsolute', 'quantity', 'overReceiptPercent', 'confirmationQuantityPercent', 'confirmationPricePercent', 'confirmationDateDays'] as const satisfies readonly ToleranceField[];
const P2P_TYPES: ReadonlySet<string> = new Set(P2P_INPUT_TYPES);
const SUBSCRIPTION_FIELDS = ['subscriber', 'types', 'filter', 'channel', 'maintenanceWindows'] as const satisfies readonly (keyof SubscriptionDeclaration)[];

class Differ {
  private readonly changes: ManifestChange[] = [];
  private readonly mode: CompatibilityMode;
  private readonly manifests: readonly [Manifest, Manifest];

  constructor(
    private readonly old: ManifestSide,
    private readonly next: ManifestSide,
    private readonly impact: ImpactCounter | undefined,
  ) {
    this.mode = old.manifest.contracts.compatibility;
    this.manifests = [old.manifest, next.manifest];
  }

  result(): Omit<ManifestDiff, 'withdrawals'> {
    const order = (change: ManifestChange): number => DIFF_SECTIONS.indexOf(change.section);
    const changes = this.changes.map((change, index) => ({ change, index })).sort((a, b) => order(a.change) - order(b.change) || a.index - b.index).map(({ change }) => change);
    return {
      mode: this.mode,
      breaking: changes.some((change) => change.breaking),
      changes,
      ...(this.impact === undefined ? {} : { impact: this.impact.summary() }),
    };
  }

  private add(kind: DiffKind, draft: Draft): void {
    const eventTypes = [...new Set(draft.eventTypes ?? [])].sort();
    const breaking = draft.breaking ?? false;
    this.changes.push({
      section: DIFF_KINDS[kind].section,
      kind,
      breaking,
      subject: draft.subject,
      message: draft.message,
      ...(draft.old === undefined ? {} : { old: draft.old }),
      ...(draft.new === undefined ? {} : { new: draft.new }),
      eventTypes,
      publishers: draft.publishers ?? this.publishersOf(eventTypes),
      subscribers: draft.subscribers ?? this.subscribersOf(eventTypes),
      workflows: eventTypes.some((type) => P2P_TYPES.has(type)) ? ['p2p'] : [],
      ...(draft.compatibility === undefined ? {} : { compatibility: draft.compatibility }),
      ...(this.impact === undefined ? {} : { touches: this.impact.count(draft.selection ?? {}, breaking) }),
    });
  }

  // --- contracts -------------------------------------------------------------------------

  contracts(): void {
    const before = indexContracts(this.old.contracts);
    const after = indexContracts(this.next.contracts);
    const types = [...new Set([...before.keys(), ...after.keys()])].sort();
    for (const type of types) this.contractVersions(type, before.get(type) ?? new Map(), after.get(type) ?? new Map());
    const oldMode = this.old.manifest.contracts.compatibility;
    const newMode = this.next.manifest.contracts.compatibility;
    if (oldMode !== newMode) {
      this.add('compatibility_mode_changed', {
        subject: 'contracts.compatibility',
        old: oldMode,
        new: newMode,
        message: `contracts.compatibility: ${oldMode} -> ${newMode}; this diff checks with the old mode, ${oldMode}`,
      });
    }
  }

  private contractVersions(type: string, before: ReadonlyMap<number, SchemaDocument>, after: ReadonlyMap<number, SchemaDocument>): void {
    const oldInForce = inForceOf(this.old.manifest, type, before);
    const newInForce = inForceOf(this.next.manifest, type, after);
    const versions = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => a - b);
    const entering = new Set(versions.filter((v) => newInForce.has(v) && !oldInForce.has(v)));
    // A version entering force is checked against what is in force today, plus the versions
    // below it that enter with it (as a registry would register them one after the other).
    const earlier = (version: number): { version: number; schema: SchemaVersion }[] =>
      versions
        .filter((v) => v < version)
        .flatMap((v) => {
          const current = oldInForce.has(v) ? before.get(v) : entering.has(v) ? after.get(v) : undefined;
          return current === undefined ? [] : [{ version: v, schema: { label: `${type} v${v}`, schema: current } }];
        });
    const published = this.publishedInOld(type, before);
    const selection: Selection = { lines: awaiting([type]) };
    for (const version of versions) {
      const subject = `${type} v${version}`;
      const was = before.get(version);
      const is = after.get(version);
      if (was !== undefined && is !== undefined && canonicalJson(was) !== canonicalJson(is)) {
        const verdict = this.check([{ version, schema: { label: `${subject} (old)`, schema: was } }], { label: `${subject} (new)`, schema: is });
        if (verdict.changes.length > 0) {
          this.add('contract_changed', {
            breaking: !verdict.compatible,
            subject,
            message: `${subject} was changed in place: ${verdictText(verdict, this.mode, 'its old schema')}; a change of a published version is better made as a new version`,
            eventTypes: [type],
            compatibility: verdict,
            selection,
          });
        }
      }
      const leaves = oldInForce.has(version) && !newInForce.has(version);
      const outOfForce = published.length > 0 ? `${published.join(', ')} may still publish ${type}` : `nobody publishes ${type}`;
      if (was === undefined && is !== undefined) {
        if (newInForce.has(version)) this.entering('version_added', type, version, earlier(version), is, `${subject} is added and in force`);
        else this.add('version_added', { subject, message: `${subject} is added but not in force (contracts.inForce); it is checked when it enters force`, eventTypes: [type] });
      } else if (was !== undefined && is === undefined) {
        const breaking = leaves && published.length > 0 && this.mode !== 'none';
        this.add('version_removed', {
          breaking,
          subject,
          message: leaves ? `${subject} is removed while in force: ${outOfForce}, and the door will refuse events in v${version}` : `${subject} is removed; it was not in force`,
          eventTypes: [type],
          selection: leaves ? selection : {},
        });
      } else if (was !== undefined && is !== undefined) {
        if (entering.has(version)) this.entering('version_in_force', type, version, earlier(version), is, `${subject} enters force`);
        if (leaves) {
          this.add('version_out_of_force', {
            breaking: published.length > 0 && this.mode !== 'none',
            subject,
            old: [...oldInForce].sort((a, b) => a - b),
            new: [...newInForce].sort((a, b) => a - b),
            message: `${subject} leaves contracts.inForce: ${outOfForce}, and the door will refuse events in v${version}`,
            eventTypes: [type],
            selection,
          });
        }
      }
    }
  }

  private entering(kind: 'version_added' | 'version_in_force', type: string, version: number, earlier: { version: number; schema: SchemaVersion }[], schema: SchemaDocument, what: string): void {
    const subject = `${type} v${version}`;
    const selection: Selection = { lines: awaiting([type]) };
    if (earlier.length === 0) {
      this.add(kind, { subject, message: `${what}; no earlier version of ${type} is in force to compare it with`, eventTypes: [type], selection });
      return;
    }
    const verdict = this.check(earlier, { label: subject, schema });
    this.add(kind, { breaking: !verdict.compatible, subject, message: `${what}: ${verdictText(verdict, this.mode, 'the versions in force')}`, eventTypes: [type], compatibility: verdict, selection });
  }

  private check(previous: readonly { version: number; schema: SchemaVersion }[], next: SchemaVersion): ContractVerdict {
    const report = checkCompatibility({ previous: previous.map((p) => p.schema), next, mode: this.mode, shared: this.next.contracts.shared });
    const against = this.mode.endsWith('_transitive') ? previous : previous.slice(-1);
    return { mode: this.mode, against: against.map((p) => p.version), compatible: report.compatible, changes: report.changes };
  }

  /** Who may publish a type under the OLD manifest: systems, partners, or the hub for derived types. */
  private publishedInOld(type: string, versions: ReadonlyMap<number, SchemaDocument>): string[] {
    if ([...versions.values()].some((doc) => doc['x-derived'] === true)) return ['the hub'];
    return publishersIn(this.old.manifest).filter((p) => p.decl.publishes.includes(type)).map((p) => p.decl.id);
  }

  // --- authority -------------------------------------------------------------------------

  authority(): void {
    const before = new Map(publishersIn(this.old.manifest).map((p) => [`${p.kind}:${p.decl.id}`, p]));
    const after = new Map(publishersIn(this.next.manifest).map((p) => [`${p.kind}:${p.decl.id}`, p]));
    const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
    for (const key of keys) this.publisher(before.get(key), after.get(key));
    this.domains();
  }

  private publisher(was: Publisher | undefined, is: Publisher | undefined): void {
    const either = (is ?? was)!;
    const { kind } = either;
    const id = either.decl.id;
    const subject = `${kind}s[${id}]`;
    const self: PublisherRef[] = [{ kind, id }];
    const scope = scopeOf(was, is);
    const touching = (types: readonly string[]): Selection => ({ lines: and(awaiting(types), scope) });
    if (was === undefined || is === undefined) {
      const present = (is ?? was)!;
      const types = present.decl.publishes;
      const where = present.kind === 'system' ? (present.decl.plant === undefined ? '' : ` (plant ${present.decl.plant})`) : ` (supplier ${present.decl.supplierId})`;
      this.add(is === undefined ? 'publisher_removed' : 'publisher_added', {
        subject,
        ...(was === undefined ? {} : { old: was.decl }),
        ...(is === undefined ? {} : { new: is.decl }),
        message:
          is === undefined
            ? `${kind} ${id}${where} is removed: its keys stop working${types.length > 0 ? ` and nobody publishes ${types.join(', ')} as it did` : ''}`
            : `${kind} ${id}${where} is added${types.length > 0 ? `; it may publish ${types.join(', ')} (${present.decl.mode})` : ''}`,
        eventTypes: types,
        publishers: self,
        selection: touching(types),
      });
      return;
    }
    const granted = is.decl.publishes.filter((type) => !was.decl.publishes.includes(type));
    const revoked = was.decl.publishes.filter((type) => !is.decl.publishes.includes(type));
    for (const type of [...granted].sort()) {
      this.add('publish_granted', { subject: `${subject}.publishes`, new: type, message: `${kind} ${id} may publish ${type}`, eventTypes: [type], publishers: self, selection: touching([type]) });
    }
    for (const type of [...revoked].sort()) {
      this.add('publish_revoked', { subject: `${subject}.publishes`, old: type, message: `${kind} ${id} may no longer publish ${type}: the door answers 403 to it`, eventTypes: [type], publishers: self, selection: touching([type]) });
    }
    if (was.decl.mode !== is.decl.mode) {
      const message = is.decl.mode === 'observe' ? `${kind} ${id} moves to observe: what breaks the rules is accepted and flagged ungoverned` : `${kind} ${id} moves to enforce: what breaks the rules is refused`;
      this.add('mode_changed', { subject: `${subject}.mode`, old: was.decl.mode, new: is.decl.mode, message, eventTypes: is.decl.publishes, publishers: self, selection: touching(is.decl.publishes) });
    }
    if (was.kind === 'system' && is.kind === 'system') this.system(was.decl, is.decl, subject, self);
    if (was.kind === 'partner' && is.kind === 'partner' && was.decl.supplierId !== is.decl.supplierId) {
      this.add('supplier_changed', {
        subject: `${subject}.supplierId`,
        old: was.decl.supplierId,
        new: is.decl.supplierId,
        message: `partner ${id} speaks for supplier ${is.decl.supplierId} instead of ${was.decl.supplierId}: it may only confirm, ship and invoice that supplier's POs`,
        eventTypes: is.decl.publishes,
        publishers: self,
        selection: touching([...was.decl.publishes, ...is.decl.publishes]),
      });
    }
    this.limits(was, is, subject, self);
    const handled = new Set(['id', 'publishes', 'mode', 'maxLag', 'rateLimit', 'plant', 'roles', 'supplierId']);
    this.values(subject, omit(was.decl, handled), omit(is.decl, handled));
  }

  private system(was: SystemDeclaration, is: SystemDeclaration, subject: string, self: PublisherRef[]): void {
    if (was.plant !== is.plant) {
      this.add('plant_changed', { subject: `${subject}.plant`, old: was.plant, new: is.plant, message: `system ${is.id} is at ${is.plant === undefined ? 'no plant (enterprise-wide)' : `plant ${is.plant}`} instead of ${was.plant === undefined ? 'no plant (enterprise-wide)' : `plant ${was.plant}`}`, eventTypes: is.publishes, publishers: self });
    }
    const where = is.plant === undefined ? 'enterprise-wide' : `at plant ${is.plant}`;
    for (const domain of [...new Set([...Object.keys(was.roles), ...Object.keys(is.roles)])].sort()) {
      const before = was.roles[domain];
      const after = is.roles[domain];
      if (before === after) continue;
      const message =
        after === undefined
          ? `system ${is.id} no longer has a role in ${domain} (was ${before})`
          : `system ${is.id} becomes the system of ${after === 'record' ? 'record' : after} for ${domain} ${where}${before === undefined ? '' : ` (was ${before})`}`;
      this.add('role_changed', { subject: `${subject}.roles.${domain}`, old: before, new: after, message, eventTypes: this.domainTypes(domain), publishers: self });
    }
  }

  private limits(was: Publisher, is: Publisher, subject: string, self: PublisherRef[]): void {
    const lagBefore = was.decl.maxLag ?? {};
    const lagAfter = is.decl.maxLag ?? {};
    for (const key of [...new Set([...Object.keys(lagBefore), ...Object.keys(lagAfter)])].sort()) {
      const before = lagBefore[key];
      const after = lagAfter[key];
      if (before === after) continue;
      const what = key === 'default' ? 'events' : `${key} events`;
      this.add('max_lag_changed', {
        subject: `${subject}.maxLag${keyPart(key)}`,
        old: before,
        new: after,
        message: `${is.decl.id}'s ${what} may arrive ${show(after, key === 'default' ? 'with any lag' : 'with the default lag')} after they happen (was ${show(before, key === 'default' ? 'any lag' : 'the default')})`,
        eventTypes: key === 'default' ? is.decl.publishes : [key],
        publishers: self,
      });
    }
    const rateBefore = was.decl.rateLimit?.perMinute;
    const rateAfter = is.decl.rateLimit?.perMinute;
    if (rateBefore !== rateAfter) {
      this.add('rate_limit_changed', {
        subject: `${subject}.rateLimit.perMinute`,
        old: rateBefore,
        new: rateAfter,
        message: `each credential of ${is.decl.id} may make ${show(rateAfter, 'unlimited')} requests per minute (was ${show(rateBefore, 'unlimited')})`,
        eventTypes: is.decl.publishes,
        publishers: self,
      });
    }
  }

  private domains(): void {
    const before = new Map(this.old.manifest.domains.map((d) => [d.id, d]));
    const after = new Map(this.next.manifest.domains.map((d) => [d.id, d]));
    for (const id of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const was = before.get(id);
      const is = after.get(id);
      const subject = `domains[${id}]`;
      if (was === undefined || is === undefined) {
        const present = (is ?? was)!;
        this.add(is === undefined ? 'domain_removed' : 'domain_added', {
          subject,
          old: was,
          new: is,
          message: `domain ${id} (owner ${present.owner}) is ${is === undefined ? 'removed' : 'added'}${present.eventTypes.length > 0 ? `, with ${present.eventTypes.join(', ')}` : ''}`,
          eventTypes: present.eventTypes,
        });
        continue;
      }
      if (was.owner !== is.owner) {
        this.add('domain_owner_changed', { subject: `${subject}.owner`, old: was.owner, new: is.owner, message: `domain ${id} is owned by team ${is.owner} instead of ${was.owner}`, eventTypes: is.eventTypes });
      }
      const added = is.eventTypes.filter((t) => !was.eventTypes.includes(t));
      const removed = was.eventTypes.filter((t) => !is.eventTypes.includes(t));
      if (added.length > 0 || removed.length > 0) {
        this.add('domain_event_types_changed', { subject: `${subject}.eventTypes`, old: was.eventTypes, new: is.eventTypes, message: `domain ${id}: ${listDelta(added, removed)}`, eventTypes: [...added, ...removed] });
      }
      this.values(subject, omit(was, new Set(['id', 'owner', 'eventTypes'])), omit(is, new Set(['id', 'owner', 'eventTypes'])));
    }
  }

  // --- SLAs, tolerances, exception owners ---------------------------------------------------

  policy(): void {
    const [old, next] = this.manifests;
    for (const sla of Object.keys(DEFAULT_SLAS) as P2PSla[]) {
      const before = old.slas[sla] ?? DEFAULT_SLAS[sla];
      const after = next.slas[sla] ?? DEFAULT_SLAS[sla];
      if (before === after) continue;
      const stages: ReadonlySet<string> = new Set(SLA_STAGES[sla]);
      this.add('sla_changed', {
        subject: `slas.${sla}`,
        old: before,
        new: after,
        message: `${sla}: ${before}${old.slas[sla] === undefined ? ' (default)' : ''} -> ${after}${next.slas[sla] === undefined ? ' (default)' : ''}; deadlines already set keep their end`,
        selection: { lines: (group) => stages.has(group.stage) },
      });
    }
    this.tolerances();
    const codes = [...new Set([...Object.keys(DEFAULT_OWNERS), ...Object.keys(old.exceptionOwners), ...Object.keys(next.exceptionOwners)])].sort();
    for (const code of codes) {
      const before = ownerTemplate(old, code);
      const after = ownerTemplate(next, code);
      if (before === after) continue;
      this.add('exception_owner_changed', {
        subject: `exceptionOwners.${code}`,
        old: before,
        new: after,
        message: `${code} exceptions go to ${show(after, 'nobody')} instead of ${show(before, 'nobody')}; open ones keep their owner until reassigned`,
        selection: { exceptions: (group: ExceptionGroup) => group.code === code && group.owner !== resolveOwner(after, group.plant) },
      });
    }
  }

  private tolerances(): void {
    const [old, next] = this.manifests;
    const scopes: { subject: string; in: (group: LineGroup) => boolean; before: ToleranceSettings | undefined; after: ToleranceSettings | undefined; global: boolean }[] = [
      { subject: 'tolerances', in: () => true, before: old.tolerances, after: next.tolerances, global: true },
    ];
    for (const [layer, field] of [['categories', 'itemCategory'], ['suppliers', 'supplierId']] as const) {
      const names = [...new Set([...Object.keys(old.tolerances[layer] ?? {}), ...Object.keys(next.tolerances[layer] ?? {})])].sort();
      for (const name of names) {
        scopes.push({ subject: `tolerances.${layer}${keyPart(name)}`, in: (group) => group[field] === name, before: old.tolerances[layer]?.[name], after: next.tolerances[layer]?.[name], global: false });
      }
    }
    for (const scope of scopes) {
      for (const field of TOLERANCE_FIELDS) {
        const fallback = scope.global ? (DEFAULT_TOLERANCES as Partial<Record<ToleranceField, string | number>>)[field] : undefined;
        const before = scope.before?.[field] ?? fallback;
        const after = scope.after?.[field] ?? fallback;
        if (sameValue(before, after)) continue;
        const applies = awaiting([TOLERANCE_APPLIES_ON[field]]);
        const unset = scope.global ? 'not checked' : 'inherited';
        this.add('tolerance_changed', {
          subject: `${scope.subject}.${field}`,
          old: before,
          new: after,
          message: `${scope.subject}.${field}: ${show(before, unset)}${scope.before?.[field] === undefined && before !== undefined ? ' (default)' : ''} -> ${show(after, unset)}${scope.after?.[field] === undefined && after !== undefined ? ' (default)' : ''}`,
          selection: { lines: (group) => scope.in(group) && applies(group) && !sameValue(effectiveTolerance(old, group, field), effectiveTolerance(next, group, field)) },
        });
      }
    }
  }

  // --- subscriptions and the rest -------------------------------------------------------

  subscriptions(): void {
    const before = new Map(this.old.manifest.subscriptions.map((s) => [s.id, s]));
    const after = new Map(this.next.manifest.subscriptions.map((s) => [s.id, s]));
    for (const id of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const was = before.get(id);
      const is = after.get(id);
      const subject = `subscriptions[${id}]`;
      if (was === undefined || is === undefined) {
        const present = (is ?? was)!;
        this.add(is === undefined ? 'subscription_removed' : 'subscription_added', {
          subject,
          old: was,
          new: is,
          message: `subscription ${id} ${is === undefined ? 'is removed' : 'is added'}: ${present.subscriber} ${is === undefined ? 'no longer receives' : 'receives'} ${present.types.join(', ')} over ${present.channel.kind}${present.filter === undefined ? '' : ` (filter ${show(present.filter, '')})`}`,
          eventTypes: present.types,
          subscribers: [{ subscription: id, subscriber: present.subscriber }],
        });
        continue;
      }
      for (const field of SUBSCRIPTION_FIELDS) {
        if (canonicalJson(was[field]) === canonicalJson(is[field])) continue;
        const message =
          field === 'types'
            ? `${is.subscriber} via ${id}: ${listDelta(is.types.filter((t) => !was.types.includes(t)), was.types.filter((t) => !is.types.includes(t)))}`
            : `${id}.${field}: ${show(was[field], 'unset')} -> ${show(is[field], 'unset')}`;
        this.add('subscription_changed', {
          subject: `${subject}.${field}`,
          old: was[field],
          new: is[field],
          message,
          eventTypes: field === 'types' ? [...is.types.filter((t) => !was.types.includes(t)), ...was.types.filter((t) => !is.types.includes(t))] : is.types,
          subscribers: [...new Map([was, is].map((s) => [`${s.subscriber}`, { subscription: id, subscriber: s.subscriber }])).values()],
        });
      }
    }
  }

  other(): void {
    const [old, next] = this.manifests;
    this.values('enterprise', old.enterprise, next.enterprise);
    this.values('hub', old.hub, next.hub);
    this.values('teams', old.teams, next.teams);
    this.values('masterData', old.masterData, next.masterData);
    this.values('contracts.folder', old.contracts.folder, next.contracts.folder);
    // The edge: brokers, sessions, topic mappings and consumers (ADR 0020).
    this.values('mqtt', old.mqtt, next.mqtt);
    this.values('nats', old.nats, next.nats);
  }

  /** Every leaf that differs, as `value_changed`: records by key, lists of `{id}` by id, other values whole. */
  private values(subject: string, before: unknown, after: unknown): void {
    if (canonicalJson(before) === canonicalJson(after)) return;
    if (isPlainRecord(before) && isPlainRecord(after)) {
      for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) this.values(`${subject}${keyPart(key)}`, before[key], after[key]);
      return;
    }
    if (isIdList(before) && isIdList(after)) {
      const byId = (items: readonly { id: string }[]) => new Map(items.map((item) => [item.id, item]));
      const was = byId(before);
      const is = byId(after);
      for (const id of [...new Set([...was.keys(), ...is.keys()])].sort()) this.values(`${subject}[${id}]`, was.get(id), is.get(id));
      return;
    }
    this.add('value_changed', { subject, old: before, new: after, message: `${subject}: ${show(before, 'unset')} -> ${show(after, 'unset')}` });
  }

  // --- who is concerned --------------------------------------------------------------------

  private publishersOf(types: readonly string[]): PublisherRef[] {
    const refs = new Map<string, PublisherRef>();
    const derived = new Set([...derivedTypes(this.old.contracts), ...derivedTypes(this.next.contracts)]);
    if (types.some((type) => derived.has(type))) refs.set('hub:millrace', { kind: 'hub', id: 'millrace' });
    for (const manifest of this.manifests) {
      for (const p of publishersIn(manifest)) if (p.decl.publishes.some((type) => types.includes(type))) refs.set(`${p.kind}:${p.decl.id}`, { kind: p.kind, id: p.decl.id });
    }
    return [...refs.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
  }

  private subscribersOf(types: readonly string[]): SubscriberRef[] {
    const refs = new Map<string, SubscriberRef>();
    for (const manifest of this.manifests) {
      for (const s of manifest.subscriptions) if (s.types.some((type) => types.includes(type))) refs.set(`${s.id}\u0000${s.subscriber}`, { subscription: s.id, subscriber: s.subscriber });
    }
    return [...refs.values()].sort((a, b) => a.subscription.localeCompare(b.subscription) || a.subscriber.localeCompare(b.subscriber));
  }

  private domainTypes(domain: string): string[] {
    return [...new Set(this.manifests.flatMap((m) => m.domains.filter((d) => d.id === domain).flatMap((d) => d.eventTypes)))];
  }
}

function indexContracts(set: ContractSet): Map<string, Map<number, SchemaDocument>> {
  const index = new Map<string, Map<number, SchemaDocument>>();
  for (const doc of set.contracts) {
    const type = doc['x-event-type'];
    const version = doc['x-version'];
    if (typeof type !== 'string' || typeof version !== 'number') continue;
    const versions = index.get(type) ?? new Map<number, SchemaDocument>();
    versions.set(version, doc);
    index.set(type, versions);
  }
  return index;
}

function derivedTypes(set: ContractSet): string[] {
  return set.contracts.filter((doc) => doc['x-derived'] === true).map((doc) => String(doc['x-event-type']));
}

/** contracts.inForce for the type, or every version the contracts folder ships. */
function inForceOf(manifest: Manifest, type: string, shipped: ReadonlyMap<number, SchemaDocument>): ReadonlySet<number> {
  const listed = manifest.contracts.inForce?.[type];
  return new Set((listed ?? [...shipped.keys()]).filter((version) => shipped.has(version)));
}

function publishersIn(manifest: Manifest): Publisher[] {
  return [...manifest.systems.map((decl): Publisher => ({ kind: 'system', decl })), ...manifest.partners.map((decl): Publisher => ({ kind: 'partner', decl }))];
}

/** The lines a source speaks for: a partner its supplier's, a system with a plant that plant's, any other system all. */
function scopeOf(was: Publisher | undefined, is: Publisher | undefined): (group: LineGroup) => boolean {
  const sides = [was, is].filter((p): p is Publisher => p !== undefined);
  const suppliers = new Set<string>();
  const plants = new Set<string>();
  for (const side of sides) {
    if (side.kind === 'partner') suppliers.add(side.decl.supplierId);
    else if (side.decl.plant === undefined) return () => true;
    else plants.add(side.decl.plant);
  }
  return (group) => (group.supplierId !== undefined && suppliers.has(group.supplierId)) || (group.plant !== undefined && plants.has(group.plant));
}

function and<G>(a: (group: G) => boolean, b: (group: G) => boolean): (group: G) => boolean {
  return (group) => a(group) && b(group);
}

function ownerTemplate(manifest: Manifest, code: string): string | undefined {
  return manifest.exceptionOwners[code] ?? DEFAULT_OWNERS[code];
}

/** The team a template names for an exception at a plant, as the P2P policy resolves it. */
function resolveOwner(template: string | undefined, plant: string | undefined): string {
  return (template ?? 'operations').replaceAll('{plant}', (plant ?? 'unknown').toLowerCase());
}

/** A tolerance as the policy applies it to a line: the supplier's, else the category's, else the global one, else the default. */
function effectiveTolerance(manifest: Manifest, group: LineGroup, field: ToleranceField): string | number | undefined {
  const { tolerances } = manifest;
  const supplier = group.supplierId === undefined ? undefined : tolerances.suppliers?.[group.supplierId];
  const category = group.itemCategory === undefined ? undefined : tolerances.categories?.[group.itemCategory];
  return supplier?.[field] ?? category?.[field] ?? tolerances[field] ?? (DEFAULT_TOLERANCES as Partial<Record<ToleranceField, string | number>>)[field];
}

/** Decimal strings compare by value ("2" equals "2.0"). */
function sameValue(a: string | number | undefined, b: string | number | undefined): boolean {
  if (typeof a === 'string' && typeof b === 'string') return dec(a).eq(dec(b));
  return a === b;
}

function verdictText(verdict: ContractVerdict, mode: CompatibilityMode, what: string): string {
  const against = verdict.against.map((v) => `v${v}`).join(', ');
  const breaking = verdict.changes.filter((c) => c.breaking).length;
  const scope = what === 'its old schema' ? what : `${against}`;
  return verdict.compatible
    ? `${mode}-compatible with ${scope} (${verdict.changes.length === 0 ? 'no changes' : `${verdict.changes.length} change(s), none breaking`})`
    : `NOT ${mode}-compatible with ${scope}: ${breaking} breaking change(s) of ${verdict.changes.length}`;
}

function listDelta(added: readonly string[], removed: readonly string[]): string {
  return [...added.map((t) => `+${t}`), ...removed.map((t) => `-${t}`)].join(', ');
}

function keyPart(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? `.${key}` : `[${key}]`;
}

function show(value: unknown, absent: string): string {
  if (value === undefined) return absent;
  return typeof value === 'string' ? value : canonicalJson(value);
}

function isPlainRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isIdList(value: unknown): value is readonly { id: string }[] {
  return Array.isArray(value) && value.every((item) => isPlainRecord(item) && typeof item.id === 'string');
}

function omit(value: object, keys: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.has(key)));
}
