// Integration health: for each source system or partner and each channel it sends through,
// when it last sent, how fast, how late against its declared maximum lag, what was refused or
// quarantined; for each subscriber, what waits to be delivered and what is dead. Pure: the
// caller reads the log's recent window, the counts and the manifest, and passes `now`.
import { parseDuration } from '../duration.js';
import type { CloudEvent } from '../envelope.js';
import type { FlowCount } from '../governance/coverage.js';
import type { Manifest, PrincipalKind, SourceMode } from '../governance/manifest.js';
import { sourceOf } from '../governance/manifest.js';
import { percentile } from '../kpis/p2p-kpis.js';
import { formatDuration, toMs } from '../time.js';

/** How an event reached the hub: the events API, an X12 interchange, a CSV file (more as channels are added). */
export type IntakeChannel = 'api' | 'x12' | 'csv' | (string & {});

/** One inbound event received in the window, reduced to what health needs. */
export interface HealthEvent {
  readonly source: string;
  readonly channel: IntakeChannel;
  readonly time: string;
  readonly receivedTime: string;
  /** The hub marked it as later than the source's maximum lag (millracelagbreach). */
  readonly lagBreach: boolean;
}

/** A quarantine entry: the held ones, and any received in the window. */
export interface HealthQuarantineEntry {
  readonly source: string;
  readonly channel: string;
  readonly status: 'held' | 'accepted' | 'reprocessed' | 'discarded';
  readonly receivedTime: string;
}

/** Requests the door refused from a source through a channel, by error code. */
export interface HealthRefusals {
  readonly source: string;
  readonly channel: string;
  readonly code: string;
  readonly count: number;
  readonly lastAt: string;
}

export interface HealthInput {
  readonly now: string;
  /** The window the events were read over, [from, to). */
  readonly window: { readonly from: string; readonly to: string };
  readonly manifest: Pick<Manifest, 'systems' | 'partners' | 'subscriptions'>;
  /** Every flow counted since the log began. */
  readonly flows: readonly FlowCount[];
  readonly events: readonly HealthEvent[];
  readonly quarantine: readonly HealthQuarantineEntry[];
  /** Refusals counted since `refusalsSince` (the process start: they are not kept in the log). */
  readonly refusals: readonly HealthRefusals[];
  readonly refusalsSince: string;
  readonly deliveries: readonly { readonly subscription: string; readonly status: string; readonly count: number }[];
}

/** Lag = received minus the event's own time, in minutes, nearest-rank percentiles; null without events. */
export interface LagPercentiles {
  readonly p50Minutes: number | null;
  readonly p90Minutes: number | null;
  readonly p99Minutes: number | null;
}

export interface ChannelHealth {
  readonly channel: string;
  /** Events received in the window, and per hour over it. */
  readonly events: number;
  readonly perHour: number;
  readonly lastEventAt: string | null;
  readonly lag: LagPercentiles;
  /** Events of the window later than their declared maximum lag. */
  readonly lagBreaches: number;
  /** Refused at the door since `refusalsSince`, in all and by code. */
  readonly refused: number;
  readonly refusedByCode: Readonly<Record<string, number>>;
  /** Quarantine entries received in the window, and those still held (whenever they came). */
  readonly quarantined: number;
  readonly held: number;
}

/**
 * `failing`: something is refused or held in quarantine; `overdue`: no event for longer than
 * the source's declared `cadence`; `late`: events of the window came later than the declared
 * maximum lag; `silent`: nothing in the window (no cadence declared); `healthy`: none of these.
 */
export type HealthStatus = 'healthy' | 'late' | 'silent' | 'overdue' | 'failing';

