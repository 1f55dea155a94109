// Golden pairs: every test/fixtures/x12/NAME.edi is translated with the example manifest and
// compared with NAME.expected.json (events, 997/999, TA1, diagnostics, rejected sets). The
// test compares and never rewrites; UPDATE_GOLDEN=1 rewrites the expectations on purpose
// (review the diff before committing it).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadGovernance } from '../bootstrap/index.js';
import { manifestDirectory } from '../core/index.js';
import { translateX12 } from './x12-intake.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/x12/', import.meta.url));
const MANIFEST = fileURLToPath(new URL('../../examples/millrace.yaml', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';
const { manifest, contracts } = loadGovernance({ manifestPath: MANIFEST }, {});
const registry = contracts.registry.withVersionsInForce(manifest.contracts.inForce);
const directory = manifestDirectory(manifest);

/** The hub time and control numbers every golden acknowledgement is made with. */
export const GOLDEN_OPTIONS = { now: '2026-03-02T10:20:00.000Z', firstControlNumber: 900001 } as const;

export function goldenOf(name: string, text: string) {
  const translation = translateX12(text, directory, registry, { ...GOLDEN_OPTIONS, use999: name.includes('999') });
  return {
    events: translation.events,
    ack: translation.ack,
    ta1: translation.ta1 ?? null,
    diagnostics: translation.diagnostics,
    rejected: translation.rejected.map(({ raw: _raw, ...rest }) => ({ ...rest, eventId: rest.eventId ?? null })),
  };
}

const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.edi')).sort();

describe('X12 golden pairs', () => {
  it('covers every supported set in 004010 and 005010, several interchanges, unusual delimiters and malformed files', () => {
    const texts = names.map((n) => readFileSync(FIXTURES + n, 'utf8'));
    for (const set of ['850', '855', '856', '810']) assert.ok(texts.some((t) => t.includes(`ST*${set}*`) || t.includes(`ST|${set}|`)), `a golden ${set}`);
    assert.ok(texts.some((t) => t.includes('*00501*')) && texts.some((t) => t.includes('*00401*')));
    assert.ok(names.some((n) => n.startsWith('multi-')) && names.filter((n) => n.startsWith('bad-')).length >= 8);
  });

  for (const name of names) {
    it(`${name} translates to ${name.replace('.edi', '.expected.json')}`, () => {
      const actual = JSON.parse(JSON.stringify(goldenOf(name, readFileSync(FIXTURES + name, 'utf8')))) as unknown;
      const expectedFile = FIXTURES + name.replace('.edi', '.expected.json');
      if (update) writeFileSync(expectedFile, `${JSON.stringify(actual, null, 2)}\n`);
      assert.ok(existsSync(expectedFile), `${expectedFile} is missing: write it, or run once with UPDATE_GOLDEN=1 and review it`);
      assert.deepEqual(actual, JSON.parse(readFileSync(expectedFile, 'utf8')));
    });
  }

  it('answers a segment whose id cannot be X12\'s (lowercase) with AK304 1 and rejects its set; a well-formed id it does not know is noted, AK5 E', () => {
    const name = 'bad-unrecognized-segment.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    const ack = golden.ack.split('~\n');
    // `beg` is no BEG: the answer names it, not a missing BEG (AK304 3) the sender did send.
    assert.deepEqual(ack.slice(ack.indexOf('AK2*850*0001'), ack.indexOf('AK2*850*0002')), ['AK2*850*0001', 'AK3*beg*2**1', 'AK5*R*5']);
    // Po1 is named; the line count it upsets is not blamed on CTT.
    assert.deepEqual(ack.slice(ack.indexOf('AK2*850*0002'), ack.indexOf('AK2*850*0003')), ['AK2*850*0002', 'AK3*Po1*9**1', 'AK5*R*5']);
    // ZZZ could be a standard id the hub's list lacks: named, and the set read all the same.
    assert.deepEqual(ack.slice(ack.indexOf('AK2*850*0003'), ack.indexOf('AK2*850*0003') + 3), ['AK2*850*0003', 'AK3*ZZZ*4**1', 'AK5*E']);
    assert.ok(ack.includes('AK9*P*3*3*1'));
    assert.deepEqual(golden.events.map((e) => e.id), ['x12:ZZ:ERPCORE:000005021:5021:0003']);
    assert.deepEqual(golden.diagnostics.map((d) => `${d.level} ${d.code} ${d.segment}@${d.position}`), ['error AK304:1 beg@4', 'error AK304:1 Po1@21', 'warning AK304:1 ZZZ@28']);
  });

  it('answers a second beginning segment or total of a set with AK304 5 (exceeds maximum use), a second CTT loop with 4, and rejects the set, instead of reading the first', () => {
    const name = 'bad-repeated-segment.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    const ack = golden.ack.split('~\n');
    // A second BEG (another PO number) was ignored and the order stored under the first.
    assert.deepEqual(ack.slice(ack.indexOf('AK2*850*0001'), ack.indexOf('AK2*850*0002')), ['AK2*850*0001', 'AK3*BEG*7**5', 'AK5*R*5']);
    // In an 850 CTT begins a loop (CTT, AMT) that occurs once: a second is the loop over its maximum (4).
    assert.deepEqual(ack.slice(ack.indexOf('AK2*850*0002'), ack.indexOf('AK2*850*0003')), ['AK2*850*0002', 'AK3*CTT*10**4', 'AK5*R*5']);
    assert.deepEqual(ack.slice(ack.indexOf('AK2*810*0001'), ack.indexOf('AK2*810*0001') + 3), ['AK2*810*0001', 'AK3*TDS*10**5', 'AK5*R*5']);
    assert.deepEqual(golden.events.map((e) => e.id), ['x12:ZZ:ERPCORE:000005031:5031:0003']);
  });

  it('rejects an 856 whose HL01 repeats an earlier HL\'s id (AK3 on the HL, AK4 HL01 628 code 7) and stores none of it; HL01 ids not counted up from 1 are taken', () => {
    const name = 'bad-856-repeated-hl-id.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    const ack = golden.ack.split('~\n');
    // The second order's item is HL*3 again: an HL02 naming 3 could mean either, so the notice says nothing sure.
    assert.deepEqual(ack.slice(ack.indexOf('AK2*856*0001'), ack.indexOf('AK2*856*0002')), ['AK2*856*0001', 'AK3*HL*17**8', 'AK4*1*628*7*3', 'AK5*R*5']);
    // 10, 20, 30: unique, which is all the standard asks of HL01 ("1, 2, 3" is its example, not a rule).
    assert.deepEqual(ack.slice(ack.indexOf('AK2*856*0002'), ack.indexOf('AK2*856*0002') + 2), ['AK2*856*0002', 'AK5*A']);
    assert.ok(ack.includes('AK9*P*2*2*1'));
    // Nothing of the rejected notice is kept: not its first item, which stood before the repeat.
    assert.deepEqual(golden.events.map((e) => (e.data as { shipmentId: string }).shipmentId), ['ASN-88302']);
    assert.deepEqual(golden.rejected.map((r) => `${r.controlNumbers.set} ${r.code}`), ['0001 x12_syntax']);
  });

  it('reports a set whose ST is written st once, as a run of segments outside a set, and says ids are case-sensitive', () => {
    const name = 'bad-lowercase-st.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    assert.match(golden.ta1 ?? '', /TA1\*000005041\*260302\*1015\*R\*024~/);
    // One diagnostic for the ten segments, not one per segment.
    assert.deepEqual(golden.diagnostics.map((d) => d.message), ['10 segments, st to SE, outside a transaction set (ST ... SE) in functional group 5041 ("st" is not ST: segment ids are case-sensitive)']);
  });

  it('answers a segment with no id (it begins with the element separator) with AK301 000, not an empty AK301, and says what it is', () => {
    // AK301 is mandatory, 2 to 3 characters: `AK3**3**1` was itself a bad segment, and its
    // diagnostic read `"" is not an X12 segment id`.
    const name = 'bad-empty-segment-id.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    const ack = golden.ack.split('~\n');
    assert.deepEqual(ack.slice(ack.indexOf('AK2*850*0001'), ack.indexOf('AK2*850*0002')), ['AK2*850*0001', 'AK3*000*4**1', 'AK5*R*5']);
    // A one-letter id is too short for AK301 as well.
    assert.deepEqual(ack.slice(ack.indexOf('AK2*850*0002'), ack.indexOf('AK2*850*0003')), ['AK2*850*0002', 'AK3*000*4**1', 'AK5*R*5']);
    assert.ok(ack.includes('AK9*P*3*3*1'));
    assert.deepEqual(golden.diagnostics.map((d) => d.message), [
      'segment 4 of 850 0001: it has no segment id ("*FOO*BAR" begins with the element separator); the acknowledgement names it 000',
      'segment 4 of 850 0002: "N" is not an X12 segment id (two or three capital letters or digits, the first a letter; ids are case-sensitive); the acknowledgement names it 000',
    ]);
    assert.deepEqual(golden.events.map((e) => e.id), ['x12:ZZ:ERPCORE:000005071:5071:0003']);
  });

  it('answers a set whose SE is written se with AK5 R 2 (trailer missing), saying ids are case-sensitive', () => {
    const name = 'bad-lowercase-se.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    const ack = golden.ack.split('~\n');
    assert.deepEqual(ack.slice(ack.indexOf('AK2*850*0001'), ack.indexOf('AK2*850*0002')), ['AK2*850*0001', 'AK5*R*2']);
    assert.deepEqual(golden.diagnostics.map((d) => `${d.code} ${d.segment}@${d.position} ${d.message}`), [
      'AK502:2 ST@3 transaction set 850 0001 ends without an SE segment ("se" is not SE: segment ids are case-sensitive)',
    ]);
    assert.deepEqual(golden.events.map((e) => e.id), ['x12:ZZ:ERPCORE:000005081:5081:0002']);
  });

  it('answers a group whose GE is written ge with AK9 R 3 (trailer missing), not a TA1 rejecting the interchange', () => {
    // The `ge` was a segment outside a set: TA1 024, and the interchange's other group went too.
    const name = 'bad-lowercase-ge.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    assert.equal(golden.ta1, null);
    const ack = golden.ack.split('~\n');
    assert.deepEqual(ack.slice(ack.indexOf('AK1*PO*5091'), ack.indexOf('AK1*PO*5091') + 4), ['AK1*PO*5091', 'AK2*850*0001', 'AK5*R', 'AK9*R*1*1*0*3']);
    assert.ok(ack.includes('AK9*A*1*1*1'));
    assert.deepEqual(golden.diagnostics.map((d) => `${d.code} ${d.segment}@${d.position} ${d.message}`), [
      'AK905:3 GS@2 functional group 5091 ends without a GE segment ("ge" is not GE: segment ids are case-sensitive)',
    ]);
    assert.deepEqual(golden.events.map((e) => e.id), ['x12:ZZ:ERPCORE:000005091:5092:0001']);
  });

  it('answers an interchange whose IEA is written iea with one TA1 R 023 (trailer missing) saying ids are case-sensitive, and reads the next', () => {
    const name = 'bad-lowercase-iea.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    assert.match(golden.ta1 ?? '', /TA1\*000005101\*260302\*1015\*R\*023~/);
    assert.deepEqual(golden.diagnostics.map((d) => `${d.code} ${d.segment}@${d.position} ${d.message}`), [
      'TA1:023 ISA@1 interchange 000005101 ends without an IEA segment ("iea" is not IEA: segment ids are case-sensitive)',
    ]);
    assert.deepEqual(golden.events.map((e) => e.id), ['x12:ZZ:ERPCORE:000005102:5102:0001']);
  });

  it('answers an interchange whose ISA is written isa with a TA1 R 022 carrying its own control number, and reads the next', () => {
    // The file was unreadable (no ISA at its start), and an `isa` after a good interchange got a
    // TA1 with control number, date and time zero, which the sender cannot match.
    const name = 'bad-lowercase-isa.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    assert.match(golden.ta1 ?? '', /TA1\*000005111\*260302\*1015\*R\*022~/);
    assert.deepEqual(golden.diagnostics.map((d) => `${d.code} ${d.segment}@${d.position} ${d.message}`), [
      'TA1:022 isa@1 the interchange begins with "isa", not ISA: segment ids are case-sensitive',
    ]);
    assert.deepEqual(golden.events.map((e) => e.id), ['x12:ZZ:ERPCORE:000005112:5112:0001']);
  });

  it('answers a known X12 segment that the set\'s table does not hold with IK304 6, and an unknown one with IK304 1', () => {
    const name = 'bad-unexpected-segment-999.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    const ack = golden.ack.split('~\n');
    // A BEG (the 850's beginning) in an 810 is an X12 segment, not an unrecognized one, that the 810's table has no
    // place for: 6, "segment not in defined transaction set" (it was 2, "unexpected", before the sets had tables).
    assert.deepEqual(ack.slice(ack.indexOf('AK2*810*0001'), ack.indexOf('AK2*810*0002')), ['AK2*810*0001', 'IK3*BEG*3**6', 'IK5*R*5']);
    assert.deepEqual(ack.slice(ack.indexOf('AK2*810*0002'), ack.indexOf('AK2*810*0003')), ['AK2*810*0002', 'IK3*txi*8**1', 'IK5*R*5']);
    assert.deepEqual(golden.events.map((e) => e.id), ['x12:ZZ:NORTHFAST:000001421:1421:0003']);
  });

  it('refuses a 00401 interchange whose ISA11 (interchange control standards identifier) is not U with TA1 R 016', () => {
    const name = 'bad-isa11-standards-id.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    assert.match(golden.ta1 ?? '', /TA1\*000001321\*260302\*1015\*R\*016~/);
    assert.deepEqual(golden.diagnostics.map((d) => d.code), ['TA1:016']);
    // The interchange after it, with ISA11 U, is read as usual.
    assert.deepEqual(golden.events.map((e) => e.id), ['x12:ZZ:NORTHFAST:000001322:1322:0001']);
    assert.deepEqual(golden.rejected.map((r) => [r.controlNumbers.interchange, r.code]), [['000001321', 'x12_envelope']]);
  });

  it('refuses an interchange with a segment between the transaction sets of a group with TA1 R 024, not as a group not supported', () => {
    const name = 'bad-segment-between-sets.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    // AK905 1 says "functional group not supported", which a PR group is; X12 has no group code for it.
    assert.match(golden.ta1 ?? '', /TA1\*000001231\*260302\*1015\*R\*024~/);
    assert.deepEqual(golden.diagnostics.map((d) => `${d.code} ${d.segment}@${d.position}`), ['TA1:024 NTE@9']);
    assert.deepEqual(golden.events, []);
  });

  it('says ids are case-sensitive when an se inside a set, before its SE, throws SE01 off', () => {
    const name = 'bad-lowercase-se-inside-set.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    const ack = golden.ack.split('~\n');
    assert.deepEqual(ack.slice(ack.indexOf('AK2*850*0003'), ack.indexOf('AK2*850*0003') + 2), ['AK2*850*0003', 'AK5*R*4']);
    // The count is off by the se, which is what to fix; it was "SE01 says 10 segment(s); the set holds 11 from ST to SE" alone.
    assert.deepEqual(golden.diagnostics.filter((d) => d.code === 'AK502:4').map((d) => d.message), [
      'SE01 says 10 segment(s); the set holds 11 from ST to SE, segment 9 among them ("se" is not SE: segment ids are case-sensitive)',
    ]);
  });

  /** The AK2 ... AK5 run of one set in a 997 or 999, by its AK2. */
  function answerOf(ack: readonly string[], ak2: string): string[] {
    const from = ack.indexOf(ak2);
    const to = ack.findIndex((s, i) => i > from && /^(AK5|IK5)\*/.test(s));
    return ack.slice(from, to + 1);
  }

  it('rejects an 850 whose segments are out of the 850 table\'s order, naming each with its position and AK304 code', () => {
    const name = 'bad-segment-order-850.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    const ack = golden.ack.split('~\n');
    // A second BEG after the first PO1: the one BEG an 850 may hold is used (maximum use 1).
    assert.deepEqual(answerOf(ack, 'AK2*850*0001'), ['AK2*850*0001', 'AK3*BEG*8**5', 'AK5*R*5']);
    // PO1 before BEG: BEG is missing where it must stand (3), and the one that comes later is out of sequence (7), as is the
    // PID after the line's N1 loop; it was answered as a missing N1*SU (the N1s were read as the line's).
    assert.deepEqual(answerOf(ack, 'AK2*850*0002'), ['AK2*850*0002', 'AK3*BEG*2**3', 'AK3*BEG*3**7', 'AK3*PID*8**7', 'AK5*R*5']);
    // An 810's IT1 in an 850 is no segment of an 850 (6); it was skipped and the order accepted.
    assert.deepEqual(answerOf(ack, 'AK2*850*0003'), ['AK2*850*0003', 'AK3*IT1*8**6', 'AK5*R*5']);
    // The header DTM after the N1 loops: the 850's N1 loop has no DTM, and the header's comes before it.
    assert.deepEqual(answerOf(ack, 'AK2*850*0004'), ['AK2*850*0004', 'AK3*DTM*6**7', 'AK5*R*5']);
    assert.deepEqual(answerOf(ack, 'AK2*850*0005'), ['AK2*850*0005', 'AK5*A']);
    assert.deepEqual(golden.events.map((e) => e.id), ['x12:ZZ:ERPCORE:000005111:5111:0005']);
    assert.deepEqual(golden.diagnostics.filter((d) => d.code === 'AK304:7').map((d) => d.message), [
      'segment 3 of 850 0002: BEG is not in proper sequence: it follows PO1, and the 004010 850 table has it right after ST',
      'segment 8 of 850 0002: PID is not in proper sequence: it follows N1, and the 004010 850 table has it in the PO1 loop after MEA',
      'segment 6 of 850 0004: DTM is not in proper sequence: it follows N1, and the 004010 850 table has it after INC',
    ]);
  });

  it('rejects an 810 with IT1 before BIG, REF before CUR or CTT before TDS, and an 856 whose HL loops hold their segments out of order', () => {
    const name = 'bad-segment-order-810-856.edi';
    const golden = goldenOf(name, readFileSync(FIXTURES + name, 'utf8'));
    const ack = golden.ack.split('~\n');
    assert.deepEqual(answerOf(ack, 'AK2*810*0001'), ['AK2*810*0001', 'AK3*BIG*2**3', 'AK3*BIG*3**7', 'AK5*R*5']);
    assert.deepEqual(answerOf(ack, 'AK2*810*0002'), ['AK2*810*0002', 'AK3*CUR*4**7', 'AK5*R*5']);
    assert.deepEqual(answerOf(ack, 'AK2*810*0003'), ['AK2*810*0003', 'AK3*TDS*5**3', 'AK3*TDS*6**7', 'AK5*R*5']);
    // SN1 before LIN in an item HL.
    assert.deepEqual(answerOf(ack, 'AK2*856*0001'), ['AK2*856*0001', 'AK3*LIN*12**7', 'AK5*R*5']);
    // TD5 before the first HL: it belongs in an HL loop (it was code 2, "unexpected").
    assert.deepEqual(answerOf(ack, 'AK2*856*0002'), ['AK2*856*0002', 'AK3*TD5*3**7', 'AK5*R*5']);
    // The shipment level's N1 loop before its TD5 and DTMs.
    assert.deepEqual(answerOf(ack, 'AK2*856*0003'), ['AK2*856*0003', 'AK3*TD5*5**7', 'AK3*DTM*6**7', 'AK3*DTM*7**7', 'AK5*R*5']);
    assert.deepEqual(golden.events, []);
  });

  it('compares with the expectations and does not rewrite them unless UPDATE_GOLDEN=1', () => {
    if (update) return;
    // A stale expectation must fail: change one copy in memory and the comparison sees it.
    const name = '855-004010-confirmation.edi';
    const expected = JSON.parse(readFileSync(FIXTURES + name.replace('.edi', '.expected.json'), 'utf8')) as { ack: string };
    const actual = JSON.parse(JSON.stringify(goldenOf(name, readFileSync(FIXTURES + name, 'utf8')))) as { ack: string };
    assert.notDeepEqual({ ...actual, ack: actual.ack.replace('AK5*A', 'AK5*R') }, expected);
    const source = readFileSync(fileURLToPath(import.meta.url), 'utf8');
    assert.match(source, /if \(update\) writeFileSync/);
  });
});
