import { z } from 'zod';
import type { BulkSelectionInput } from '../../licensing/bulk/ports.js';
import { parseEmailList } from '../../licensing/bulk/selection.js';
import type { AdminChange } from '../../licensing/model.js';
import { isTimeZone } from '../../licensing/schedule/time.js';
import { ids } from '../ids.js';
import { slackId } from './command.js';
import { parseJson, parseLearnerOptionValue, parseLicenseKey } from './payloads.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);

const bulkModalMetadata = z
  .object({ channelId: slackId.optional(), timeZone: z.string().max(64).refine(isTimeZone, 'must be a time zone').optional() })
  .strict();
const bulkPreviewMetadata = z.object({ draftId: objectId }).strict();
const bulkRejectMetadata = z
  .object({
    requestId: objectId,
    channelId: slackId.optional(),
    ts: z
      .string()
      .regex(/^\d+\.\d+$/)
      .optional(),
  })
  .strict();

/** The bulk filter modal's private_metadata. */
export const parseBulkModalMetadata = (text: string | undefined) => parseJson(bulkModalMetadata, text);
/** Encodes what `parseBulkModalMetadata` reads. */
export const encodeBulkModalMetadata = (metadata: z.infer<typeof bulkModalMetadata>) => JSON.stringify(bulkModalMetadata.parse(metadata));
/** The bulk preview modal's private_metadata: only the draft id. */
export const parseBulkPreviewMetadata = (text: string | undefined) => parseJson(bulkPreviewMetadata, text);
/** Encodes what `parseBulkPreviewMetadata` reads. */
export const encodeBulkPreviewMetadata = (metadata: z.infer<typeof bulkPreviewMetadata>) =>
  JSON.stringify(bulkPreviewMetadata.parse(metadata));
/** The reject-reason modal's private_metadata. */
export const parseBulkRejectMetadata = (text: string | undefined) => parseJson(bulkRejectMetadata, text);
/** Encodes what `parseBulkRejectMetadata` reads. */
export const encodeBulkRejectMetadata = (metadata: z.infer<typeof bulkRejectMetadata>) =>
  JSON.stringify(bulkRejectMetadata.parse(metadata));

const NO_LICENSE = '__none__';
/** The option value that stands for "holds no license" in the current-type filter. */
export const noLicenseOption = NO_LICENSE;

const option = z.object({ value: z.string() });
const single = z.object({ selected_option: option.nullish() }).passthrough();
const multi = z.object({ selected_options: z.array(option).nullish() }).passthrough();
const text = z.object({ value: z.string().nullish() }).passthrough();
const state = z.record(z.string(), z.record(z.string(), z.unknown()));

function reader(values: unknown) {
  const parsed = state.safeParse(values);
  const data = parsed.success ? parsed.data : {};
  return {
    one: (block: string, action: string) => single.safeParse(data[block]?.[action]).data?.selected_option?.value ?? undefined,
    many: (block: string, action: string) => (multi.safeParse(data[block]?.[action]).data?.selected_options ?? []).map((o) => o.value),
    text: (block: string, action: string) => (text.safeParse(data[block]?.[action]).data?.value ?? '').trim(),
  };
}

export type BulkFormResult =
  | { ok: true; selection: BulkSelectionInput; change: AdminChange; reason: string }
  | { ok: false; errors: Record<string, string> };

/**
 * Reads the bulk filter modal. Field problems come back keyed by block id, ready for
 * `response_action: 'errors'`.
 */
export function readBulkModalState(values: unknown): BulkFormResult {
  const b = ids.bulkModal;
  const r = reader(values);
  const errors: Record<string, string> = {};
  const groups = r.many(b.groupsBlock, b.groupsSelect).filter((g) => g.length <= 100);
  const types = r.many(b.typesBlock, b.typesSelect);
  const licenseTypes = types.map((t) => parseLicenseKey(t)).filter((t): t is string => t !== null);
  const status = r.one(b.statusBlock, b.statusSelect);
  const contains = r.text(b.textBlock, b.textInput).slice(0, 100);
  const pasted = parseEmailList(r.text(b.emailsBlock, b.emailsInput));
  if (pasted.invalid.length)
    errors[b.emailsBlock] =
      `These are not email addresses: ${pasted.invalid.slice(0, 5).join(', ')}${pasted.invalid.length > 5 ? ` and ${pasted.invalid.length - 5} more` : ''}.`;
  if (pasted.emails.length > 10_000) errors[b.emailsBlock] = 'Paste at most 10,000 email addresses.';
  const action = r.one(b.actionBlock, b.actionSelect);
  const target = parseLicenseKey(r.one(b.targetBlock, b.targetSelect)) ?? undefined;
  const reason = r.text(b.reasonBlock, b.reasonInput).slice(0, 500);
  if (!reason) errors[b.reasonBlock] = 'Say why: the reason goes to the approver, history and audit.';
  const hasFilter = groups.length || types.length || contains || pasted.emails.length || status === 'deactivated';
  if (!hasFilter) errors[b.groupsBlock] = 'Choose at least one filter (groups, license types, text) or paste emails.';

  let change: AdminChange | null = null;
  if (action === 'revoke') change = { kind: 'revoke' };
  else if (action === 'add' || action === 'reassign') {
    if (!target) errors[b.targetBlock] = 'Pick the license type.';
    else if (action === 'add') change = { kind: 'add', to: target };
    else {
      // A reassignment replaces one license: the single current type filtered on.
      const from = licenseTypes.length === 1 && !types.includes(NO_LICENSE) ? (licenseTypes[0] ?? null) : null;
      if (from === null)
        errors[b.typesBlock] =
          'To reassign, pick exactly one current license type: the one being replaced. To grant a type on top, choose “Add a license type”.';
      else if (from === target) errors[b.targetBlock] = 'The new license type is the one being replaced.';
      else change = { kind: 'reassign', from, to: target };
    }
  } else errors[b.actionBlock] = 'Pick what to do.';
  if (Object.keys(errors).length || !change) return { ok: false, errors };

  return {
    ok: true,
    change,
    reason,
    selection: {
      groups,
      licenseTypes,
      withoutLicense: types.includes(NO_LICENSE),
      ...(status === 'active' || status === 'deactivated' ? { status } : {}),
      ...(contains ? { text: contains } : {}),
      emails: pasted.emails,
      excludeIds: [],
      excludeEmails: [],
    },
  };
}

/** Reads the exclusions picked or pasted on the preview step. */
export function readBulkPreviewState(values: unknown): { excludeIds: string[]; excludeEmails: string[]; invalid: string[] } {
  const p = ids.bulkPreview;
  const r = reader(values);
  const excludeIds = r
    .many(p.excludeBlock, p.excludeSelect)
    .map(parseLearnerOptionValue)
    .filter((v): v is string => v !== null);
  const pasted = parseEmailList(r.text(p.excludeEmailsBlock, p.excludeEmailsInput));
  return { excludeIds, excludeEmails: pasted.emails, invalid: pasted.invalid };
}

/** Reads the reject modal's reason. */
export function readRejectReason(values: unknown): string {
  return reader(values).text(ids.bulkReject.reasonBlock, ids.bulkReject.reasonInput).slice(0, 500);
}