export interface SourceHealth {
  readonly source: string;
  /** The system or partner of the manifest; absent for a source it does not declare. */
  readonly publisher?: { readonly kind: PrincipalKind; readonly id: string; readonly name?: string; readonly mode: SourceMode };
  /** `maxLag.default` of the source, in minutes; null when none is declared. */
  readonly maxLagMinutes: number | null;
  /** The declared `cadence` (longest expected quiet), in minutes; null when none is declared. */
  readonly cadenceMinutes: number | null;
  readonly status: HealthStatus;
  /** Why the status is not healthy, in words. */
  readonly problems: readonly string[];
  /** Since the log began. */
  readonly lastEventAt: string | null;
  readonly totalEvents: number;
  readonly totalLagBreaches: number;
  /** The window's figures over every channel of the source. */
  readonly events: number;
  readonly perHour: number;
  readonly lag: LagPercentiles;
  readonly channels: readonly ChannelHealth[];
}

export interface SubscriberHealth {
  readonly subscription: string;
  readonly subscriber: string;
  readonly channel: string;
  /** Waiting to be sent: pending, retrying, or waiting out a maintenance window. */
  readonly backlog: number;
  /** Held back behind a dead delivery of the same workflow. */
  readonly blocked: number;
  /** Dead letters: gave up after the last attempt, until an operator retries. */
  readonly dead: number;
  readonly delivered: number;
  /** Never sent and never will be: the manifest narrowed or removed the subscription (ADR 0052). */
  readonly withdrawn: number;
  readonly status: 'healthy' | 'backlog' | 'failing';
}

export interface IntegrationHealth {
  readonly now: string;
  readonly window: { readonly from: string; readonly to: string };
  readonly refusalsSince: string;
  readonly sources: readonly SourceHealth[];
  readonly subscribers: readonly SubscriberHealth[];
  readonly totals: {
    readonly sources: number;
    readonly needingAttention: number;
    readonly events: number;
    readonly refused: number;
    readonly held: number;
    readonly backlog: number;
    readonly deadLetters: number;
  };
}

/**
 * The channel an event came through, read from its id: the X12 intake names its events
 * `x12:<qualifier>:<sender>:...`, a CSV mapping and an MQTT topic mapping `<mapping id>/...`
 * (`prefixChannels` maps those ids to their channel); the rest came through the events API
 * (NATS consumers take whole CloudEvents, whose ids do not tell). A new channel adds its rule here.
 */
export function channelOfEvent(event: Pick<CloudEvent, 'id'>, prefixChannels: ReadonlyMap<string, IntakeChannel>): IntakeChannel {
  if (event.id.startsWith('x12:')) return 'x12';
  const slash = event.id.indexOf('/');
  return (slash > 0 ? prefixChannels.get(event.id.slice(0, slash)) : undefined) ?? 'api';
}

const HOUR = 3_600_000;

interface Tally {
  events: number;
  lags: number[];
  lagBreaches: number;
  lastEventAt: string | null;
  refusedByCode: Map<string, number>;
  quarantined: number;
  held: number;
}

const emptyTally = (): Tally => ({ events: 0, lags: [], lagBreaches: 0, lastEventAt: null, refusedByCode: new Map(), quarantined: 0, held: 0 });

function lagPercentiles(lagsMs: readonly number[]): LagPercentiles {
  const minutes = lagsMs.map((ms) => ms / 60_000).sort((a, b) => a - b);
  return { p50Minutes: percentile(minutes, 50), p90Minutes: percentile(minutes, 90), p99Minutes: percentile(minutes, 99) };
}

function later(a: string | null, b: string): string {
  return a === null || toMs(b) > toMs(a) ? b : a;
}

