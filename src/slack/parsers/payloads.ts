import { z } from 'zod';
import { isTimeZone } from '../../licensing/schedule/time.js';
import { changeModes, ids } from '../ids.js';
import { slackId } from './command.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);

/** Parses untrusted JSON text (at most 3,000 characters, Slack's metadata limit) with a schema; null when it does not match. */
export function parseJson<T>(schema: z.ZodType<T>, text: string | undefined): T | null {
  if (!text || text.length > 3000) return null;
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/** What the change modal carries between its updates and the submission. */
export const changeModalMetadata = z
  .object({
    mode: z.enum(changeModes),
    channelId: slackId.optional(),
    learnerId: objectId.optional(),
    /** The admin's time zone (Slack's users.info), for the "apply at" and "until" pickers. */
    timeZone: z.string().max(64).refine(isTimeZone, 'must be a time zone').optional(),
  })
  .strict();
export type ChangeModalMetadata = z.infer<typeof changeModalMetadata>;

/** Parses the modal's private_metadata (untrusted: it round-trips through Slack). */
export function parseChangeModalMetadata(text: string | undefined): ChangeModalMetadata | null {
  return parseJson(changeModalMetadata, text);
}

/** The change modal's private_metadata, as `parseChangeModalMetadata` reads it back. */
export function encodeChangeModalMetadata(metadata: ChangeModalMetadata): string {
  return JSON.stringify(changeModalMetadata.parse(metadata));
}

const requestRef = z.object({ requestId: objectId }).strict();
const learnerRef = z.object({ learnerId: objectId }).strict();

/** Parses a button value `{ requestId }` (review, approval and progress buttons). */
export function parseRequestRef(value: string | undefined): { requestId: string } | null {
  return parseJson(requestRef, value);
}

/** The value of a button about one request (review, approval, progress): `{ requestId }`. */
export function encodeRequestRef(requestId: string): string {
  return JSON.stringify(requestRef.parse({ requestId }));
}

const licenseKeyRef = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/);
const reclaimStartRef = z.object({ type: licenseKeyRef, to: licenseKeyRef.optional() }).strict();
const reclaimAskRef = z.object({ roundId: objectId, learnerId: objectId }).strict();

/** Parses a Reclaim button value `{ type, to? }`. */
export function parseReclaimStartRef(value: string | undefined): { type: string; to?: string } | null {
  return parseJson(reclaimStartRef, value);
}

/** The value of a Reclaim button: the type whose idle seats to free, and the cheaper type to move them to. */
export function encodeReclaimStartRef(ref: { type: string; to?: string }): string {
  return JSON.stringify(reclaimStartRef.parse(ref));
}

/** Parses a Keep / Release button value `{ roundId, learnerId }`. */
export function parseReclaimAskRef(value: string | undefined): { roundId: string; learnerId: string } | null {
  return parseJson(reclaimAskRef, value);
}

/** The value of a Keep / Release button. */
export function encodeReclaimAskRef(ref: { roundId: string; learnerId: string }): string {
  return JSON.stringify(reclaimAskRef.parse(ref));
}

/** Parses a learner-card button value `{ learnerId }`. */
export function parseLearnerRef(value: string | undefined): { learnerId: string } | null {
  return parseJson(learnerRef, value);
}

/** The value of a learner-card button: `{ learnerId }`. */
export function encodeLearnerRef(learnerId: string): string {
  return JSON.stringify(learnerRef.parse({ learnerId }));
}

const licenseTypeRef = z.object({ licenseType: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/) }).strict();

/** Parses a Release button value `{ licenseType }`. */
export function parseLicenseTypeRef(value: string | undefined): { licenseType: string } | null {
  return parseJson(licenseTypeRef, value);
}

/** The value of a learner's Release button: `{ licenseType }` (the learner is the clicker, never the payload's). */
export function encodeLicenseTypeRef(licenseType: string): string {
  return JSON.stringify(licenseTypeRef.parse({ licenseType }));
}

/** A learner option value is the learner's id. */
export function parseLearnerOptionValue(value: string | undefined): string | null {
  const parsed = objectId.safeParse(value);
  return parsed.success ? parsed.data : null;
}

const licenseKey = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/);

/** Parses a license-type option value (the type key). */
export function parseLicenseKey(value: string | undefined): string | null {
  const parsed = licenseKey.safeParse(value);
  return parsed.success ? parsed.data : null;
}

const selected = z.object({ selected_option: z.object({ value: z.string() }).nullish() }).passthrough();
const textInput = z.object({ value: z.string().nullish() }).passthrough();

/** The license request modal's values: the type asked for and why (both checked; missing → undefined / ''). */
export function readLicenseRequestState(values: unknown): { licenseType?: string; reason: string } {
  const state = z.record(z.string(), z.record(z.string(), z.unknown())).safeParse(values);
  if (!state.success) return { reason: '' };
  const r = ids.requestModal;
  const picked = selected.safeParse(state.data[r.typeBlock]?.[r.typeSelect]).data?.selected_option?.value ?? undefined;
  const licenseType = parseLicenseKey(picked) ?? undefined;
  const reason = (textInput.safeParse(state.data[r.reasonBlock]?.[r.reasonInput]).data?.value ?? '').trim().slice(0, 500);
  return { ...(licenseType ? { licenseType } : {}), reason };
}

/** The values of the change modal, each checked; missing or malformed fields come back undefined. */
export function readChangeModalState(values: unknown): { learnerId?: string; from?: string; to?: string; reason: string } {
  const state = z.record(z.string(), z.record(z.string(), z.unknown())).safeParse(values);
  if (!state.success) return { reason: '' };
  const pick = (block: string, action: string) => selected.safeParse(state.data[block]?.[action]).data?.selected_option?.value ?? undefined;
  const m = ids.changeModal;
  const reason = textInput.safeParse(state.data[m.reasonBlock]?.[m.reasonInput]).data?.value ?? '';
  const learnerId = parseLearnerOptionValue(pick(m.learnerBlock, m.learnerSelect)) ?? undefined;
  const from = parseLicenseKey(pick(m.fromBlock, m.fromSelect)) ?? undefined;
  const to = parseLicenseKey(pick(m.typeBlock, m.typeSelect)) ?? undefined;
  return { ...(learnerId ? { learnerId } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}), reason: reason.trim().slice(0, 500) };
}
