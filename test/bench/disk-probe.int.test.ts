// The benchmark records the disk's fsync latency beside its figures (bench/disk-probe.ts): the
// probe must really time fsyncs of a file on the given disk and leave nothing behind.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { probeFsync } from '../../bench/disk-probe.js';

describe('the disk probe of the intake benchmark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-disk-probe-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('times the fsyncs it was asked for, in whole microseconds, and removes its file', () => {
    const probe = probeFsync(dir, 25);
    assert.equal(probe.samples, 25);
    assert.ok(Number.isInteger(probe.p50Us) && probe.p50Us >= 0, `p50 ${probe.p50Us}`);
    assert.ok(Number.isInteger(probe.p99Us) && probe.p99Us >= probe.p50Us, `p99 ${probe.p99Us} against p50 ${probe.p50Us}`);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('fails on a folder that is not there, instead of reporting figures for nothing', () => {
    assert.throws(() => probeFsync(join(dir, 'missing')), /ENOENT/);
  });
});
