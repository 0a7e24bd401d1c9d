/**
 * Wall-clock times in an admin's time zone (IANA, from Slack's `users.info`) and the UTC instants
 * they name. Everything is stored in UTC; a zone is only used to read an admin's input and to show
 * it back. Conversions use the offset in force on the chosen day, not today's, so an end picked
 * across a daylight-saving change is not an hour off.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per locale, options and zone: making one is far slower than using it. */
function cachedFormatter(locale: string, options: Intl.DateTimeFormatOptions, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}|${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    formatters.set(key, formatter);
  }
  return formatter;
}

const PARTS: Intl.DateTimeFormatOptions = {
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
};
const READABLE: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
};

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  return cachedFormatter('en-US', PARTS, timeZone);
}

/** True for a time zone name this runtime knows (e.g. `Europe/Berlin`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(timeZone)) return false;
  try {
    partsFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `instant` in `timeZone`, as the milliseconds a UTC clock would show for it. */
function wallMs(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
}

/** How far `timeZone` is ahead of UTC at `instant`, in ms (whole seconds: sub-second parts are dropped). */
function offsetMs(instant: number, timeZone: string): number {
  return wallMs(instant, timeZone) - Math.floor(instant / 1000) * 1000;
}

/**
 * The UTC instant of a wall-clock date (`YYYY-MM-DD`) and time (`HH:mm`) in `timeZone`, or null when
 * either is malformed. A time that occurs twice (clocks going back) is the first of the two; a time
 * that does not exist (clocks going forward) moves forward by the gap (02:30 → 03:30).
 */
export function zonedTimeToUtc(date: string, time: string, timeZone: string): Date | null {
  const d = DATE.exec(date);
  const t = TIME.exec(time);
  if (!d || !t || !isTimeZone(timeZone)) return null;
  const local = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3]), Number(t[1]), Number(t[2]));
  const check = new Date(local);
  // Date.UTC rolls 31 February over to March: such a day does not exist.
  if (check.getUTCDate() !== Number(d[3]) || check.getUTCMonth() !== Number(d[2]) - 1) return null;
  // The offsets just before and after any transition near that day: an instant is a candidate when
  // its wall clock reads exactly the chosen time.
  const before = offsetMs(local - 14 * 3_600_000, timeZone);
  const after = offsetMs(local + 14 * 3_600_000, timeZone);
  const candidates = [...new Set([local - before, local - after])].filter((instant) => wallMs(instant, timeZone) === local);
  if (candidates.length) return new Date(Math.min(...candidates));
  return new Date(local - before);
}

/** The date (`YYYY-MM-DD`) and time (`HH:mm`) `instant` shows in `timeZone`, e.g. to prefill pickers. */
export function wallTimeIn(instant: Date, timeZone: string): { date: string; time: string } {
  const iso = new Date(wallMs(instant.getTime(), timeZone)).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

/** `instant` as people read it in `timeZone`, with the zone named: "Tue 10 Nov 2026, 09:00 (America/New_York)". */
export function formatInZone(instant: Date, timeZone: string): string {
  const formatter = cachedFormatter('en-GB', READABLE, timeZone);
  return `${formatter
    .format(instant)
    .replace(/^(\w+),? /, '$1 ')
    .replace(/ at /, ', ')} (${timeZone})`;
}
