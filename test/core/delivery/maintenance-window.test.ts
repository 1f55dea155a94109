import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MaintenanceWindow } from '../../../src/core/governance/manifest.js';
import { maintenanceWaitUntil } from '../../../src/core/delivery/maintenance-window.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('maintenance windows', () => {
  const sunday: MaintenanceWindow = { days: ['sun'], from: '02:00', to: '04:00', timezone: 'America/Detroit' };

  it('holds deliveries inside a window until it ends, in the window\'s time zone', () => {
    // Sunday 2026-01-11 02:30 in Detroit (EST, UTC-5) is 07:30 UTC.
    assert.equal(iso(maintenanceWaitUntil(at('2026-01-11T07:30:00Z'), [sunday])), '2026-01-11T09:00:00.000Z');
    assert.equal(maintenanceWaitUntil(at('2026-01-11T06:59:59Z'), [sunday]), undefined);
    assert.equal(maintenanceWaitUntil(at('2026-01-11T09:00:00Z'), [sunday]), undefined);
    assert.equal(maintenanceWaitUntil(at('2026-01-12T07:30:00Z'), [sunday]), undefined, 'Monday');
  });

  it('follows summer time: the same wall-clock window is an hour earlier in UTC', () => {
    // Sunday 2026-07-12 02:30 EDT (UTC-4) is 06:30 UTC.
    assert.equal(iso(maintenanceWaitUntil(at('2026-07-12T06:30:00Z'), [sunday])), '2026-07-12T08:00:00.000Z');
  });

  it('runs a window past midnight into the next day', () => {
    const night: MaintenanceWindow = { days: ['fri'], from: '22:00', to: '02:00', timezone: 'Europe/Berlin' };
    // Saturday 2026-01-17 01:00 in Berlin (UTC+1) is Saturday 00:00 UTC: still Friday's window.
    assert.equal(iso(maintenanceWaitUntil(at('2026-01-17T00:00:00Z'), [night])), '2026-01-17T01:00:00.000Z');
    // Friday 23:00 Berlin.
    assert.equal(iso(maintenanceWaitUntil(at('2026-01-16T22:00:00Z'), [night])), '2026-01-17T01:00:00.000Z');
    // Saturday 22:30 Berlin: Saturday is not listed.
    assert.equal(maintenanceWaitUntil(at('2026-01-17T21:30:00Z'), [night]), undefined);
  });

  it('ends a window at the right instant on the night clocks go forward (the end time does not exist)', () => {
    // Detroit, Sunday 2026-03-08: 02:00 EST becomes 03:00 EDT. A 01:00-02:30 window is over at
    // 03:00 EDT (07:00 UTC), the first wall time past 02:30.
    const window: MaintenanceWindow = { days: ['sun'], from: '01:00', to: '02:30', timezone: 'America/Detroit' };
    assert.equal(iso(maintenanceWaitUntil(at('2026-03-08T06:30:00Z'), [window])), '2026-03-08T07:00:00.000Z');
    // A window ending after the gap: 01:00-04:00 lasts two real hours that night.
    const longer: MaintenanceWindow = { ...window, to: '04:00' };
    assert.equal(iso(maintenanceWaitUntil(at('2026-03-08T06:30:00Z'), [longer])), '2026-03-08T08:00:00.000Z');
  });

  it('ends a window by the wall clock on the night clocks go back (01:00-02:00 happens twice)', () => {
    // Detroit, Sunday 2026-11-01: 02:00 EDT becomes 01:00 EST. At 01:30 EDT (05:30 UTC) a
    // 01:00-02:00 window lasts until 02:00 EST (07:00 UTC).
    const window: MaintenanceWindow = { days: ['sun'], from: '01:00', to: '02:00', timezone: 'America/Detroit' };
    assert.equal(iso(maintenanceWaitUntil(at('2026-11-01T05:30:00Z'), [window])), '2026-11-01T07:00:00.000Z');
  });

  it('waits out back-to-back windows together', () => {
    const windows: MaintenanceWindow[] = [
      { days: ['sat'], from: '22:00', to: '00:00', timezone: 'UTC' },
      { days: ['sun'], from: '00:00', to: '03:00', timezone: 'UTC' },
    ];
    assert.equal(iso(maintenanceWaitUntil(at('2026-01-10T23:00:00Z'), windows)), '2026-01-11T03:00:00.000Z');
  });
});
