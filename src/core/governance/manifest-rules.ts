// The governance rules a manifest's shape cannot express: references between its sections and
// to the contract catalogue, one system of record per domain and plant, owners for every
// exception, maintenance windows that do not overlap. `millrace lint` reports them with hints.
import { closest, distance } from 'fastest-levenshtein';
import { checkCsvMappings } from '../csv/csv-mapping-rules.js';
import { checkEdge } from '../edge/edge-rules.js';
import { edgeExceptionOwners } from '../edge/edge-owners.js';
import { EXCEPTION_CODES } from './exception-codes.js';
import { dec } from '../money.js';
import { parseDuration } from '../duration.js';
import { parseDeliveryDuration } from '../delivery/delivery-policy.js';
import { utcOffsetMinutes } from '../time.js';
import { P2P_EXCEPTION_CODES, p2pExceptionOwners } from '../p2p/p2p-policy.js';
import { P2P_INPUT_TYPES, P2P_OPTIONAL_INPUT_TYPES } from '../p2p/p2p-routing.js';
import { PLANT_INPUT_TYPES } from '../plant/plant-routing.js';
import { X12_OUTBOUND_TYPES } from '../x12/x12-850.generator.js';
import type { ContractCatalog, Manifest, ManifestProblem, MaintenanceWindow } from './manifest.js';
import { DURATION_PATTERNS, MANIFEST_SCHEMA } from './manifest.schema.js';
import { parseByteSize, parseHost, parseHttpUrl, parseStoreUrl } from './hub-settings.js';

type Path = readonly (string | number)[];

