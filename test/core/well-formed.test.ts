import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { illFormedAt, mayHoldSurrogateEscape } from '../../src/core/index.js';

describe('illFormedAt', () => {
  it('points at the first string or member name holding a lone surrogate', () => {
    assert.equal(illFormedAt({ id: 'a\ud800', data: {} }), '/id');
    assert.equal(illFormedAt({ id: 'ok', data: { lines: [{ note: 'fine' }, { note: 'x\udc00y' }] } }), '/data/lines/1/note');
    assert.equal(illFormedAt({ data: { 'a/b': { 'k\ud83d': 1 } } }), '/data/a~1b/k\ud83d');
    assert.equal(illFormedAt('\udfff'), '');
  });

  it('takes surrogate pairs, and everything else', () => {
    assert.equal(illFormedAt({ id: 'pair \ud83d\ude00', n: 1, b: true, z: null, list: ['é', '漢字'] }), undefined);
  });

  it('says which texts may hold one: only a \\u escape spells a surrogate in valid UTF-8', () => {
    assert.equal(mayHoldSurrogateEscape('{"id":"a\\ud800"}'), true);
    assert.equal(mayHoldSurrogateEscape('{"id":"plain é 😀"}'), false);
  });
});
