import { formatInZone, isTimeZone, wallTimeIn, zonedTimeToUtc } from '../../../src/licensing/schedule/time.js';

describe('wall-clock times in an admin’s time zone', () => {
  it('reads a time after a daylight-saving change with the offset of that day, not of today', () => {
    // New York is on EDT (UTC−4) in July and on EST (UTC−5) from 1 November 2026.
    expect(zonedTimeToUtc('2026-07-10', '09:00', 'America/New_York')?.toISOString()).toBe('2026-07-10T13:00:00.000Z');
    expect(zonedTimeToUtc('2026-11-10', '09:00', 'America/New_York')?.toISOString()).toBe('2026-11-10T14:00:00.000Z');
    // Berlin: CEST (UTC+2) until 25 October 2026, then CET (UTC+1).
    expect(zonedTimeToUtc('2026-10-24', '17:00', 'Europe/Berlin')?.toISOString()).toBe('2026-10-24T15:00:00.000Z');
    expect(zonedTimeToUtc('2026-10-26', '17:00', 'Europe/Berlin')?.toISOString()).toBe('2026-10-26T16:00:00.000Z');
  });

  it('keeps a 09:00 end at 09:00 on the wall clock across the change', () => {
    const before = zonedTimeToUtc('2026-10-30', '09:00', 'America/New_York');
    const after = zonedTimeToUtc('2026-11-02', '09:00', 'America/New_York');
    expect(before && wallTimeIn(before, 'America/New_York')).toEqual({ date: '2026-10-30', time: '09:00' });
    expect(after && wallTimeIn(after, 'America/New_York')).toEqual({ date: '2026-11-02', time: '09:00' });
    // Three calendar days apart, and 73 hours, because the clocks went back one hour in between.
    expect(((after?.getTime() ?? 0) - (before?.getTime() ?? 0)) / 3_600_000).toBe(73);
  });

  it('takes the first of a time that occurs twice and moves a time that does not exist forward', () => {
    // 02:30 happens twice in Berlin on 25 October 2026 (CEST, then CET).
    expect(zonedTimeToUtc('2026-10-25', '02:30', 'Europe/Berlin')?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    // 02:30 does not exist on 29 March 2026 (02:00 → 03:00): it becomes 03:30 CEST.
    const gap = zonedTimeToUtc('2026-03-29', '02:30', 'Europe/Berlin');
    expect(gap?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(gap && wallTimeIn(gap, 'Europe/Berlin')).toEqual({ date: '2026-03-29', time: '03:30' });
  });

  it('handles zones with half-hour offsets and UTC', () => {
    expect(zonedTimeToUtc('2026-12-01', '19:30', 'Asia/Kolkata')?.toISOString()).toBe('2026-12-01T14:00:00.000Z');
    expect(zonedTimeToUtc('2026-12-01', '14:00', 'UTC')?.toISOString()).toBe('2026-12-01T14:00:00.000Z');
  });

  it('refuses days that do not exist, malformed input and unknown zones', () => {
    expect(zonedTimeToUtc('2026-02-30', '09:00', 'UTC')).toBeNull();
    expect(zonedTimeToUtc('2026-12-01', '24:00', 'UTC')).toBeNull();
    expect(zonedTimeToUtc('1 Dec 2026', '09:00', 'UTC')).toBeNull();
    expect(zonedTimeToUtc('2026-12-01', '09:00', 'Mars/Olympus')).toBeNull();
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Europe/Nowhere')).toBe(false);
    expect(isTimeZone('{"$gt":""}')).toBe(false);
  });

  it('shows an instant back in the zone it was picked in, naming the zone', () => {
    expect(formatInZone(new Date('2026-11-10T14:00:00Z'), 'America/New_York')).toBe('Tue 10 Nov 2026, 09:00 (America/New_York)');
    expect(formatInZone(new Date('2026-11-10T14:00:00Z'), 'Asia/Kolkata')).toBe('Tue 10 Nov 2026, 19:30 (Asia/Kolkata)');
  });
});