/** Every rule code, its severity and what it means; docs/manifest-lint.md lists them and a test keeps it in sync. */
export const MANIFEST_RULES = {
  duplicate_id: { severity: 'error', summary: 'Two teams, domains, subscriptions, or two systems/partners, share an id.' },
  unknown_event_type: { severity: 'error', summary: 'An event type no contract in the contracts folder declares.' },
  derived_event_type_published: { severity: 'error', summary: 'A system or partner is granted an event type only the hub derives.' },
  unknown_team: { severity: 'error', summary: 'A domain or exception owner names a team the manifest does not declare.' },
  unknown_domain: { severity: 'error', summary: 'A system role names a domain the manifest does not declare.' },
  unknown_system: { severity: 'error', summary: "A subscription, a master data cross-reference, or a CSV mapping's, MQTT topic's or NATS consumer's source names an undeclared system or partner." },
  unknown_contract_version: { severity: 'error', summary: 'contracts.inForce names a version the contracts folder does not ship.' },
  event_type_in_two_domains: { severity: 'error', summary: 'An event type belongs to two data domains.' },
  two_systems_of_record: { severity: 'error', summary: 'Two systems are the system of record for the same domain and plant.' },
  exception_code_without_owner: { severity: 'error', summary: 'An exception code the hub raises would be routed to a team nobody declared.' },
  overlapping_maintenance_windows: { severity: 'error', summary: 'Two maintenance windows of one subscription overlap.' },
  unknown_timezone: { severity: 'error', summary: 'A maintenance window names a time zone that is not an IANA zone.' },
  unit_conversion_not_positive: { severity: 'error', summary: 'A unit size in masterData.unitConversions is zero or negative.' },
  duration_too_long: { severity: 'error', summary: 'A duration (an SLA, a lag, a transit time, a delivery setting) longer than 3650d, ten years: the deadlines it sets would lie beyond the dates the hub can compute.' },
  tolerance_negative: { severity: 'error', summary: 'A match, confirmation or plant tolerance below zero: no difference, not even none, would be within it.' },
  duplicate_x12_id: { severity: 'error', summary: 'Two partners or systems (or one and the hub) share X12 interchange identifiers.' },
  channel_incomplete: { severity: 'error', summary: 'A subscription channel lacks what its kind needs (url, subject or topic).' },
  x12_type_not_supported: { severity: 'error', summary: 'An x12 subscription lists an event type the hub cannot render as X12 (it sends po.released as an 850).' },
  csv_mapping_invalid: { severity: 'error', summary: 'A CSV mapping cannot be used: a field with neither column nor value, a bad date format or time zone, rows filling an array without groupBy.' },
  csv_unknown_field: { severity: 'error', summary: "A CSV mapping fills a field its event type's contract does not have." },
  csv_type_not_published: { severity: 'warning', summary: "A CSV mapping's source may not publish the mapping's event type." },
  edge_mapping_invalid: { severity: 'error', summary: 'An MQTT topic mapping cannot be used: a value with no or two origins, a bad date format or time zone, no way to form event ids, a sequence without a publisher.' },
  edge_unknown_field: { severity: 'error', summary: "An MQTT topic mapping fills a field its event type's contract does not have." },
  mqtt_topics_overlap: { severity: 'error', summary: 'Two MQTT topic filters can match the same topic, so one message would be taken twice.' },
  edge_type_not_published: { severity: 'warning', summary: "An MQTT topic's source may not publish the topic's event type." },
  event_type_without_publisher: { severity: 'warning', summary: 'An event type the manifest uses (or the P2P workflow needs) that nobody may publish.' },
  event_type_without_subscriber: { severity: 'warning', summary: 'A published event type nobody subscribes to and no hub workflow reads.' },
  duplicate_supplier_id: { severity: 'warning', summary: "Two partners share a supplierId: each acts for, and reads, that supplier's purchase orders, invoices and exceptions; right for one company with two X12 ids, wrong for a copied entry." },
  publisher_without_role: { severity: 'warning', summary: 'A system may publish an event type of a data domain in which it has no role (record, execution or engagement).' },
  domain_without_record: { severity: 'warning', summary: 'A data domain without a system of record.' },
  unknown_exception_code: { severity: 'warning', summary: 'exceptionOwners names a code no workflow raises.' },
  tolerance_over_100_percent: { severity: 'warning', summary: 'A percentage tolerance above 100: e.g. a price tolerance of 150 accepts invoices at 2.5 times the PO price (1.50 was perhaps meant).' },
  unknown_supplier: { severity: 'warning', summary: 'A supplier id neither a partner nor masterData.suppliers declares.' },
  unknown_plant: { severity: 'warning', summary: 'A plant no system declares.' },
  lag_for_unpublished_type: { severity: 'warning', summary: 'maxLag names an event type the source does not publish.' },
  hub_setting_invalid: { severity: 'error', summary: "A value in the hub: section the hub process would refuse at start: a store that is neither sqlite:PATH nor postgres://, a body limit outside 1KB to 1GB, an OTLP endpoint that is not an http(s) URL, an empty host." },
} as const satisfies Record<string, { severity: 'error' | 'warning'; summary: string }>;

export type ManifestRuleCode = keyof typeof MANIFEST_RULES;

/** Runs every rule on a manifest whose shape is valid; problems come in document order of discovery. */
export function manifestRules(manifest: Manifest, catalog: ContractCatalog): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const report = (path: Path, code: ManifestRuleCode, message: string, hint: string): void => {
    problems.push({ path, code, severity: MANIFEST_RULES[code].severity, message, hint });
  };
  const context = contextOf(manifest, catalog);
  checkHubSettings(manifest, report);
  checkIds(manifest, report);
  checkEventTypes(manifest, catalog, context, report);
  checkDomains(manifest, context, report);
  checkExceptionOwners(manifest, context, report);
  checkPlantSection(manifest, context, report);
  checkSubscriptions(manifest, context, report);
  checkPartners(manifest, report);
  checkMasterData(manifest, context, report);
  checkTolerances(manifest, report);
  checkDurations(manifest, report);
  checkContracts(manifest, catalog, report);
  checkCsvMappings(manifest, catalog, report);
  checkEdge(manifest, catalog, report);
  return problems;
}

type Report = (path: Path, code: ManifestRuleCode, message: string, hint: string) => void;

interface Context {
  readonly teams: ReadonlySet<string>;
  readonly domains: ReadonlySet<string>;
  /** System and partner ids. */
  readonly sources: ReadonlySet<string>;
  readonly plants: ReadonlySet<string>;
  readonly suppliers: ReadonlySet<string>;
  /** Event type -> whether some system or partner may publish it. */
  readonly published: ReadonlySet<string>;
  readonly subscribed: ReadonlySet<string>;
  readonly knownTypes: readonly string[];
}

