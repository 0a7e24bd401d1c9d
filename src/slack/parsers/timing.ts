import { z } from 'zod';
import type { GrantTarget } from '../../licensing/schedule/ports.js';
import { isTimeZone, zonedTimeToUtc } from '../../licensing/schedule/time.js';
import type { Timing } from '../../licensing/schedule/timing.js';
import { ids } from '../ids.js';
import { slackId } from './command.js';
import { parseJson } from './payloads.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);

/** A time zone carried in a modal's metadata (untrusted: checked against the runtime's zones). */
export const timeZoneField = z.string().max(64).refine(isTimeZone, 'must be a time zone');

/** A grant id: `<op id>:<learner id>`, the op of a single change or a bulk request's batch. */
export const grantId = z.string().regex(/^(?:bulk:[0-9a-f]{24}:\d{1,7}:|[0-9a-f]{24}:)[0-9a-f]{24}$/);

const grantTarget = z.union([z.object({ grantId }).strict(), z.object({ requestId: objectId }).strict()]);

/** The value of an Extend button: the grant, or every grant of a bulk request. */
export function parseGrantTarget(value: string | undefined): GrantTarget | null {
  return parseJson(grantTarget, value);
}

/** Encodes what `parseGrantTarget` reads. */
export function encodeGrantTarget(target: GrantTarget): string {
  return JSON.stringify(grantTarget.parse(target));
}

const extensionRef = z.object({ extensionId: objectId }).strict();

/** The value of an extension's Approve / Reject button. */
export function parseExtensionRef(value: string | undefined): { extensionId: string } | null {
  return parseJson(extensionRef, value);
}

/** Encodes what `parseExtensionRef` reads. */
export function encodeExtensionRef(extensionId: string): string {
  return JSON.stringify(extensionRef.parse({ extensionId }));
}

const extendModalMetadata = z.object({ target: grantTarget, timeZone: timeZoneField, channelId: slackId.optional() }).strict();
export type ExtendModalMetadata = z.infer<typeof extendModalMetadata>;

/** The extend modal's private_metadata. */
export function parseExtendModalMetadata(text: string | undefined): ExtendModalMetadata | null {
  return parseJson(extendModalMetadata, text);
}

/** Encodes what `parseExtendModalMetadata` reads. */
export function encodeExtendModalMetadata(metadata: ExtendModalMetadata): string {
  return JSON.stringify(extendModalMetadata.parse(metadata));
}

const picked = z.object({ selected_date: z.string().nullish() }).passthrough();
const pickedTime = z.object({ selected_time: z.string().nullish() }).passthrough();
const values = z.record(z.string(), z.record(z.string(), z.unknown()));

/**
 * Reads the "apply at" and "until" pickers (date and time, in `timeZone`) into UTC instants. A date
 * without a time (or the reverse) and a day that does not exist are field errors keyed by block;
 * whether the times make sense (past, order, MAX_GRANT_DAYS) is the domain's to say.
 */
export function readTiming(state: unknown, timeZone: string): { timing: Timing; errors: Record<string, string> } {
  const parsed = values.safeParse(state);
  const data = parsed.success ? parsed.data : {};
  const t = ids.timing;
  const date = (block: string, action: string) => picked.safeParse(data[block]?.[action]).data?.selected_date ?? undefined;
  const time = (block: string, action: string) => pickedTime.safeParse(data[block]?.[action]).data?.selected_time ?? undefined;
  const errors: Record<string, string> = {};
  const read = (dateBlock: string, dateAction: string, timeBlock: string, timeAction: string): Date | undefined => {
    const d = date(dateBlock, dateAction);
    const h = time(timeBlock, timeAction);
    if (!d && !h) return undefined;
    if (!d) {
      errors[dateBlock] = 'Pick a date too.';
      return undefined;
    }
    if (!h) {
      errors[timeBlock] = 'Pick a time too.';
      return undefined;
    }
    const instant = zonedTimeToUtc(d, h, timeZone);
    if (!instant) errors[dateBlock] = 'That date does not exist.';
    return instant ?? undefined;
  };
  const applyAt = read(t.applyDateBlock, t.applyDate, t.applyTimeBlock, t.applyTime);
  const until = read(t.untilDateBlock, t.untilDate, t.untilTimeBlock, t.untilTime);
  return {
    timing: { ...(applyAt ? { applyAt } : {}), ...(until ? { until } : {}), ...(applyAt || until ? { timeZone } : {}) },
    errors,
  };
}

/** Which picker a timing refusal belongs to. */
export function timingErrorBlock(code: string): string | undefined {
  if (code === 'schedule_in_past') return ids.timing.applyDateBlock;
  if (['until_in_past', 'until_before_apply', 'grant_too_long', 'until_not_for_revoke'].includes(code)) return ids.timing.untilDateBlock;
  return undefined;
}
