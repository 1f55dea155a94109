// Pacing of long intake work: a turn of the event loop once a slice, none for less than a slice,
// and the result the work gives at once.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadGovernance } from '../bootstrap/index.js';
import type { CsvRecord } from '../core/index.js';
import { compileCsvMapping, manifestDirectory, mapCsvRecords, mapCsvRecordsInSteps, readX12Events, readX12EventsInSteps } from '../core/index.js';
import { mapPaced, runPaced } from './pacing.js';

const CSV_MANIFEST = fileURLToPath(new URL('../../test/fixtures/csv/millrace.yaml', import.meta.url));
const X12_FIXTURES = fileURLToPath(new URL('../../test/fixtures/x12/', import.meta.url));
const EXAMPLE_MANIFEST = fileURLToPath(new URL('../../examples/millrace.yaml', import.meta.url));

/** Slices of 500, each pause a real turn of the event loop, counted. */
function counted(): { pacing: { every: number; pause(): Promise<void> }; pauses: () => number } {
  let pauses = 0;
  return {
    pacing: {
      every: 500,
      pause: () => {
        pauses += 1;
        return new Promise((resolve) => setImmediate(resolve));
      },
    },
    pauses: () => pauses,
  };
}

const numbers = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('pacing', () => {
  it('does not pause for less than a slice, and pauses once a slice for more', async () => {
    const small = counted();
    assert.deepEqual(await mapPaced(numbers(499), (n) => n * 2, small.pacing), numbers(499).map((n) => n * 2));
    assert.equal(small.pauses(), 0);
    const large = counted();
    assert.deepEqual(await mapPaced(numbers(1200), (n) => n * 2, large.pacing), numbers(1200).map((n) => n * 2));
    assert.equal(large.pauses(), 2);
  });

  it('maps a CSV file to the events and rejected rows it maps to at once', async () => {
    const { manifest } = loadGovernance({ manifestPath: CSV_MANIFEST }, {});
    const declaration = manifest.csvMappings.find((m) => m.id === 'wms-p02-receipts');
    assert.ok(declaration);
    const compiled = compileCsvMapping(declaration);
    assert.ok(compiled.ok);
    const header: CsvRecord = { line: 1, endLine: 1, values: ['Beleg', 'Datum', 'Bestellung', 'Pos', 'Material', 'Menge', 'ME', 'Abgelehnt', 'Bemerkung'] };
    // Two lines per receipt; every 97th has a quantity that is no decimal.
    const records = numbers(1400).map((n): CsvRecord => ({ line: n + 2, endLine: n + 2, values: [`WE-${Math.floor(n / 2)}`, '02.03.2026 08:15', 'PO-1', String(10 + (n % 2) * 10), 'MX-10023', n % 97 === 0 ? '1.2.3' : '12,5', 'ST', '', ''] }));
    const input = { mapping: compiled.mapping, source: '/systems/wms-p02', header, records, masterData: manifest.masterData, fileDigest: 'ab'.repeat(32) };
    const { pacing, pauses } = counted();
    const paced = await runPaced(mapCsvRecordsInSteps(input), pacing);
    const atOnce = mapCsvRecords(input);
    assert.ok(paced.ok && atOnce.ok);
    assert.deepEqual(paced.events.map((e) => e.event), atOnce.events.map((e) => e.event));
    assert.deepEqual(paced.rejected, atOnce.rejected);
    assert.equal(atOnce.rejected.length, 15);
    assert.equal(pauses(), 2);
  });

  it('reads every X12 golden file to the reading it gives at once', async () => {
    const { manifest } = loadGovernance({ manifestPath: EXAMPLE_MANIFEST }, {});
    const directory = manifestDirectory(manifest);
    for (const name of readdirSync(X12_FIXTURES).filter((file) => file.endsWith('.edi'))) {
      const text = readFileSync(`${X12_FIXTURES}${name}`, 'latin1');
      // A pause after every set read and every set mapped.
      const eachSet = { every: 1, pause: () => new Promise<void>((resolve) => setImmediate(resolve)) };
      assert.deepEqual(await runPaced(readX12EventsInSteps(text, directory), eachSet), readX12Events(text, directory), name);
    }
  });
});