function contextOf(manifest: Manifest, catalog: ContractCatalog): Context {
  const publishers = [...manifest.systems, ...manifest.partners];
  return {
    teams: new Set(manifest.teams.map((t) => t.id)),
    domains: new Set(manifest.domains.map((d) => d.id)),
    sources: new Set(publishers.map((p) => p.id)),
    plants: new Set(manifest.systems.flatMap((s) => (s.plant === undefined ? [] : [s.plant]))),
    suppliers: new Set([...manifest.partners.map((p) => p.supplierId), ...(manifest.masterData.suppliers ?? [])]),
    published: new Set(publishers.flatMap((p) => p.publishes)),
    subscribed: new Set(manifest.subscriptions.flatMap((s) => s.types)),
    knownTypes: [...catalog.versions.keys()],
  };
}

/**
 * The hub: settings the schema types only loosely (any string for a store), checked as the hub
 * process checks them at start: without this, `lint` passed a manifest `serve` then refused,
 * and serve's refusal could not say on which line.
 */
function checkHubSettings(manifest: Manifest, report: Report): void {
  const parsers = { store: parseStoreUrl, host: parseHost, bodyLimit: parseByteSize, edgePayloadLimit: parseByteSize, dropFolderLimit: parseByteSize, otlpEndpoint: parseHttpUrl } as const;
  for (const [key, parse] of Object.entries(parsers)) {
    const value = manifest.hub[key as keyof typeof parsers];
    if (value === undefined) continue;
    const parsed = parse(value);
    if (parsed instanceof Error) {
      report(['hub', key], 'hub_setting_invalid', `hub.${key} ${JSON.stringify(value)} ${parsed.message}`, `fix hub.${key}, or remove it and give the setting with --${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} or its MILLRACE_* variable`);
    }
  }
}

function checkIds(manifest: Manifest, report: Report): void {
  const unique = (section: string, items: readonly { id: string }[], seen = new Map<string, string>()): void => {
    items.forEach((item, index) => {
      const first = seen.get(item.id);
      if (first === undefined) seen.set(item.id, `${section}[${index}]`);
      else report([section, index, 'id'], 'duplicate_id', `id "${item.id}" is already used by ${first}`, 'give each entry its own id');
    });
  };
  unique('teams', manifest.teams);
  unique('domains', manifest.domains);
  unique('subscriptions', manifest.subscriptions);
  // Systems and partners share one namespace: subscriptions and cross references name either.
  const sources = new Map<string, string>();
  unique('systems', manifest.systems, sources);
  unique('partners', manifest.partners, sources);
}

