// Text in a query or a path that no store can look up: U+0000. PostgreSQL refuses it in any
// parameter ("invalid byte sequence for encoding UTF8: 0x00"), which answered 500 on every read
// route that passes a path segment or a query filter to the store; SQLite took it and found
// nothing. Both stores now answer 400 before the store is asked.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqliteStore } from '../bootstrap/index.js';
import type { TestHub } from '../../test/support/hub.js';
import { callHub, onBothStores, withHub } from '../../test/support/hub.js';

const NUL_URLS = [
  ['/v1/workflows/p2p/45%00', 'params/poNumber'],
  ['/v1/workflows/p2p?supplier=SUP%00', 'querystring/supplier'],
  ['/v1/workflows/p2p?after=%00', 'querystring/after'],
  ['/v1/exceptions?po=%00', 'querystring/po'],
  ['/v1/exceptions/EXC%00', 'params/id'],
  ['/v1/lineage?correlation=%00', 'querystring/correlation'],
  ['/v1/lineage?source=%2Fsystems%2Ferp-core&id=a%00', 'querystring/id'],
  ['/v1/deliveries?subscription=%00', 'querystring/subscription'],
  ['/v1/deliveries/d%00', 'params/id'],
  ['/v1/quarantine?source=%00', 'querystring/source'],
  ['/v1/inventory/P%00', 'params/plant'],
  ['/v1/workflows/production/%00', 'params/order'],
  ['/v1/workflows/transfer/%00', 'params/id'],
] as const;

async function refusesNul(t: TestHub): Promise<void> {
  const operator = t.keys.get('operator:ap-lead')!;
  for (const [url, name] of NUL_URLS) {
    const answer = await callHub(t, 'GET', url, operator);
    assert.deepEqual([answer.status, answer.body.code], [400, 'invalid_request'], `${url}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.detail, `${name} must not contain U+0000 (NUL)`, url);
  }
  const resolve = await callHub(t, 'POST', '/v1/exceptions/EXC-1/resolve', operator, { reason: 'a\u0000b' });
  assert.deepEqual([resolve.status, resolve.body.detail], [400, 'body/reason must not contain U+0000 (NUL)']);
  // Other control characters are text a store can hold and look up: not found, as before.
  assert.equal((await callHub(t, 'GET', '/v1/workflows/p2p/45%01', operator)).status, 404);
  assert.equal((await callHub(t, 'GET', '/v1/exceptions?po=%01', operator)).status, 200);
}

// Cursors the listings never gave. The exceptions' cursor went to the store as Number(after): NaN,
// 1.5 or 1e23 answered 500 on PostgreSQL and an empty page on SQLite; the deliveries' cursor
// that did not parse was dropped (the first page again), one with a sequence past bigint was a
// 500 on PostgreSQL; the quarantine's read as "before entry 0" (an empty page).
const BAD_CURSORS = ['/v1/exceptions', '/v1/deliveries', '/v1/quarantine'].flatMap((listing) =>
  ['garbage', '1.5', '99999999999999999999999', '-1', '99999999999999999999.0.erp', 'q-0'].map((cursor) => `${listing}?after=${encodeURIComponent(cursor)}`),
);

async function refusesForeignCursors(t: TestHub): Promise<void> {
  const operator = t.keys.get('operator:ap-lead')!;
  for (const url of BAD_CURSORS) {
    const answer = await callHub(t, 'GET', url, operator);
    // Some of these are the other listings' cursors: each listing takes only its own.
    assert.deepEqual([answer.status, answer.body.code], [400, 'invalid_request'], `${url}: ${JSON.stringify(answer.body)}`);
    assert.match(String(answer.body.detail), /^after "[^"]*" is not a cursor of this listing: pass the `next` of the page before$/, url);
  }
  for (const listing of ['/v1/workflows/p2p', '/v1/exceptions', '/v1/deliveries', '/v1/quarantine']) {
    const empty = await callHub(t, 'GET', `${listing}?after=`, operator);
    assert.deepEqual([empty.status, empty.body.detail], [400, 'querystring/after is empty; leave it out for the first page, or give the `next` of the page before'], listing);
  }
  // Their own cursors are taken; each other listing's cursor is refused, as is text that is no
  // cursor at all. The PO lines' listing took any text as a key to start after: `garbage`
  // sorts after every PO number, so it answered an empty page, as if there were no more lines.
  const own = { '/v1/exceptions': '12', '/v1/deliveries': '12.0.erp-inventory', '/v1/quarantine': 'q-12', '/v1/workflows/p2p': 'PO-1/10' } as const;
  for (const [listing, cursor] of Object.entries(own)) {
    const url = `${listing}?after=${encodeURIComponent(cursor)}`;
    assert.equal((await callHub(t, 'GET', url, operator)).status, 200, url);
    const others = Object.entries(own).filter(([other]) => other !== listing).map(([, foreign]) => foreign);
    for (const foreign of listing === '/v1/workflows/p2p' ? [...others, 'garbage', 'PO-1/0', 'PO-1/010', 'PO-1/1.5', 'PO-1/', '/10', `${'P'.repeat(65)}/10`] : others) {
      const refused = await callHub(t, 'GET', `${listing}?after=${encodeURIComponent(foreign)}`, operator);
      assert.deepEqual(
        [refused.status, refused.body.code, refused.body.detail],
        [400, 'invalid_request', `after "${foreign}" is not a cursor of this listing: pass the \`next\` of the page before`],
        `${listing}?after=${foreign}`,
      );
    }
  }
}

