// Sequence numbers of MQTT publishers judged against the position kept in the store, across hub
// restarts and at each crash point of the intake (message committed, position and exception
// recorded, ack). In process on the real SQLite adapter, one hub after another on the same
// database; the broker clients are not started (test/e2e/edge.e2e.test.ts runs them for real).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { HubStore } from '../bootstrap/index.js';
import { SqliteStore } from '../bootstrap/index.js';
import { EXAMPLE_MANIFEST, startTestHub } from '../../test/support/hub.js';

const FRAGMENT = fileURLToPath(new URL('../../examples/millrace-edge.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'millrace-edge-seq-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const manifestPath = join(dir, 'millrace.yaml');
writeFileSync(manifestPath, `${readFileSync(EXAMPLE_MANIFEST, 'utf8')}\n${readFileSync(FRAGMENT, 'utf8')}`);

const TOPIC = 'plants/P01/mes/L4/completed';
const completion = (seq: number, good = '40') => new TextEncoder().encode(JSON.stringify({ seq, order: `PRD-${seq}`, good, scrap: '0', ts: '2026-03-02T13:15:00+01:00' }));

/** Takes messages as one hub process would, on `store`, then stops (its last message unacknowledged or not: the broker decides). */
async function hubProcess(store: HubStore, work: (receive: (seq: number, good?: string) => Promise<string>) => Promise<void>): Promise<void> {
  const test = await startTestHub({ store, manifestPath, hubOptions: { edge: false } });
  try {
    await work(async (seq, good) => (await test.hub.edge.mqtt.receive(TOPIC, completion(seq, good))).kind);
  } finally {
    await test.close();
  }
}

/** The store as seen by a hub killed right after the message's commit: recording the position never happens. */
function killedBeforeRecording(store: HubStore): HubStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'recordPublisher') return () => Promise.reject(new Error('the hub was killed here'));
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function sequenceExceptions(store: HubStore) {
  return (await store.readFrom(0, 10_000)).filter((s) => s.event.type === 'exception.raised' && s.event.data.workflow === 'intake').map((s) => ({ code: s.event.data.code, details: s.event.data.details as Record<string, unknown> }));
}

describe('per-publisher sequence numbers across hub restarts', () => {
  it('reports the numbers skipped while the hub was stopped, once', async () => {
    const store = new SqliteStore(join(dir, 'restart.db'));
    try {
      await hubProcess(store, async (receive) => {
        for (const seq of [1, 2, 3]) assert.equal(await receive(seq), 'accepted');
      });
      // Message 4 is lost on the way; 5 and 6 arrive at the restarted hub.
      await hubProcess(store, async (receive) => {
        assert.equal(await receive(5), 'accepted');
        assert.equal(await receive(6), 'accepted');
      });
      await hubProcess(store, async (receive) => assert.equal(await receive(6), 'duplicate', 'a redelivery after one more restart'));
      const breaches = await sequenceExceptions(store);
      assert.deepEqual(breaches.map((b) => [b.code, b.details.missingFrom, b.details.missingTo, b.details.missing]), [['sequence_gap', 4, 4, 1]]);
    } finally {
      await store.close();
    }
  });

  it('loses no gap to a crash between the message commit and the gap record, and doubles none after the record', async () => {
    const store = new SqliteStore(join(dir, 'crash.db'));
    try {
      await hubProcess(store, async (receive) => {
        for (const seq of [1, 2, 3]) await receive(seq);
      });
      // Message 5 is committed, then the hub dies before it records the gap: the message stays
      // unacknowledged (receive fails) and the broker sends it again to the next hub.
      await hubProcess(killedBeforeRecording(store), async (receive) => {
        await assert.rejects(receive(5), /killed here/);
      });
      assert.ok((await store.find('/systems/mes-p01', 'mes-p01-completions/L4/5')) !== undefined, 'message 5 was committed');
      assert.deepEqual(await sequenceExceptions(store), [], 'the gap was not recorded yet');
      // The redelivery is a duplicate, and the gap is reported now.
      await hubProcess(store, async (receive) => assert.equal(await receive(5), 'duplicate'));
      assert.deepEqual((await sequenceExceptions(store)).map((b) => [b.code, b.details.missing]), [['sequence_gap', 1]]);
      // Killed after the record, before the ack: redelivered once more, it is a repeat.
      await hubProcess(store, async (receive) => {
        assert.equal(await receive(5), 'duplicate');
        assert.equal(await receive(6), 'accepted');
      });
      assert.deepEqual((await sequenceExceptions(store)).map((b) => b.code), ['sequence_gap']);
    } finally {
      await store.close();
    }
  });

  it('judges the next message against what another hub recorded while it held the MQTT session', async () => {
    const store = new SqliteStore(join(dir, 'handover.db'));
    // Two hubs on one store, as on PostgreSQL; the broker gives the session to one at a time.
    const first = await startTestHub({ store, manifestPath, hubOptions: { edge: false } });
    const second = await startTestHub({ store, manifestPath, hubOptions: { edge: false } });
    try {
      const receive = async (hub: typeof first, seq: number) => (await hub.hub.edge.mqtt.receive(TOPIC, completion(seq))).kind;
      for (const seq of [1, 2, 3]) assert.equal(await receive(first, seq), 'accepted');
      second.hub.edge.mqtt.sessionResumed();
      for (const seq of [4, 5, 6]) assert.equal(await receive(second, seq), 'accepted');
      // The first hub gets the session back. Before: 7 after its own 3, a gap of 4 to 6.
      first.hub.edge.mqtt.sessionResumed();
      assert.equal(await receive(first, 7), 'accepted');
      assert.deepEqual(await sequenceExceptions(store), []);
    } finally {
      await second.close();
      await first.close();
      await store.close();
    }
  });

  it('reports a publisher restart once, and not again when its first message is redelivered', async () => {
    const store = new SqliteStore(join(dir, 'reset.db'));
    try {
      await hubProcess(store, async (receive) => {
        for (const seq of [1, 2, 3]) await receive(seq);
      });
      // The line controller restarts and numbers from 1 again, under ids its old messages had:
      // the door keeps the new message 1 in quarantine (another body under a known id).
      await hubProcess(store, async (receive) => {
        assert.equal(await receive(1, '12'), 'quarantined');
        assert.equal(await receive(1, '12'), 'quarantined', 'the broker sends it again (no ack before a crash): the last number, a repeat');
        assert.equal(await receive(2), 'duplicate', 'old message 2, sent again: the next number after the reset');
      });
      assert.deepEqual((await sequenceExceptions(store)).map((b) => [b.code, b.details.previous, b.details.received]), [['sequence_reset', 3, 1]]);
    } finally {
      await store.close();
    }
  });
});