function checkEventTypes(manifest: Manifest, catalog: ContractCatalog, context: Context, report: Report): void {
  const known = (path: Path, type: string): boolean => {
    if (catalog.versions.has(type)) return true;
    report(path, 'unknown_event_type', `no contract declares event type ${type}`, suggestion(type, context.knownTypes, 'add its contract to the contracts folder or fix the name'));
    return false;
  };
  const hubReads = new Set<string>([...P2P_INPUT_TYPES, ...PLANT_INPUT_TYPES]);
  for (const [section, publishers] of [['systems', manifest.systems], ['partners', manifest.partners]] as const) {
    publishers.forEach((publisher, index) => {
      publisher.publishes.forEach((type, at) => {
        const path = [section, index, 'publishes', at];
        if (!known(path, type)) return;
        if (catalog.derived.has(type)) {
          report(path, 'derived_event_type_published', `${type} is derived by the hub (source /millrace); no ${section.slice(0, -1)} may publish it`, `remove ${type} from publishes; subscribe to it instead`);
        } else if (!context.subscribed.has(type) && !hubReads.has(type)) {
          report(path, 'event_type_without_subscriber', `${publisher.id} publishes ${type} but no subscription receives it and no hub workflow reads it`, `add a subscription for ${type}, or stop granting it`);
        }
      });
      for (const type of Object.keys(publisher.maxLag ?? {})) {
        if (type === 'default') continue;
        const path = [section, index, 'maxLag', type];
        if (known(path, type) && !publisher.publishes.includes(type)) {
          report(path, 'lag_for_unpublished_type', `${publisher.id} has a maximum lag for ${type} but does not publish it`, `remove maxLag.${type} or add ${type} to publishes`);
        }
      }
    });
  }
  const missing = (path: Path, type: string, why: string): void => {
    if (!catalog.derived.has(type) && !context.published.has(type)) {
      report(path, 'event_type_without_publisher', `no system or partner may publish ${type}, ${why}`, `add ${type} to the publishes of the system or partner that produces it`);
    }
  };
  manifest.subscriptions.forEach((subscription, index) => {
    subscription.types.forEach((type, at) => {
      const path = ['subscriptions', index, 'types', at];
      if (known(path, type)) missing(path, type, `so subscription ${subscription.id} never receives it`);
    });
  });
  manifest.domains.forEach((domain, index) => {
    domain.eventTypes.forEach((type, at) => {
      const path = ['domains', index, 'eventTypes', at];
      if (known(path, type)) missing(path, type, `though domain ${domain.id} owns it`);
    });
  });
  // A manifest that feeds the P2P workflow at all should feed all of it.
  if (P2P_INPUT_TYPES.some((type) => context.published.has(type))) {
    for (const type of P2P_INPUT_TYPES) {
      if (catalog.versions.has(type) && !P2P_OPTIONAL_INPUT_TYPES.includes(type)) missing(['systems'], type, 'which the procure-to-pay workflow needs');
    }
  }
}

function checkDomains(manifest: Manifest, context: Context, report: Report): void {
  const domainOf = new Map<string, string>();
  manifest.domains.forEach((domain, index) => {
    if (!context.teams.has(domain.owner)) report(['domains', index, 'owner'], 'unknown_team', `domain ${domain.id} is owned by team "${domain.owner}", which is not declared`, suggestion(domain.owner, [...context.teams], 'declare it under teams'));
    domain.eventTypes.forEach((type, at) => {
      const first = domainOf.get(type);
      if (first === undefined) domainOf.set(type, domain.id);
      else if (first !== domain.id) report(['domains', index, 'eventTypes', at], 'event_type_in_two_domains', `${type} already belongs to domain ${first}`, 'an event type belongs to one data domain; remove it from one of them');
    });
  });
  // One system of record per domain and plant; a system without a plant is the record everywhere.
  const records = new Map<string, { id: string; plant: string | undefined }[]>();
  manifest.systems.forEach((system, index) => {
    for (const [domain, role] of Object.entries(system.roles)) {
      const path = ['systems', index, 'roles', domain];
      if (!context.domains.has(domain)) {
        report(path, 'unknown_domain', `system ${system.id} has a role in domain "${domain}", which is not declared`, suggestion(domain, [...context.domains], 'declare it under domains'));
        continue;
      }
      if (role !== 'record') continue;
      const holders = records.get(domain) ?? [];
      const clash = holders.find((other) => other.plant === undefined || system.plant === undefined || other.plant === system.plant);
      if (clash !== undefined) {
        const where = clash.plant === undefined || system.plant === undefined ? 'enterprise-wide' : `at plant ${system.plant}`;
        report(path, 'two_systems_of_record', `${clash.id} is already the system of record for ${domain} ${where}`, `make ${system.id} the system of execution or engagement for ${domain}, or give each a different plant`);
      }
      holders.push({ id: system.id, plant: system.plant });
      records.set(domain, holders);
    }
  });
  // Roles say which systems speak for a domain's data; a grant outside them is likely a slip
  // (a WMS given po.released) that the door would honour. Partners have no roles: not checked.
  manifest.systems.forEach((system, index) => {
    system.publishes.forEach((type, at) => {
      const domain = domainOf.get(type);
      if (domain === undefined || system.roles[domain] !== undefined) return;
      report(['systems', index, 'publishes', at], 'publisher_without_role', `${system.id} may publish ${type}, of domain ${domain}, in which it has no role`, `give ${system.id} a role in ${domain} (roles: { ${domain}: execution }), or stop granting ${type}`);
    });
  });
  manifest.domains.forEach((domain, index) => {
    if (!records.has(domain.id)) report(['domains', index], 'domain_without_record', `no system is the system of record for domain ${domain.id}`, `set roles: { ${domain.id}: record } on the system that owns its data`);
  });
}

