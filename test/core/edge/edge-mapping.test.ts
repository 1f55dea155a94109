import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MqttTopicDeclaration } from '../../../src/core/edge/edge-mapping.js';
import { compileMqttTopic, filtersOverlap, mapMqttMessage, topicMatches } from '../../../src/core/edge/edge-mapping.js';

const COMPLETIONS: MqttTopicDeclaration = {
  id: 'mes-p01-completions',
  filter: 'plants/P01/mes/+/completed',
  source: 'mes-p01',
  format: 'json',
  eventType: 'production.completed',
  publisher: { topicLevel: 4 },
  sequence: { field: 'seq' },
  time: { field: 'ts' },
  units: { ST: 'EA' },
  fields: {
    productionOrder: { field: 'order' },
    plant: { value: 'P01' },
    goodQuantity: { field: 'counts.good', type: 'decimal' },
    scrapQuantity: { field: 'counts.scrap', type: 'decimal' },
    uom: { field: 'unit', codes: 'unit', optional: true },
    completedAt: { field: 'ts', type: 'datetime' },
  },
};

function map(payload: unknown, topicName = 'plants/P01/mes/L3/completed', declaration = COMPLETIONS) {
  const compiled = compileMqttTopic(declaration);
  assert.ok(compiled.ok, JSON.stringify(compiled));
  return mapMqttMessage({ topic: compiled.topic, topicName, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), source: '/systems/mes-p01', masterData: {} });
}

describe('MQTT payloads as canonical events', () => {
  it('maps a line controller message; the id is topic, publisher and sequence, so a redelivery dedupes', () => {
    const result = map({ seq: 42, order: 'PRD-7', counts: { good: '118.50', scrap: 2 }, unit: 'ST', ts: '2026-03-02T13:15:00+01:00' });
    assert.ok(result.ok);
    assert.deepEqual(result.mapped.sequence, { publisher: 'L3', number: 42 });
    assert.deepEqual(result.mapped.event, {
      specversion: '1.0',
      id: 'mes-p01-completions/L3/42',
      source: '/systems/mes-p01',
      type: 'production.completed',
      time: '2026-03-02T13:15:00+01:00',
      plant: 'P01',
      data: { productionOrder: 'PRD-7', plant: 'P01', goodQuantity: '118.50', scrapQuantity: '2', uom: 'EA', completedAt: '2026-03-02T13:15:00+01:00' },
    });
  });

  it('maps listed values to canonical ones and refuses a value the list does not have', () => {
    const listed: MqttTopicDeclaration = { ...COMPLETIONS, fields: { ...COMPLETIONS.fields, productionOrder: { field: 'order', values: { 'A-7': 'PRD-7' } } } };
    const message = (order: string) => ({ seq: 3, order, counts: { good: '1', scrap: '0' }, ts: '2026-03-02T13:15:00+01:00' });
    const known = map(message('A-7'), undefined, listed);
    assert.ok(known.ok);
    assert.equal(known.mapped.event.data.productionOrder, 'PRD-7');
    const unknown = map(message('B-9'), undefined, listed);
    assert.ok(!unknown.ok);
    assert.deepEqual(
      unknown.problems.map((p) => [p.code, p.at, p.message]),
      [['unknown_value', 'order', 'order: "B-9" is not one of "A-7"']],
    );
  });

  it('refuses a decimal a JSON number cannot carry exactly, and names the field', () => {
    const result = map({ seq: 1, order: 'PRD-7', counts: { good: 1e21, scrap: '0' }, ts: '2026-03-02T13:15:00+01:00' });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.problems.map((p) => [p.code, p.at]),
      [['not_decimal', 'counts.good']],
    );
    // The message was still received: its sequence is known, so it is not taken for a gap.
    assert.deepEqual(result.sequence, { publisher: 'L3', number: 1 });
  });

  it('says what is missing and when the payload is not JSON', () => {
    const missing = map({ seq: 2, counts: { good: '1', scrap: '0' }, ts: '2026-03-02T13:15:00+01:00' });
    assert.ok(!missing.ok);
    assert.deepEqual(missing.problems.map((p) => p.message), ['order: no value for productionOrder']);
    const garbage = map('ERR 42 sensor offline');
    assert.ok(!garbage.ok);
    assert.equal(garbage.problems[0]?.code, 'payload_not_json');
    assert.equal(garbage.sequence, undefined);
  });

  it('refuses a negative sequence number: counters run from 0 up, and -3 is no message of the count', () => {
    // Before: taken, as event mes-.../L3/-3, and judged against the publisher's count as a reset.
    const result = map({ seq: -3, order: 'PRD-7', counts: { good: '1', scrap: '0' }, ts: '2026-03-02T13:15:00+01:00' });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.problems.map((p) => [p.code, p.at, p.message]),
      [['not_sequence_number', 'seq', 'seq: -3 is negative; a sequence number counts 0, 1, 2, ...']],
    );
    assert.equal(result.sequence, undefined, 'not counted against the publisher');
    const zero = map({ seq: 0, order: 'PRD-7', counts: { good: '1', scrap: '0' }, ts: '2026-03-02T13:15:00+01:00' });
    assert.ok(zero.ok, JSON.stringify(zero));
  });

  it('says so when the payload is JSON but not an object, instead of listing every field as missing', () => {
    // Before: "seq: no value for sequence (and 5 more problem(s))" for each of them.
    for (const [payload, what] of [['[{"seq":1}]', 'an array'], ['null', 'null'], ['42', 'a number'], ['"PRD-1 done"', 'a string'], ['true', 'a boolean']] as const) {
      const result = map(payload);
      assert.ok(!result.ok);
      assert.deepEqual(
        result.problems.map((p) => [p.code, p.message]),
        [['payload_not_object', `the payload is JSON but ${what}, not an object with the fields the mapping reads`]],
        payload,
      );
    }
  });

  it('refuses declarations it could not use, each with where to fix it', () => {
    const { publisher: _publisher, ...withoutPublisher } = COMPLETIONS;
    const compiled = compileMqttTopic({ ...withoutPublisher, filter: 'plants/#/done', time: { field: 'ts', format: 'DD.MM.' }, fields: { plant: { field: 'p', value: 'P01' } } });
    assert.ok(!compiled.ok);
    assert.deepEqual(
      compiled.problems.map((p) => p.path.join('/')),
      ['filter', 'sequence', 'fields/plant', 'time/format'],
    );
  });
});

describe('MQTT topic filters', () => {
  it('match topics level by level, # matching the rest', () => {
    assert.ok(topicMatches('plants/P01/mes/+/completed', 'plants/P01/mes/L3/completed'));
    assert.ok(!topicMatches('plants/P01/mes/+/completed', 'plants/P01/mes/L3/x/completed'));
    assert.ok(topicMatches('plants/#', 'plants/P01/mes'));
    assert.ok(!topicMatches('#', '$SYS/broker/uptime'));
  });

  it('overlap when one topic could match both', () => {
    assert.ok(filtersOverlap('plants/+/mes/done', 'plants/P01/#'));
    assert.ok(filtersOverlap('plants/P01/mes/+', 'plants/+/mes/L1'));
    assert.ok(!filtersOverlap('plants/P01/mes/+', 'plants/P02/mes/+'));
    assert.ok(!filtersOverlap('plants/P01', 'plants/P01/mes'));
  });
});
