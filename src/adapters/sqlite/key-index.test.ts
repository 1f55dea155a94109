import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hash64, KeyIndex, WrittenKeys } from './key-index.js';

describe('in-memory key index', () => {
  it('finds every sequence stored under a key, across growth of the table', () => {
    const index = new KeyIndex();
    for (let sequence = 1; sequence <= 200_000; sequence += 1) index.add(sequence, hash64(`/systems/wms\u0000gr-${sequence}`), undefined);
    assert.equal(index.events, 200_000);
    assert.deepEqual(index.candidates(hash64('/systems/wms\u0000gr-123456')), [123_456]);
    assert.deepEqual(index.candidates(hash64('/systems/wms\u0000gr-0')), []);
    assert.equal(index.head, 200_000);
  });

  it('answers while a table grows: keys not yet moved are found, and a correlation updated meanwhile keeps its chain', () => {
    const index = new KeyIndex();
    const po = hash64('PO-growth');
    // 32,768 entries fill the first table (65,536 slots) to half: the next entry grows it, and
    // the older table's entries move over a few per entry after that, most of them not yet here.
    for (let sequence = 1; sequence <= 32_800; sequence += 1) {
      index.add(sequence, hash64(`gr-${sequence}`), sequence % 4096 === 0 || sequence === 32_790 ? po : hash64(`c-${sequence}`));
    }
    for (let sequence = 1; sequence <= 32_800; sequence += 1) assert.deepEqual(index.candidates(hash64(`gr-${sequence}`)), [sequence]);
    assert.deepEqual(index.candidates(hash64('gr-0')), []);
    assert.deepEqual(index.correlated(po), [...Array.from({ length: 8 }, (_, i) => (i + 1) * 4096), 32_790]);
    assert.deepEqual(index.correlated(hash64('c-5')), [5]);
    // Once everything has moved (and the table has grown again), the same answers.
    for (let sequence = 32_801; sequence <= 70_000; sequence += 1) index.add(sequence, hash64(`gr-${sequence}`), sequence === 69_999 ? po : undefined);
    for (let sequence = 1; sequence <= 70_000; sequence += 997) assert.deepEqual(index.candidates(hash64(`gr-${sequence}`)), [sequence]);
    assert.deepEqual(index.correlated(po).slice(-2), [32_790, 69_999]);
  });

  it('keeps entries that share a hash apart: both are candidates, the caller compares the text', () => {
    const index = new KeyIndex();
    index.add(1, [7, 9], undefined);
    index.add(2, [7, 9], undefined);
    index.add(3, [7, 10], undefined);
    assert.deepEqual(index.candidates([7, 9]).sort(), [1, 2]);
  });

  it('answers sequences past 2^31 as they were added (slots hold them as unsigned words)', () => {
    const index = new KeyIndex();
    index.add(2 ** 31 + 5, [11, 13], undefined);
    index.add(2 ** 32 - 1, [11, 17], undefined);
    assert.deepEqual(index.candidates([11, 13]), [2 ** 31 + 5]);
    assert.deepEqual(index.candidates([11, 17]), [2 ** 32 - 1]);
  });

  it('chains the events of one correlation id in sequence order', () => {
    const index = new KeyIndex();
    const po = hash64('PO-1/10');
    for (let sequence = 1; sequence <= 100_000; sequence += 1) index.add(sequence, hash64(`e${sequence}`), sequence % 1000 === 0 ? po : hash64(`c${sequence}`));
    assert.deepEqual(index.correlated(po), Array.from({ length: 100 }, (_, i) => (i + 1) * 1000));
  });

  it('spreads similar keys: 100,000 ids differing in one digit give 100,000 distinct hashes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i += 1) seen.add(hash64(`/partners/sup-0042\u0000asn-${i}`).join(':'));
    assert.equal(seen.size, 100_000);
  });

  it("keeps a transaction's written keys by hash, telling apart keys that share one by their text", () => {
    const written = new WrittenKeys<number>();
    const a = '/systems/wms\u0000gr-1';
    const b = '/systems/wms\u0000gr-2';
    written.set(a, hash64(a), 1);
    assert.equal(written.get(a, hash64(a)), 1);
    assert.equal(written.get(b, hash64(b)), undefined);
    // Two keys under one hash (forced here; by chance in life): each finds its own entry.
    const shared = hash64('shared');
    written.set(b, shared, 2);
    written.set('/systems/wms\u0000gr-3', shared, 3);
    assert.equal(written.get(b, shared), 2);
    assert.equal(written.get('/systems/wms\u0000gr-3', shared), 3);
    assert.equal(written.get('/systems/wms\u0000gr-4', shared), undefined);
    // Hashes whose halves differ only above bit 30 still land in the same chain, and are told apart.
    written.set('x', [0x40000000, 0], 4);
    written.set('y', [0, 0], 5);
    assert.deepEqual([written.get('x', [0x40000000, 0]), written.get('y', [0, 0])], [4, 5]);
  });
});