function checkExceptionOwners(manifest: Manifest, context: Context, report: Report): void {
  const codes = EXCEPTION_CODES;
  for (const [code, owner] of Object.entries(manifest.exceptionOwners)) {
    const path = ['exceptionOwners', code];
    if (!codes.includes(code)) report(path, 'unknown_exception_code', `no workflow raises exception code ${code}`, suggestion(code, codes, 'remove it'));
    for (const team of teamsOf(owner, context.plants)) {
      if (!context.teams.has(team)) report(path, 'unknown_team', `exceptions ${code} go to team "${team}", which is not declared`, suggestion(team, [...context.teams], 'declare it under teams'));
    }
  }
  // One problem per missing team, listing the codes routed to it by default; it points at
  // exceptionOwners, or at the teams when the manifest has no such section.
  const where = Object.keys(manifest.exceptionOwners).length > 0 ? ['exceptionOwners'] : ['teams'];
  const orphaned = new Map<string, string[]>();
  const owners = p2pExceptionOwners(manifest.exceptionOwners);
  for (const code of P2P_EXCEPTION_CODES) {
    if (code in manifest.exceptionOwners) continue;
    for (const team of teamsOf(owners[code], context.plants)) {
      if (!context.teams.has(team)) orphaned.set(team, [...(orphaned.get(team) ?? []), code]);
    }
  }
  for (const { code, owner } of edgeExceptionOwners(manifest)) {
    if (!context.teams.has(owner)) orphaned.set(owner, [...(orphaned.get(owner) ?? []), code]);
  }
  for (const [team, codes] of orphaned) {
    report(where, 'exception_code_without_owner', `exceptions ${codes.join(', ')} go by default to team ${team}, which is not declared`, `declare team ${team}, or set exceptionOwners.<code> to a declared team`);
  }
}

/** The plant section names plants some system declares (a lane to an unknown plant never applies). */
function checkPlantSection(manifest: Manifest, context: Context, report: Report): void {
  const check = (path: Path, plant: string) => {
    if (!context.plants.has(plant)) report(path, 'unknown_plant', `no system declares plant ${plant}`, suggestion(plant, [...context.plants], 'check the plant code'));
  };
  for (const plant of Object.keys(manifest.plant.plants ?? {})) check(['plant', 'plants', plant], plant);
  (manifest.plant.lanes ?? []).forEach((lane, index) => {
    check(['plant', 'lanes', index, 'from'], lane.from);
    check(['plant', 'lanes', index, 'to'], lane.to);
  });
}

/** The teams an owner template stands for: `receiving-{plant}` is one team per declared plant. */
function teamsOf(owner: string, plants: ReadonlySet<string>): string[] {
  if (!owner.includes('{plant}')) return [owner];
  return [...plants].map((plant) => owner.replaceAll('{plant}', plant.toLowerCase()));
}