describe('cursors a listing never gave', () => {
  onBothStores('are refused with 400', refusesForeignCursors);
});

describe('U+0000 in a query or a path', () => {
  onBothStores('is refused with 400 naming the parameter', refusesNul);
});

// Paths Fastify's router refuses before any route (a percent-escape that is not UTF-8, a path
// parameter longer than 100 characters) were answered with Fastify's own JSON, not problem+json.
describe('paths the router cannot read', () => {
  it('are answered with problem+json invalid_request', async () => {
    const store = new SqliteStore(':memory:');
    try {
      await withHub(store, async (t) => {
        const operator = t.keys.get('operator:ap-lead')!;
        const cases = [
          ['/v1/workflows/p2p/%FF', 'the path is not a URL the hub can read: a percent-escape in it is not UTF-8'],
          ['/%ED%A0%80', 'the path is not a URL the hub can read: a percent-escape in it is not UTF-8'],
          [`/v1/exceptions/${'A'.repeat(101)}`, 'a path segment is longer than 100 characters; no id the hub keeps is'],
        ] as const;
        for (const [url, detail] of cases) {
          const answer = await t.hub.http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${operator}` } });
          assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8', url);
          assert.deepEqual([answer.statusCode, answer.json<{ code: string }>().code, answer.json<{ detail: string }>().detail], [400, 'invalid_request', detail], url);
          assert.equal(answer.json<{ instance: string }>().instance, url);
        }
      });
    } finally {
      await store.close();
    }
  });
});

// A replay's range past the largest sequence a number holds exactly: the range went to the store
// as it came, and PostgreSQL's bigint refused 1e20 ("out of range for type bigint", a 500).
async function refusesHugeSequences(t: TestHub): Promise<void> {
  const operator = t.keys.get('operator:ap-lead')!;
  for (const [body, detail] of [
    [{ fromSequence: 1e20, toSequence: 1e21 }, 'body/fromSequence must be <= 9007199254740991'],
    [{ fromSequence: 1, toSequence: 2 ** 53 }, 'body/toSequence must be <= 9007199254740991'],
  ] as const) {
    const answer = await callHub(t, 'POST', '/v1/replay', operator, { subscription: 'erp-inventory', dryRun: true, ...body });
    assert.deepEqual([answer.status, answer.body.code, answer.body.detail], [400, 'invalid_request', detail], JSON.stringify(body));
  }
  const largest = await callHub(t, 'POST', '/v1/replay', operator, { subscription: 'erp-inventory', dryRun: true, fromSequence: 1, toSequence: Number.MAX_SAFE_INTEGER });
  assert.deepEqual([largest.status, largest.body.count], [200, 0]);
}

describe('replay ranges past the largest safe sequence', () => {
  onBothStores('are refused with 400', refusesHugeSequences);
});
