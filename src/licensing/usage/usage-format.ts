import type { UsageFormat } from './ports.js';

/** The fields a usage file can give, and every header name accepted for each (compared without case, spaces or punctuation). */
export const USAGE_COLUMNS = {
  email: ['email', 'emailaddress', 'primaryemailaddress', 'invitedemailaddress', 'useremail', 'learneremail', 'workemail'],
  lastActiveAt: [
    'lastactiveat',
    'lastactive',
    'lastactivedate',
    'lastactivity',
    'lastactivitydate',
    'lastlogin',
    'lastlogindate',
    'lastloginat',
    'lastviewed',
    'lastvieweddate',
    'contentlastviewed',
    'lastaccessed',
    'lastaccessdate',
    'lastseen',
  ],
  hoursViewed: ['hoursviewed', 'hours', 'hoursspent', 'timespenthours', 'hourslearned'],
  secondsViewed: ['secondsviewed', 'timespentseconds'],
  minutesViewed: ['minutesviewed', 'timespentminutes'],
  daysLoggedIn: ['daysloggedin', 'daysactive', 'logindays', 'activedays'],
} as const;

export type UsageField = keyof typeof USAGE_COLUMNS;

/** Lower case without spaces or punctuation: "Days Logged In" → "daysloggedin". */
export function headerKey(raw: string): string {
  return raw
    .replace(/^\uFEFF/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

const FIELD_BY_KEY = new Map<string, UsageField>(
  (Object.entries(USAGE_COLUMNS) as [UsageField, readonly string[]][]).flatMap(([field, keys]) => keys.map((key) => [key, field])),
);

/** Columns of LinkedIn Learning's Learner Detail export (one row per learner and content item). */
const DETAIL_KEYS = ['contenttitle', 'contentname', 'contenttype', 'contentid', 'percentcompleted', 'contentcompletiondate'];
/** Columns only LinkedIn Learning's Learner Summary export has besides email, days and hours. */
const SUMMARY_KEYS = ['uniqueuserid', 'courseviews', 'coursecompletions'];

/** Where each field is in a header, which export it is, and the columns that carry nothing we keep. */
export interface UsageHeader {
  index: Partial<Record<UsageField, number>>;
  format: UsageFormat;
  ignored: string[];
}

/** Reads a header; returns the problems instead when it has no email column or no activity column. */
export function readUsageHeader(values: readonly string[]): UsageHeader | { problems: string[] } {
  const index: Partial<Record<UsageField, number>> = {};
  const ignored: string[] = [];
  const problems: string[] = [];
  values.forEach((raw, i) => {
    const field = FIELD_BY_KEY.get(headerKey(raw));
    if (!field) {
      if (raw.trim()) ignored.push(raw.trim());
      return;
    }
    if (index[field] !== undefined) problems.push(`two columns mean the same thing ("${raw.trim()}" and column ${index[field]! + 1})`);
    else index[field] = i;
  });
  if (index.email === undefined) problems.push('no email column (expected "Email", as LinkedIn Learning exports it, or "email")');
  if (
    index.lastActiveAt === undefined &&
    index.hoursViewed === undefined &&
    index.secondsViewed === undefined &&
    index.minutesViewed === undefined &&
    index.daysLoggedIn === undefined
  )
    problems.push('no activity column (expected "Last Active Date", "Hours Viewed" or "Days Logged In")');
  if (problems.length) return { problems };
  const keys = new Set(values.map(headerKey));
  const format: UsageFormat = DETAIL_KEYS.some((k) => keys.has(k))
    ? 'linkedin_learner_detail'
    : SUMMARY_KEYS.some((k) => keys.has(k))
      ? 'linkedin_learner_summary'
      : 'generic';
  return { index, format, ignored };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const EMPTY = new Set(['', '-', '--', 'n/a', 'na', 'none', 'never', 'null']);

/** A lower-cased email, or null when the cell is not one. */
export function parseEmail(cell: string): string | null {
  const email = cell.trim().toLowerCase();
  return EMAIL.test(email) ? email : null;
}

/**
 * A day as exports write it: ISO (2026-03-01, with or without a time), US (03/01/2026, as
 * LinkedIn Learning's reports do) or 2026/03/01. Undefined for an empty cell, null when unreadable.
 */
export function parseActivityDate(cell: string): Date | undefined | null {
  const text = cell.trim();
  if (EMPTY.has(text.toLowerCase())) return undefined;
  let m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2}|UTC)?)?$/i.exec(text);
  if (m) {
    if (m[4] !== undefined) {
      const zone = !m[7] || /^(z|utc)$/i.test(m[7]) ? 'Z' : m[7].length === 5 ? `${m[7].slice(0, 3)}:${m[7].slice(3)}` : m[7];
      const iso = `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}T${m[4].padStart(2, '0')}:${m[5]}:${m[6] ?? '00'}${zone}`;
      const at = new Date(iso);
      return Number.isNaN(at.getTime()) ? null : at;
    }
    return utcDay(Number(m[1]), Number(m[2]), Number(m[3]));
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?$/i.exec(text);
  if (m) return utcDay(Number(m[3]), Number(m[1]), Number(m[2]));
  return null;
}

function utcDay(year: number, month: number, day: number): Date | null {
  const at = new Date(Date.UTC(year, month - 1, day));
  return at.getUTCFullYear() === year && at.getUTCMonth() === month - 1 && at.getUTCDate() === day ? at : null;
}

/** Hours as "H:MM:SS" (LinkedIn Learning's format), "H:MM" or a decimal number; 0 for an empty cell, null when unreadable. */
export function parseHours(cell: string): number | null {
  const text = cell.trim();
  if (EMPTY.has(text.toLowerCase())) return 0;
  const clock = /^(\d+):([0-5]\d)(?::([0-5]\d))?$/.exec(text);
  if (clock) return Number(clock[1]) + Number(clock[2]) / 60 + Number(clock[3] ?? 0) / 3600;
  const number = Number(text.replace(/,/g, ''));
  return /^\d+(\.\d+)?$/.test(text.replace(/,/g, '')) && Number.isFinite(number) ? number : null;
}

/** A whole number of days (or seconds, minutes); 0 for an empty cell, null when unreadable. */
export function parseCount(cell: string): number | null {
  const text = cell.trim().replace(/,/g, '');
  if (EMPTY.has(text.toLowerCase())) return 0;
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) : null;
}