function checkSubscriptions(manifest: Manifest, context: Context, report: Report): void {
  const needs = { webhook: 'url', nats: 'subject', mqtt: 'topic', x12: 'url' } as const;
  manifest.subscriptions.forEach((subscription, index) => {
    const at = (...rest: (string | number)[]): Path => ['subscriptions', index, ...rest];
    if (!context.sources.has(subscription.subscriber)) {
      report(at('subscriber'), 'unknown_system', `subscriber "${subscription.subscriber}" is neither a system nor a partner`, suggestion(subscription.subscriber, [...context.sources], 'declare it under systems or partners'));
    }
    const needed = needs[subscription.channel.kind];
    if (needed !== undefined && subscription.channel[needed] === undefined) {
      report(at('channel'), 'channel_incomplete', `a ${subscription.channel.kind} channel needs a ${needed}`, `add channel.${needed}`);
    }
    if (subscription.channel.kind === 'x12' && !manifest.partners.some((p) => p.id === subscription.subscriber && p.x12 !== undefined)) {
      report(at('channel'), 'channel_incomplete', `an x12 channel needs a partner subscriber with x12 identifiers`, `declare x12: { qualifier, id } on partner ${subscription.subscriber}`);
    }
    if (subscription.channel.kind === 'x12') {
      subscription.types.forEach((type, j) => {
        if (!X12_OUTBOUND_TYPES.has(type)) {
          report(at('types', j), 'x12_type_not_supported', `the hub cannot send ${type} as X12; an x12 channel carries ${[...X12_OUTBOUND_TYPES].join(', ')}`, `remove ${type}, or send it to this partner over a webhook subscription`);
        }
      });
    }
    const plant = subscription.filter?.plant;
    if (plant !== undefined && !context.plants.has(plant)) report(at('filter', 'plant'), 'unknown_plant', `no system declares plant ${plant}`, suggestion(plant, [...context.plants], 'check the plant code'));
    const supplier = subscription.filter?.supplierId;
    if (supplier !== undefined && !context.suppliers.has(supplier)) report(at('filter', 'supplierId'), 'unknown_supplier', `supplier ${supplier} is neither a partner nor in masterData.suppliers`, suggestion(supplier, [...context.suppliers], 'check the supplier id'));
    checkWindows(subscription.maintenanceWindows ?? [], (j, code, message, hint) => report(at('maintenanceWindows', j), code, message, hint));
  });
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const WEEK = 7 * 24 * 60;
// Offsets can differ between winter and summer time: windows are compared at both.
const REFERENCE_INSTANTS = [Date.UTC(2026, 0, 15, 12), Date.UTC(2026, 6, 15, 12)];

function checkWindows(windows: readonly MaintenanceWindow[], report: (index: number, code: ManifestRuleCode, message: string, hint: string) => void): void {
  const offsets = windows.map((window, index) => {
    const minutes = REFERENCE_INSTANTS.map((instant) => utcOffsetMinutes(window.timezone, instant));
    if (minutes.some((m) => m === undefined)) {
      report(index, 'unknown_timezone', `time zone "${window.timezone}" is not an IANA time zone`, 'use a name like UTC, Europe/Berlin or America/Chicago');
      return undefined;
    }
    return minutes as number[];
  });
  for (let j = 1; j < windows.length; j += 1) {
    for (let i = 0; i < j; i += 1) {
      const a = offsets[i];
      const b = offsets[j];
      if (a === undefined || b === undefined) continue;
      const overlaps = REFERENCE_INSTANTS.some((_, r) => intervalsOverlap(weekIntervals(windows[i] as MaintenanceWindow, a[r] ?? 0), weekIntervals(windows[j] as MaintenanceWindow, b[r] ?? 0)));
      if (overlaps) {
        report(j, 'overlapping_maintenance_windows', `this window overlaps maintenance window ${i + 1} of the same subscription`, 'merge the two windows into one, or make them disjoint');
        break;
      }
    }
  }
}

/** A window as UTC minute ranges within one week (Monday 00:00 UTC = 0), wrapping split in two. */
function weekIntervals(window: MaintenanceWindow, offsetMinutes: number): [number, number][] {
  const from = minutesOf(window.from);
  const to = minutesOf(window.to);
  // `to` at or before `from` runs past midnight; equal means the whole day.
  const length = to > from ? to - from : to + 24 * 60 - from;
  const ranges: [number, number][] = [];
  for (const day of window.days) {
    const start = (((DAYS.indexOf(day) * 24 * 60 + from - offsetMinutes) % WEEK) + WEEK) % WEEK;
    const end = start + length;
    if (end <= WEEK) ranges.push([start, end]);
    else ranges.push([start, WEEK], [0, end - WEEK]);
  }
  return ranges;
}

function intervalsOverlap(a: readonly [number, number][], b: readonly [number, number][]): boolean {
  return a.some(([s1, e1]) => b.some(([s2, e2]) => s1 < e2 && s2 < e1));
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

function checkPartners(manifest: Manifest, report: Report): void {
  // A partner's key acts for its supplierId (authority.ts): a copied entry that kept another's
  // supplierId would let a second company confirm, invoice and read the first one's POs.
  const suppliers = new Map<string, string>();
  manifest.partners.forEach((partner, index) => {
    const first = suppliers.get(partner.supplierId);
    if (first === undefined) suppliers.set(partner.supplierId, partner.id);
    else report(['partners', index, 'supplierId'], 'duplicate_supplier_id', `partner ${first} already is supplier ${partner.supplierId}; ${partner.id} acts on and reads the same purchase orders`, 'if they are one company (two X12 ids, say), this is as meant; else fix the supplierId, or list every protocol and credential on one partner');
  });
  const seen = new Map<string, string>();
  manifest.partners.forEach((partner, index) => {
    if (partner.x12 === undefined) return;
    const key = `${partner.x12.qualifier}:${partner.x12.id}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, `partner ${partner.id}`);
    else report(['partners', index, 'x12'], 'duplicate_x12_id', `${first} already uses X12 id ${key}`, 'inbound interchanges are matched to a partner by ISA05/ISA06: each partner needs its own');
  });
  // Systems that send X12 themselves (a buyer ERP's 850s) and the hub share the same id space.
  manifest.systems.forEach((system, index) => {
    if (system.x12 === undefined) return;
    const key = `${system.x12.qualifier}:${system.x12.id}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, `system ${system.id}`);
    else report(['systems', index, 'x12'], 'duplicate_x12_id', `${first} already uses X12 id ${key}`, 'inbound interchanges are matched to a sender by ISA05/ISA06: each system and partner needs its own');
  });
  const hub = manifest.hub.x12;
  if (hub !== undefined) {
    const key = `${hub.qualifier}:${hub.id}`;
    const first = seen.get(key);
    if (first !== undefined) report(['hub', 'x12'], 'duplicate_x12_id', `${first} already uses X12 id ${key}, which is the hub's own`, "the hub's interchange id must differ from every sender's");
  }
}

function checkMasterData(manifest: Manifest, context: Context, report: Report): void {
  const { masterData } = manifest;
  for (const [item, sizes] of Object.entries(masterData.unitConversions ?? {})) {
    for (const [unit, size] of Object.entries(sizes)) {
      if (dec(size).lte(0)) report(['masterData', 'unitConversions', item, unit], 'unit_conversion_not_positive', `1 ${unit} of ${item} is ${size} base units; a unit size must be positive`, 'give the size of one unit in the item\'s base unit, e.g. EA: "1", BOX: "12"');
    }
  }
  for (const section of ['itemCodes', 'supplierCodes'] as const) {
    for (const [source, codes] of Object.entries(masterData[section] ?? {})) {
      if (!context.sources.has(source)) report(['masterData', section, source], 'unknown_system', `"${source}" is neither a system nor a partner`, suggestion(source, [...context.sources], 'key cross references by the id of the system or partner that uses the codes'));
      if (section !== 'supplierCodes') continue;
      for (const [local, canonical] of Object.entries(codes)) {
        if (!context.suppliers.has(canonical)) report(['masterData', section, source, local], 'unknown_supplier', `supplier ${canonical} is neither a partner nor in masterData.suppliers`, suggestion(canonical, [...context.suppliers], 'add it to masterData.suppliers'));
      }
    }
  }
  for (const supplier of Object.keys(manifest.tolerances.suppliers ?? {})) {
    if (!context.suppliers.has(supplier)) report(['tolerances', 'suppliers', supplier], 'unknown_supplier', `supplier ${supplier} is neither a partner nor in masterData.suppliers`, suggestion(supplier, [...context.suppliers], 'add it to masterData.suppliers'));
  }
}

/**
 * Tolerances are decimals the schema lets carry a sign. A negative one is not a stricter rule but
 * an impossible one (a price tolerance of -1 holds even an invoice at the PO price), and the
 * workflows would apply it silently.
 */
function checkTolerances(manifest: Manifest, report: Report): void {
  // The schema has made every string here a decimal (confirmationDateDays is a whole number >= 0).
  const check = (path: Path, values: object | undefined) => {
    for (const [field, value] of Object.entries(values ?? {})) {
      if (typeof value !== 'string') continue;
      if (dec(value).isNegative() && !dec(value).isZero()) {
        report([...path, field], 'tolerance_negative', `tolerance ${field} is ${value}; a tolerance cannot be below zero`, `write "0" for no tolerance at all, or the allowed difference as a positive number`);
      } else if (/percent/i.test(field) && dec(value).gt(100)) {
        report([...path, field], 'tolerance_over_100_percent', `tolerance ${field} is ${value} %, more than the whole of the value it is compared with`, `percentages are written as such: "1.5" is 1.5 %; keep ${value} only if it is meant`);
      }
    }
  };
  const { suppliers, categories, ...global } = manifest.tolerances;
  check(['tolerances'], global);
  for (const [supplier, set] of Object.entries(suppliers ?? {})) check(['tolerances', 'suppliers', supplier], set);
  for (const [category, set] of Object.entries(categories ?? {})) check(['tolerances', 'categories', category], set);
  for (const [kind, set] of Object.entries(manifest.plant.tolerances ?? {})) {
    const { items, ...own } = set as { readonly items?: Readonly<Record<string, object>> };
    check(['plant', 'tolerances', kind], own);
    for (const [item, itemSet] of Object.entries(items ?? {})) check(['plant', 'tolerances', kind, 'items', item], itemSet);
  }
}

/** The longest duration the manifest may give: ten years. */
const MAX_DURATION_MS = 3650 * 86_400_000;

/**
 * Durations have no upper bound in the schema: "100000000d" would pass, and the first deadline
 * set with it would lie past the last date JavaScript can represent, so the workflow would fail
 * on every event that starts one. Every value the schema types as a duration is checked,
 * walking the schema alongside the manifest.
 */
function checkDurations(manifest: Manifest, report: Report): void {
  const walk = (value: unknown, schema: unknown, path: Path): void => {
    if (schema === null || typeof schema !== 'object') return;
    const node = schema as { pattern?: string; properties?: Record<string, unknown>; additionalProperties?: unknown; items?: unknown };
    if (typeof value === 'string' && node.pattern !== undefined && DURATION_PATTERNS.includes(node.pattern)) {
      // Either duration pattern: the workflows' (m, h, d) or the delivery settings' (ms and s too).
      const ms = parseDuration(value) ?? parseDeliveryDuration(value);
      if (ms !== undefined && !(ms <= MAX_DURATION_MS)) {
        report(path, 'duration_too_long', `${value} is longer than ten years (3650d)`, 'check the number: durations are minutes, hours or days (90m, 24h, 5d)');
      }
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, node.items, [...path, index]));
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) walk(child, node.properties !== undefined && Object.hasOwn(node.properties, key) ? node.properties[key] : node.additionalProperties, [...path, key]);
  };
  walk(manifest, MANIFEST_SCHEMA, []);
}

function checkContracts(manifest: Manifest, catalog: ContractCatalog, report: Report): void {
  for (const [type, versions] of Object.entries(manifest.contracts.inForce ?? {})) {
    const shipped = catalog.versions.get(type);
    if (shipped === undefined) {
      report(['contracts', 'inForce', type], 'unknown_event_type', `no contract declares event type ${type}`, suggestion(type, [...catalog.versions.keys()], 'add its contract to the contracts folder or fix the name'));
      continue;
    }
    versions.forEach((version, at) => {
      if (!shipped.includes(version)) report(['contracts', 'inForce', type, at], 'unknown_contract_version', `${type} has no contract version ${version} (the contracts folder has ${shipped.map((v) => `v${v}`).join(', ')})`, `add contracts/<domain>/${type}/v${version}.schema.json or remove the version`);
    });
  }
}

/** "did you mean X?" when a known name is close, else the fallback advice. */
function suggestion(wrong: string, candidates: readonly string[], fallback: string): string {
  if (candidates.length === 0) return fallback;
  const best = closest(wrong, [...candidates]);
  return distance(wrong, best) <= Math.max(2, Math.floor(wrong.length / 4)) ? `did you mean "${best}"?` : fallback;
}
