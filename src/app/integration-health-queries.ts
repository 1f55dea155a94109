// Integration health as the API shows it (GET /v1/integrations/health): reads the log's recent
// window, the quarantine, the delivery counts and the door's refusals, and lets the core judge.
// The log is read from the first event received in the window, found by bisecting sequences.
import type { HealthEvent, HealthQuarantineEntry, HealthRefusals, IntakeChannel, IntegrationHealth, Manifest, Principal } from '../core/index.js';
import { channelOfEvent, GOVERNANCE_MARKS, integrationHealth, MILLRACE_SOURCE, MillraceError, sourceOf, toMs } from '../core/index.js';
import { readLogWindow } from './log-window.js';
import type { Clock, DeliveryStore, EventStore, QuarantineStore, WorkflowStore } from '../ports/index.js';

const [, LAG_MARK] = GOVERNANCE_MARKS;

/**
 * Requests the door refused, per source, channel and error code, counted in this process since
 * it started. Refusals are not events (nothing is logged for them), so a restart starts over;
 * the answer says since when.
 */
export class IntakeRefusals {
  private readonly counts = new Map<string, { source: string; channel: string; code: string; count: number; lastAt: string }>();

  readonly since: string;

  constructor(private readonly clock: Clock) {
    this.since = clock.now().toISOString();
  }

  record(principal: Principal, channel: string, code: string): void {
    if (principal.kind === 'operator') return;
    const source = sourceOf(principal.kind, principal.id);
    const key = `${source}\u0000${channel}\u0000${code}`;
    const before = this.counts.get(key);
    this.counts.set(key, { source, channel, code, count: (before?.count ?? 0) + 1, lastAt: this.clock.now().toISOString() });
  }

  snapshot(): HealthRefusals[] {
    return [...this.counts.values()].map((row) => ({ ...row }));
  }
}

export interface IntegrationHealthOptions {
  /** The most events read from the log for one answer; a busier window is measured over its latest events. */
  readonly maxEvents?: number;
}

export type IntegrationHealthAnswer = IntegrationHealth & {
  /** True when the window held more events than `maxEvents`: rates and lags cover `window` as narrowed to the latest ones. */
  readonly truncated: boolean;
};


export class IntegrationHealthQueries {
  /** The mapping ids that start the ids of CSV and MQTT events, with their channel. */
  private readonly prefixChannels: ReadonlyMap<string, IntakeChannel>;

  constructor(
    private readonly log: EventStore,
    private readonly workflows: WorkflowStore,
    private readonly quarantine: QuarantineStore,
    private readonly deliveries: DeliveryStore,
    private readonly manifest: Manifest,
    private readonly refusals: IntakeRefusals,
    private readonly clock: Clock,
    private readonly options: IntegrationHealthOptions = {},
  ) {
    this.prefixChannels = new Map<string, IntakeChannel>([
      ...manifest.csvMappings.map((m) => [m.id, 'csv'] as const),
      ...(manifest.mqtt?.topics ?? []).filter((t) => t.format === 'json').map((t) => [t.id, 'mqtt'] as const),
    ]);
  }

  /** Operator keys (viewer or operator role): the map of every integration is for the enterprise's own people. */
  async health(viewer: Principal, hours = 24): Promise<IntegrationHealthAnswer> {
    if (viewer.kind !== 'operator') throw new MillraceError('forbidden_action', 'integration health is for operator keys (millrace keys add --operator NAME)');
    const now = this.clock.now().toISOString();
    let from = new Date(toMs(now) - hours * 3_600_000).toISOString();
    const { events, truncated, firstReceivedTime } = await this.recentEvents(from);
    if (truncated && firstReceivedTime !== undefined) from = firstReceivedTime;
    const [flows, quarantine, deliveries] = await Promise.all([this.workflows.flows(), this.quarantineSince(from), this.deliveries.deliveryCounts()]);
    const health = integrationHealth({
      now,
      window: { from, to: now },
      manifest: this.manifest,
      flows,
      events,
      quarantine,
      refusals: this.refusals.snapshot(),
      refusalsSince: this.refusals.since,
      deliveries,
    });
    return { ...health, truncated };
  }

  /** Inbound events received at or after `from`, oldest first, at most `maxEvents` (the latest ones). */
  private async recentEvents(from: string): Promise<{ events: HealthEvent[]; truncated: boolean; firstReceivedTime?: string }> {
    const read = await readLogWindow(this.log, { from }, this.options.maxEvents ?? 50_000, ({ event, receivedTime }) =>
      event.source === MILLRACE_SOURCE ? undefined : { source: event.source, channel: channelOfEvent(event, this.prefixChannels), time: event.time, receivedTime, lagBreach: LAG_MARK in event },
    );
    return { events: read.items, truncated: read.truncated, ...(read.firstReceivedTime === undefined ? {} : { firstReceivedTime: read.firstReceivedTime }) };
  }

  /** Every held entry, and every entry received since `from` (the listing is newest first). */
  private async quarantineSince(from: string): Promise<HealthQuarantineEntry[]> {
    const entries = new Map<string, HealthQuarantineEntry>();
    const fromMs = toMs(from);
    let after: string | undefined;
    do {
      const page = await this.quarantine.listQuarantine({ status: 'held' }, 500, after);
      for (const e of page.items) entries.set(e.id, { source: e.source, channel: e.channel, status: e.status, receivedTime: e.receivedTime });
      after = page.next;
    } while (after !== undefined);
    for (;;) {
      const page = await this.quarantine.listQuarantine({}, 500, after);
      let older = false;
      for (const e of page.items) {
        if (toMs(e.receivedTime) < fromMs) older = true;
        else entries.set(e.id, { source: e.source, channel: e.channel, status: e.status, receivedTime: e.receivedTime });
      }
      after = page.next;
      if (older || after === undefined) break;
    }
    return [...entries.values()];
  }
}
