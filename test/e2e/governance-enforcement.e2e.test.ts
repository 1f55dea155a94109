// Governance at the door, through the HTTP API of a hub running the example manifest (with a
// low rate limit for one partner): publishing authority in enforce and observe mode, lag
// breaches, object-level authorization of a partner's submissions and reads, rate limits.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CloudEvent } from '../../src/core/index.js';
import { callHub, EXAMPLE_MANIFEST, startTestHub, type TestHub } from '../support/hub.js';

const OWN_PO = '4500088001';
const OBSERVED_PO = '4500088311';

function event(id: string, source: string, type: string, time: string, data: Record<string, unknown>): CloudEvent {
  return { specversion: '1.0', id, source, type, time, data };
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

function poReleased(id: string, poNumber: string, supplierId: string, time = minutesAgo(1)): CloudEvent {
  return event(id, '/systems/erp-core', 'po.released', time, {
    poNumber,
    supplierId,
    buyerPlant: 'P01',
    currency: 'USD',
    lines: [{ line: 10, itemId: 'ITM-10023', quantity: '100', uom: 'EA', unitPrice: '2.5000', needBy: '2026-12-16' }],
  });
}

function confirmation(id: string, partner: string, poNumber: string, supplierId: string, status = 'accepted'): CloudEvent {
  return event(id, `/partners/${partner}`, 'supplier.confirmation', minutesAgo(1), { poNumber, supplierId, lines: [{ line: 10, status }] });
}

function shipment(id: string, partner: string, supplierId: string, poNumbers: string[]): CloudEvent {
  return event(id, `/partners/${partner}`, 'shipment.dispatched', minutesAgo(1), {
    shipmentId: `ASN-${id}`,
    supplierId,
    shipToPlant: 'P01',
    eta: '2026-12-10T09:00:00Z',
    lines: poNumbers.map((poNumber) => ({ poNumber, line: 10, quantity: '100', uom: 'EA' })),
  });
}

function invoice(id: string, partner: string, supplierId: string, poNumber: string): CloudEvent {
  return event(id, `/partners/${partner}`, 'invoice.received', minutesAgo(1), {
    invoiceNumber: `INV-${id}`,
    supplierId,
    currency: 'USD',
    invoiceDate: '2026-11-28',
    lines: [{ poNumber, line: 10, quantity: '100', uom: 'EA', unitPrice: '2.5000' }],
    totalAmount: '250.00',
  });
}

describe('governance at the door', () => {
  let t: TestHub;
  const call = (method: 'GET' | 'POST', url: string, key: string, body?: unknown) => callHub(t, method, url, key, body);
  const post = async (principal: string, body: CloudEvent | CloudEvent[]) => {
    const response = await call('POST', '/v1/events', t.keys.get(principal)!, body);
    await t.hub.settle();
    return response;
  };
  const stored = async (source: string, id: string) => (await t.store.find(source, id))?.event;

  before(async () => {
    // The example manifest, with sup-0107 limited to 25 requests a minute.
    const folder = mkdtempSync(join(tmpdir(), 'millrace-governance-'));
    const manifest = join(folder, 'millrace.yaml');
    const text = readFileSync(EXAMPLE_MANIFEST, 'utf8');
    const limited = text.replace('    credentials: [sup-0107-as2]\n', '    credentials: [sup-0107-as2]\n    rateLimit: { perMinute: 25 }\n');
    assert.notEqual(limited, text, 'the manifest fixture changed');
    writeFileSync(manifest, limited);
    t = await startTestHub({ manifestPath: manifest, flags: { workflowTickMs: 3_600_000 } });
    // Every business object below starts with a PO from the ERP.
    assert.equal((await post('system:erp-core', [poReleased('po-own', OWN_PO, 'SUP-0042'), poReleased('po-obs', OBSERVED_PO, 'SUP-0311')])).status, 202);
  });
  after(() => t.close());

  describe('publishing authority', () => {
    it('refuses, in enforce mode, an event type the source may not publish, naming the rule', async () => {
      const response = await post('system:wms-p01', event('wms-po', '/systems/wms-p01', 'po.released', minutesAgo(1), poReleased('x', '4500088999', 'SUP-0042').data));
      assert.equal(response.status, 403);
      assert.equal(response.body.code, 'forbidden_event_type');
      assert.deepEqual(response.body.denials, [
        { pointer: '/type', id: 'wms-po', rule: 'systems[id=wms-p01].publishes does not list po.released', message: 'system "wms-p01" may not publish po.released' },
      ]);
      assert.equal(await stored('/systems/wms-p01', 'wms-po'), undefined);
    });

    it('accepts it from a source in observe mode and marks it ungoverned with the rule', async () => {
      const response = await post('partner:sup-0311', invoice('obs-inv', 'sup-0311', 'SUP-0311', OBSERVED_PO));
      assert.equal(response.status, 202, JSON.stringify(response.body));
      const event = await stored('/partners/sup-0311', 'obs-inv');
      assert.equal(event?.millraceungoverned, 'partners[id=sup-0311].publishes does not list invoice.received');
      // A type it may publish carries no mark.
      assert.equal((await post('partner:sup-0311', confirmation('obs-conf', 'sup-0311', OBSERVED_PO, 'SUP-0311'))).status, 202);
      assert.equal((await stored('/partners/sup-0311', 'obs-conf'))?.millraceungoverned, undefined);
    });

    it('still refuses, in observe mode, an event published under another source', async () => {
      const response = await post('partner:sup-0311', confirmation('spoof', 'sup-0042', OBSERVED_PO, 'SUP-0311'));
      assert.equal(response.status, 403);
      assert.equal(response.body.code, 'forbidden_source');
    });

    it('refuses a client that sets the hub governance marks itself', async () => {
      const forged = { ...invoice('forged', 'sup-0311', 'SUP-0311', OBSERVED_PO), millraceungoverned: 'nothing to see' };
      const response = await post('partner:sup-0311', forged);
      assert.equal(response.status, 422);
      assert.equal(response.body.code, 'contract_violation');
      assert.deepEqual((response.body.violations as { pointer: string }[]).map((v) => v.pointer), ['/millraceungoverned']);
    });
  });

  describe('lag policy', () => {
    it('accepts an event older than the source allows and records the breach on it', async () => {
      const late = poReleased('po-late', '4500088002', 'SUP-0042', minutesAgo(90));
      assert.equal((await post('system:erp-core', late)).status, 202);
      const event = await stored('/systems/erp-core', 'po-late');
      assert.match(String(event?.millracelagbreach), /^received 1h3[01]m after its time; systems\[id=erp-core\]\.maxLag\.default is 15m$/);
      // A resend of the same event is a duplicate, not a conflict: the mark is the hub's, not the body's.
      const again = await post('system:erp-core', late);
      assert.equal(again.status, 202);
      assert.equal((again.body.duplicates as unknown[]).length, 1);
    });

    it('uses the limit of the event type over the default, and marks nothing in time', async () => {
      const snapshot = event('snap-1', '/systems/wms-p01', 'inventory.snapshot', minutesAgo(90), {
        plant: 'P01',
        asOf: minutesAgo(90),
        positions: [{ itemId: 'ITM-10023', quantity: '40', uom: 'EA' }],
      });
      const response = await post('system:wms-p01', snapshot);
      assert.equal(response.status, 202, JSON.stringify(response.body));
      assert.equal((await stored('/systems/wms-p01', 'snap-1'))?.millracelagbreach, undefined, 'inventory.snapshot may lag 4h');
      const movement = event('mov-1', '/systems/wms-p01', 'inventory.movement', minutesAgo(20), {
        movementId: 'MV-1',
        plant: 'P01',
        itemId: 'ITM-10023',
        quantity: '5',
        uom: 'EA',
        reason: 'adjustment',
      });
      const moved = await post('system:wms-p01', movement);
      assert.equal(moved.status, 202, JSON.stringify(moved.body));
      assert.match(String((await stored('/systems/wms-p01', 'mov-1'))?.millracelagbreach), /systems\[id=wms-p01\]\.maxLag\.default is 15m/);
    });
  });

  describe("a partner's submissions name only its own business objects", () => {
    it('accepts a confirmation, a shipment and an invoice for a PO issued to the partner', async () => {
      assert.equal((await post('partner:sup-0042', confirmation('own-conf', 'sup-0042', OWN_PO, 'SUP-0042'))).status, 202);
      assert.equal((await post('partner:sup-0042', shipment('own-asn', 'sup-0042', 'SUP-0042', [OWN_PO]))).status, 202);
      assert.equal((await post('partner:sup-0042', invoice('own-inv', 'sup-0042', 'SUP-0042', OWN_PO))).status, 202);
    });

    const cases: { name: string; event: CloudEvent; pointer: string }[] = [
      { name: 'a confirmation of another supplier’s PO', event: confirmation('x-conf', 'sup-0107', OWN_PO, 'SUP-0107'), pointer: '/data/poNumber' },
      { name: 'a confirmation in another supplier’s name', event: confirmation('x-conf2', 'sup-0107', OWN_PO, 'SUP-0042'), pointer: '/data/supplierId' },
      { name: 'a shipment against another supplier’s PO', event: shipment('x-asn', 'sup-0107', 'SUP-0107', [OWN_PO]), pointer: '/data/lines/0/poNumber' },
      { name: 'an invoice against another supplier’s PO', event: invoice('x-inv', 'sup-0107', 'SUP-0107', OWN_PO), pointer: '/data/lines/0/poNumber' },
      { name: 'a confirmation of a PO the hub does not know', event: confirmation('x-unknown', 'sup-0107', '4500000404', 'SUP-0107'), pointer: '/data/poNumber' },
    ];
    for (const c of cases) {
      it(`refuses ${c.name} (403 forbidden_object) and stores nothing`, async () => {
        const response = await post('partner:sup-0107', c.event);
        assert.equal(response.status, 403, JSON.stringify(response.body));
        assert.equal(response.body.code, 'forbidden_object');
        const denials = response.body.denials as { pointer: string; id: string }[];
        assert.ok(denials.some((d) => d.pointer === c.pointer && d.id === c.event.id), JSON.stringify(denials));
        assert.equal(await stored(c.event.source, c.event.id), undefined);
      });
    }

    it('answers another supplier’s PO and an unknown PO alike, so POs cannot be probed', async () => {
      const other = await post('partner:sup-0107', confirmation('probe-1', 'sup-0107', OWN_PO, 'SUP-0107'));
      const unknown = await post('partner:sup-0107', confirmation('probe-2', 'sup-0107', '4500000405', 'SUP-0107'));
      assert.equal(other.body.detail, `purchase order ${OWN_PO} is not issued to supplier SUP-0107, or not known to the hub yet`);
      assert.equal(unknown.body.detail, 'purchase order 4500000405 is not issued to supplier SUP-0107, or not known to the hub yet');
    });

    it('refuses a whole batch when one of its events names another supplier’s PO', async () => {
      const ownPo = '4500088107';
      assert.equal((await post('system:erp-core', poReleased('po-107', ownPo, 'SUP-0107'))).status, 202);
      const response = await post('partner:sup-0107', [confirmation('b-ok', 'sup-0107', ownPo, 'SUP-0107'), shipment('b-bad', 'sup-0107', 'SUP-0107', [ownPo, OWN_PO])]);
      assert.equal(response.status, 403);
      assert.deepEqual((response.body.denials as { pointer: string }[]).map((d) => d.pointer), ['/1/data/lines/1/poNumber']);
      assert.equal(await stored('/partners/sup-0107', 'b-ok'), undefined);
    });

    it('lets a system publish for any supplier (no object scope)', async () => {
      assert.equal((await post('system:ap-automation', event('ap-1', '/systems/ap-automation', 'invoice.received', minutesAgo(1), invoice('x', 'x', 'SUP-0042', OWN_PO).data))).status, 202);
    });
  });

  describe("a partner reads only its own business objects: another supplier's are not found", () => {
    let exceptionId = '';
    before(async () => {
      // SUP-0042 rejects a line of a second PO: a confirmation_mismatch exception on SUP-0042's side.
      const po = '4500088003';
      assert.equal((await post('system:erp-core', poReleased('po-rej', po, 'SUP-0042'))).status, 202);
      assert.equal((await post('partner:sup-0042', confirmation('rej', 'sup-0042', po, 'SUP-0042', 'rejected'))).status, 202);
      const listed = await call('GET', `/v1/exceptions?po=${po}`, t.keys.get('viewer:plant-manager')!);
      const items = listed.body.items as { exceptionId: string; code: string }[];
      assert.ok(items.length > 0, JSON.stringify(listed.body));
      exceptionId = items[0]!.exceptionId;
    });

    it('GET /v1/workflows/p2p/:poNumber', async () => {
      assert.equal((await call('GET', `/v1/workflows/p2p/${OWN_PO}`, t.keys.get('partner:sup-0042')!)).status, 200);
      const other = await call('GET', `/v1/workflows/p2p/${OWN_PO}`, t.keys.get('partner:sup-0311')!);
      assert.equal(other.status, 404);
      assert.equal(other.body.code, 'not_found');
      assert.equal(other.body.detail, `no purchase order ${OWN_PO}`);
    });

    it('GET /v1/exceptions/:id', async () => {
      assert.equal((await call('GET', `/v1/exceptions/${exceptionId}`, t.keys.get('partner:sup-0042')!)).status, 200);
      const other = await call('GET', `/v1/exceptions/${exceptionId}`, t.keys.get('partner:sup-0311')!);
      assert.equal(other.status, 404);
      assert.equal(other.body.code, 'not_found');
    });

    it('POST /v1/exceptions/:id/resolve', async () => {
      const other = await call('POST', `/v1/exceptions/${exceptionId}/resolve`, t.keys.get('partner:sup-0311')!, { reason: 'not mine' });
      assert.equal(other.status, 404);
      assert.equal(other.body.code, 'not_found');
    });

    it('GET /v1/workflows/p2p and /v1/exceptions filtered by another supplier or its PO', async () => {
      const sup = t.keys.get('partner:sup-0311')!;
      assert.deepEqual((await call('GET', `/v1/workflows/p2p?supplier=SUP-0042`, sup)).body.items, []);
      assert.deepEqual((await call('GET', `/v1/exceptions?po=4500088003`, sup)).body.items, []);
      assert.deepEqual((await call('GET', `/v1/exceptions?supplier=SUP-0042`, sup)).body.items, []);
      const own = (await call('GET', '/v1/workflows/p2p', sup)).body.items as { poNumber: string }[];
      assert.deepEqual([...new Set(own.map((l) => l.poNumber))], [OBSERVED_PO]);
    });
  });

  describe('governance coverage', () => {
    interface Flow {
      source: string;
      type: string;
      events: number;
      declared: boolean;
      enforced: boolean;
      approvedVersion: boolean;
      governed: boolean;
      gaps: string[];
      governedEvents: number;
      ungovernedEvents: number;
      lagBreaches: number;
    }
    it('shows each observed flow with its verdict, and the share of flows and events under governance', async () => {
      const response = await call('GET', '/v1/governance/coverage', t.keys.get('viewer:plant-manager')!);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const flows = response.body.flows as Flow[];
      const flow = (source: string, type: string) => flows.find((f) => f.source === source && f.type === type);
      const observed = flow('/partners/sup-0311', 'invoice.received');
      assert.deepEqual(
        observed && { declared: observed.declared, enforced: observed.enforced, governed: observed.governed, events: observed.events, ungovernedEvents: observed.ungovernedEvents, governedEvents: observed.governedEvents },
        { declared: false, enforced: false, governed: false, events: 1, ungovernedEvents: 1, governedEvents: 0 },
      );
      assert.deepEqual(observed?.gaps, ['partners[id=sup-0311].publishes does not list invoice.received', 'partner sup-0311 is in observe mode']);
      const confirmations = flow('/partners/sup-0311', 'supplier.confirmation');
      assert.equal(confirmations?.declared, true);
      assert.equal(confirmations?.governed, false, 'observe mode is not governance');
      const releases = flow('/systems/erp-core', 'po.released');
      assert.equal(releases?.governed, true);
      assert.equal(releases?.lagBreaches, 1);
      // Refused events never reach the log, so they are no flow: wms-p01 was refused po.released.
      assert.equal(flow('/systems/wms-p01', 'po.released'), undefined);
      const totals = response.body.totals as { flows: number; governedFlows: number; flowShare: number; events: number; governedEvents: number; eventShare: number };
      assert.equal(totals.flows, flows.length);
      assert.equal(totals.governedFlows, flows.filter((f) => f.governed).length);
      assert.equal(totals.flowShare, totals.governedFlows / totals.flows);
      assert.equal(totals.events, flows.reduce((sum, f) => sum + f.events, 0));
      assert.equal(totals.eventShare, totals.governedEvents / totals.events);
      assert.ok(totals.flowShare > 0 && totals.flowShare < 1);
      const asOf = response.body.asOf as { processedUpTo: number; headSequence: number };
      assert.equal(asOf.processedUpTo, asOf.headSequence);
    });

    it('is for operator keys: a system or partner key gets 403', async () => {
      for (const key of ['system:erp-core', 'partner:sup-0042']) {
        const response = await call('GET', '/v1/governance/coverage', t.keys.get(key)!);
        assert.equal(response.status, 403);
        assert.equal(response.body.code, 'forbidden_action');
      }
    });
  });

  describe('KPIs', () => {
    it('answers operator keys with the window asked for, counts from this hub, and refuses others', async () => {
      const from = minutesAgo(24 * 60);
      const response = await call('GET', `/v1/kpis?from=${encodeURIComponent(from)}`, t.keys.get('viewer:plant-manager')!);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal((response.body.window as { from: string }).from, from);
      // Confirmations sent above: own-conf (SUP-0042 on OWN_PO) and obs-conf (SUP-0311), each answering its PO's terms.
      const bySupplier = response.body.bySupplier as Record<string, { confirmationLatency: { count: number } }>;
      assert.equal(bySupplier['SUP-0311']?.confirmationLatency.count, 1);
      assert.ok((response.body.syncLag as { source: string; lagBreaches: number }[]).some((s) => s.source === '/systems/erp-core' && s.lagBreaches === 1));
      assert.equal((await call('GET', '/v1/kpis', t.keys.get('partner:sup-0042')!)).status, 403);
      const stuck = await call('GET', '/v1/stuck?oldest=1', t.keys.get('viewer:plant-manager')!);
      assert.equal(stuck.status, 200, JSON.stringify(stuck.body));
      const stages = stuck.body.stages as { stage: string; count: number; byRegion: Record<string, number>; oldest: { poNumber: string }[] }[];
      // The PO that SUP-0042 rejected a line of waits in exception, in plant P01's region (NA in the example manifest).
      const inException = stages.find((st) => st.stage === 'in_exception');
      assert.ok((inException?.count ?? 0) >= 1 && (inException?.byRegion.NA ?? 0) >= 1, JSON.stringify(inException));
      assert.ok(stages.every((st) => st.oldest.length <= 1));
      assert.equal((await call('GET', '/v1/stuck', t.keys.get('partner:sup-0042')!)).status, 403);
      const bad = await call('GET', '/v1/kpis?from=yesterday', t.keys.get('viewer:plant-manager')!);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'invalid_request');
    });
  });

  describe('rate limits per credential', () => {
    it('answers 429 with Retry-After once the minute budget is spent, stores nothing, and leaves other sources alone', async () => {
      const key = t.keys.get('partner:sup-0107')!;
      // Earlier tests spent part of sup-0107's budget: spend the rest.
      let response = await call('GET', '/v1/workflows/p2p', key);
      for (let i = 0; i < 30 && response.status !== 429; i++) response = await call('GET', '/v1/workflows/p2p', key);
      assert.equal(response.status, 429);
      const refused = await call('POST', '/v1/events', key, confirmation('limited', 'sup-0107', '4500088107', 'SUP-0107'));
      assert.equal(refused.status, 429);
      assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.equal(refused.body.code, 'rate_limited');
      assert.equal(refused.body.limit, 25);
      const retryAfter = Number(refused.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${String(refused.headers['retry-after'])}`);
      assert.equal(refused.body.retryAfterSeconds, retryAfter);
      assert.equal(await stored('/partners/sup-0107', 'limited'), undefined);
      // Counted before the body is read: an over-limit request is not parsed, malformed or not.
      const malformed = await t.hub.http.inject({
        method: 'POST',
        url: '/v1/events',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        payload: '{"specversion": ',
      });
      assert.equal(malformed.statusCode, 429);
      assert.equal(malformed.json<{ code: string }>().code, 'rate_limited');
      // Over a socket too: the intake lane hands a limited principal's request to the route, where the limiter is.
      const url = new URL(await t.hub.http.listen({ host: '127.0.0.1', port: 0 }));
      const answeredByLane = t.hub.http.intakeLane?.requestsAnswered;
      assert.equal(typeof answeredByLane, 'number', 'the intake lane is on');
      const overSocket = await fetch(new URL('/v1/events', url), {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify(confirmation('limited-socket', 'sup-0107', '4500088107', 'SUP-0107')),
      });
      assert.equal(overSocket.status, 429);
      assert.equal(((await overSocket.json()) as { code: string }).code, 'rate_limited');
      assert.equal(t.hub.http.intakeLane?.requestsAnswered, answeredByLane);
      assert.equal(await stored('/partners/sup-0107', 'limited-socket'), undefined);
      // Another partner, and a source with no limit, are not affected.
      assert.equal((await call('GET', '/v1/workflows/p2p', t.keys.get('partner:sup-0042')!)).status, 200);
      assert.equal((await call('GET', '/v1/exceptions', t.keys.get('system:erp-core')!)).status, 200);
    });
  });
});