export function integrationHealth(input: HealthInput): IntegrationHealth {
  const from = toMs(input.window.from);
  const to = toMs(input.window.to);
  if (!(from < to)) throw new Error(`the window must end after it starts: ${input.window.from} .. ${input.window.to}`);
  const hours = (to - from) / HOUR;
  const inWindow = (instant: string) => toMs(instant) >= from && toMs(instant) < to;

  // source -> channel -> tally
  const tallies = new Map<string, Map<string, Tally>>();
  const tallyOf = (source: string, channel: string): Tally => {
    const channels = tallies.get(source) ?? new Map<string, Tally>();
    tallies.set(source, channels);
    const tally = channels.get(channel) ?? emptyTally();
    channels.set(channel, tally);
    return tally;
  };

  for (const event of input.events) {
    if (!inWindow(event.receivedTime)) continue;
    const tally = tallyOf(event.source, event.channel);
    tally.events += 1;
    tally.lags.push(Math.max(0, toMs(event.receivedTime) - toMs(event.time)));
    if (event.lagBreach) tally.lagBreaches += 1;
    tally.lastEventAt = later(tally.lastEventAt, event.receivedTime);
  }
  for (const entry of input.quarantine) {
    const counted = inWindow(entry.receivedTime);
    if (!counted && entry.status !== 'held') continue;
    const tally = tallyOf(entry.source, entry.channel);
    if (counted) tally.quarantined += 1;
    if (entry.status === 'held') tally.held += 1;
  }
  for (const refusal of input.refusals) {
    const tally = tallyOf(refusal.source, refusal.channel);
    tally.refusedByCode.set(refusal.code, (tally.refusedByCode.get(refusal.code) ?? 0) + refusal.count);
  }

  const allTime = new Map<string, { events: number; lagBreaches: number; last: string | null }>();
  for (const flow of input.flows) {
    const before = allTime.get(flow.source) ?? { events: 0, lagBreaches: 0, last: null };
    allTime.set(flow.source, { events: before.events + flow.events, lagBreaches: before.lagBreaches + flow.lagBreaches, last: later(before.last, flow.lastReceived) });
  }

  const publishers = new Map<string, NonNullable<SourceHealth['publisher']> & { maxLag?: Readonly<Record<string, string>>; cadence?: string }>();
  for (const [kind, list] of [
    ['system', input.manifest.systems],
    ['partner', input.manifest.partners],
  ] as const) {
    for (const p of list) {
      publishers.set(sourceOf(kind, p.id), { kind, id: p.id, ...(p.name === undefined ? {} : { name: p.name }), mode: p.mode, ...(p.maxLag === undefined ? {} : { maxLag: p.maxLag }), ...(p.cadence === undefined ? {} : { cadence: p.cadence }) });
    }
  }

  const sourceIds = [...new Set([...publishers.keys(), ...allTime.keys(), ...tallies.keys()])].sort();
  const sources = sourceIds.map((source): SourceHealth => {
    const channels = [...(tallies.get(source) ?? new Map<string, Tally>()).entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([channel, t]): ChannelHealth => {
        const refused = [...t.refusedByCode.values()].reduce((a, b) => a + b, 0);
        return {
          channel,
          events: t.events,
          perHour: t.events / hours,
          lastEventAt: t.lastEventAt,
          lag: lagPercentiles(t.lags),
          lagBreaches: t.lagBreaches,
          refused,
          refusedByCode: Object.fromEntries([...t.refusedByCode.entries()].sort(([a], [b]) => a.localeCompare(b))),
          quarantined: t.quarantined,
          held: t.held,
        };
      });
    const sum = (pick: (c: ChannelHealth) => number) => channels.reduce((total, c) => total + pick(c), 0);
    const events = sum((c) => c.events);
    const refused = sum((c) => c.refused);
    const held = sum((c) => c.held);
    const lagBreaches = sum((c) => c.lagBreaches);
    const publisher = publishers.get(source);
    const maxLagText = publisher?.maxLag?.default;
    const maxLagMs = maxLagText === undefined ? undefined : parseDuration(maxLagText);
    const cadenceMs = publisher?.cadence === undefined ? undefined : parseDuration(publisher.cadence);
    const lastEventAt = allTime.get(source)?.last ?? null;
    const quietMs = lastEventAt === null ? undefined : Math.max(0, toMs(input.now) - toMs(lastEventAt));
    // A declared cadence makes quiet a fault: never sent, or quiet for longer than declared.
    const overdue = cadenceMs !== undefined && (quietMs === undefined || quietMs > cadenceMs);
    const problems: string[] = [];
    if (held > 0) problems.push(`${held} message${held === 1 ? '' : 's'} held in quarantine`);
    if (refused > 0) problems.push(`${refused} request${refused === 1 ? '' : 's'} refused since the hub started`);
    if (overdue) problems.push(`${quietMs === undefined ? 'no event yet' : `no event for ${formatDuration(quietMs)}`}; expected at least every ${publisher?.cadence ?? ''}`);
    if (lagBreaches > 0) problems.push(`${lagBreaches} of ${events} event${events === 1 ? '' : 's'} later than the declared maximum lag`);
    if (events === 0 && !overdue) problems.push(lastEventAt === null ? 'has never sent an event' : 'sent nothing in the window');
    if (publisher === undefined) problems.push('not declared in the manifest');
    const status: HealthStatus = held > 0 || refused > 0 ? 'failing' : overdue ? 'overdue' : lagBreaches > 0 ? 'late' : events === 0 ? 'silent' : 'healthy';
    const lags = [...(tallies.get(source)?.values() ?? [])].flatMap((t) => t.lags);
    return {
      source,
      ...(publisher === undefined ? {} : { publisher: { kind: publisher.kind, id: publisher.id, ...(publisher.name === undefined ? {} : { name: publisher.name }), mode: publisher.mode } }),
      maxLagMinutes: maxLagMs === undefined ? null : maxLagMs / 60_000,
      cadenceMinutes: cadenceMs === undefined ? null : cadenceMs / 60_000,
      status,
      problems,
      lastEventAt,
      totalEvents: allTime.get(source)?.events ?? 0,
      totalLagBreaches: allTime.get(source)?.lagBreaches ?? 0,
      events,
      perHour: events / hours,
      lag: lagPercentiles(lags),
      channels,
    };
  });

  const counts = new Map<string, Map<string, number>>();
  for (const row of input.deliveries) {
    const byStatus = counts.get(row.subscription) ?? new Map<string, number>();
    byStatus.set(row.status, (byStatus.get(row.status) ?? 0) + row.count);
    counts.set(row.subscription, byStatus);
  }
  const declared = new Map(input.manifest.subscriptions.map((s) => [s.id, s]));
  const subscribers = [...new Set([...declared.keys(), ...counts.keys()])].sort().map((subscription): SubscriberHealth => {
    const n = (status: string) => counts.get(subscription)?.get(status) ?? 0;
    const backlog = n('pending') + n('retrying') + n('waiting');
    const blocked = n('blocked');
    const dead = n('dead');
    const declaration = declared.get(subscription);
    return {
      subscription,
      subscriber: declaration?.subscriber ?? 'unknown',
      channel: declaration?.channel.kind ?? 'unknown',
      backlog,
      blocked,
      dead,
      delivered: n('delivered'),
      withdrawn: n('withdrawn'),
      status: dead > 0 || blocked > 0 ? 'failing' : backlog > 0 ? 'backlog' : 'healthy',
    };
  });

  return {
    now: input.now,
    window: input.window,
    refusalsSince: input.refusalsSince,
    sources,
    subscribers,
    totals: {
      sources: sources.length,
      needingAttention: sources.filter((s) => s.status === 'failing' || s.status === 'overdue' || s.status === 'late').length + subscribers.filter((s) => s.status === 'failing').length,
      events: sources.reduce((total, s) => total + s.events, 0),
      refused: sources.reduce((total, s) => total + s.channels.reduce((n, c) => n + c.refused, 0), 0),
      held: sources.reduce((total, s) => total + s.channels.reduce((n, c) => n + c.held, 0), 0),
      backlog: subscribers.reduce((total, s) => total + s.backlog, 0),
      deadLetters: subscribers.reduce((total, s) => total + s.dead, 0),
    },
  };
}
