import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../core/index.js';
import { bearerToken } from './intake-handling.js';

/** The rule an Authorization header is read by (RFC 6750's "Bearer" scheme, any case, spaces around the key). */
const RULE = /^Bearer\s+(\S+)\s*$/i;

describe('bearerToken', () => {
  it('reads the key of the header as clients send it, and of its other spellings', () => {
    assert.equal(bearerToken('Bearer mr_k1_s3cr3t'), 'mr_k1_s3cr3t');
    assert.equal(bearerToken('bearer mr_k1_s3cr3t'), 'mr_k1_s3cr3t');
    assert.equal(bearerToken('BEARER   mr_k1_s3cr3t  '), 'mr_k1_s3cr3t');
    assert.equal(bearerToken('Bearer\tmr_k1_s3cr3t'), 'mr_k1_s3cr3t');
    assert.equal(bearerToken('Bearer mr_k1_s3cr3t\u00a0'), 'mr_k1_s3cr3t');
    assert.equal(bearerToken('Bearer clé'), 'clé');
  });

  it('finds no key where there is none, or more than one word', () => {
    assert.equal(bearerToken(undefined), undefined);
    assert.equal(bearerToken(''), undefined);
    assert.equal(bearerToken('Bearer '), undefined);
    assert.equal(bearerToken('Bearer'), undefined);
    assert.equal(bearerToken('Bearer a b'), undefined);
    assert.equal(bearerToken('Basic dXNlcjpwYXNz'), undefined);
    assert.equal(bearerToken('Bearermr_k1'), undefined);
  });

  it('reads every header as the rule does (20,000 generated headers)', () => {
    const random = new SeededRandom(2026_11_29);
    const parts = ['Bearer', 'bearer', 'Bearer ', ' ', '  ', '\t', '\u00a0', '\u2003', 'mr_k1_', 'abc', 'é', '~', '!', '\u007f', '-', '='];
    for (let n = 0; n < 20_000; n += 1) {
      let header = random.chance(0.7) ? 'Bearer ' : '';
      const length = random.int(0, 4);
      for (let i = 0; i < length; i += 1) header += random.pick(parts);
      assert.equal(bearerToken(header), RULE.exec(header)?.[1], JSON.stringify(header));
    }
  });
});
