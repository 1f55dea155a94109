// Data nested without end through an open part of a board's contract (`details: { type: object }`):
// JSON.parse takes it, JSON.stringify does not (RangeError some thousands of levels down). Before
// the door bounded the depth, a single such event was stored (and could not be read back), a batch
// holding one failed its group's commit with a 500, and so did a resend of the single event.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QUALITY_NOTE_CONTRACT } from '../../test/support/contract-examples.js';
import type { TestHub } from '../../test/support/hub.js';
import { EXAMPLE_MANIFEST, postOverSocket, startTestHub } from '../../test/support/hub.js';
import { DEFAULT_CONTRACTS_DIR } from '../bootstrap/config.js';

/** A quality.note whose `details.inner` holds `arrays` arrays inside each other (the event is then 4 + arrays - 1 levels deep). */
function note(id: string, arrays: number): string {
  return `{"specversion":"1.0","id":"${id}","source":"/systems/erp-core","type":"quality.note","time":"${new Date().toISOString()}","data":{"noteId":"N-1","details":{"inner":${'['.repeat(arrays)}${']'.repeat(arrays)}}}}`;
}

/** A single event over a socket, as erp-core: the intake lane answers it. */
async function overSocket(url: URL, key: string, payload: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await postOverSocket(url, '/v1/events', { authorization: `Bearer ${key}`, 'content-type': 'application/cloudevents+json' }, payload);
  return { status: answer.statusCode, body: JSON.parse(answer.body) as Record<string, unknown> };
}

describe('nesting depth at the door', () => {
  let dir: string;
  let t: TestHub;
  let url: URL;
  const erp = () => t.keys.get('system:erp-core')!;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'millrace-depth-'));
    const contracts = join(dir, 'contracts');
    cpSync(DEFAULT_CONTRACTS_DIR, contracts, { recursive: true });
    mkdirSync(join(contracts, 'quality', 'quality.note'), { recursive: true });
    writeFileSync(join(contracts, 'quality', 'quality.note', 'v1.schema.json'), JSON.stringify(QUALITY_NOTE_CONTRACT));
    const example = readFileSync(EXAMPLE_MANIFEST, 'utf8');
    const grant = 'publishes: [po.released, po.changed, po.cancelled, production.order.released]';
    assert.ok(example.includes(grant), 'the example manifest grants erp-core as this test expects');
    writeFileSync(join(dir, 'millrace.yaml'), example.replace(grant, grant.replace(']', ', quality.note]')));
    t = await startTestHub({ manifestPath: join(dir, 'millrace.yaml'), flags: { contractsDir: contracts } });
    url = new URL(await t.hub.http.listen({ host: '127.0.0.1', port: 0 }));
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes an event 64 levels deep through either door', async () => {
    assert.equal((await overSocket(url, erp(), note('deep-64', 61))).status, 202);
    const batch = await t.hub.http.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${erp()}`, 'content-type': 'application/cloudevents-batch+json' }, payload: `[${note('deep-64b', 61)}]` });
    assert.equal(batch.statusCode, 202, batch.body);
  });

  it('refuses deeper ones with 422 at the pointer of the level too many, single, in a batch or resent, and stores nothing of them', async () => {
    const pointer = `/data/details/inner${'/0'.repeat(61)}`;
    const single = await overSocket(url, erp(), note('deep-65', 62));
    assert.deepEqual([single.status, single.body.code, (single.body.violations as { pointer: string }[]).map((e) => e.pointer)], [422, 'contract_violation', [pointer]]);
    const batch = await t.hub.http.inject({
      method: 'POST',
      url: '/v1/events',
      headers: { authorization: `Bearer ${erp()}`, 'content-type': 'application/cloudevents-batch+json' },
      payload: `[${note('fine', 3)},${note('deep-20000', 20_000)}]`,
    });
    assert.equal(batch.statusCode, 422, batch.body);
    assert.deepEqual(batch.json<{ violations: { pointer: string }[] }>().violations.map((e) => e.pointer), [`/1${pointer}`]);
    const resent = await overSocket(url, erp(), ` ${note('deep-20000', 20_000)}`);
    assert.equal(resent.status, 422);
    for (const id of ['deep-65', 'fine', 'deep-20000']) assert.equal(await t.store.find('/systems/erp-core', id), undefined, id);
  });
});
