import { z } from 'zod';
import type { LicensingDeps } from '../deps.js';
import { LicenseError } from '../errors.js';
import { type AdminChange, freeSeats, isEmailAddress, type LicenseType, normalizeEmail } from '../model.js';
import type { BulkPreviewCounts, BulkSelection, BulkSelectionInput, BulkStore } from './ports.js';

const MAX_LISTED = 10_000;

const emailList = z
  .array(z.string().transform(normalizeEmail).refine(isEmailAddress, 'must be email addresses'))
  .max(MAX_LISTED, `may hold at most ${MAX_LISTED} addresses`)
  .default([])
  .transform((emails) => [...new Set(emails)]);
const keyList = z
  .array(z.string().trim().min(1).max(100))
  .max(200)
  .default([])
  .transform((keys) => [...new Set(keys)]);

/** The selection as the Slack layer may send it; `normalizeSelection` fills the defaults. */
export const bulkSelectionSchema = z.object({
  groups: keyList,
  licenseTypes: keyList,
  withoutLicense: z.boolean().default(false),
  status: z.enum(['active', 'deactivated']).optional(),
  text: z
    .string()
    .max(100)
    .optional()
    .transform((text) => (text === undefined || text.trim() === '' ? undefined : text.trim())),
  emails: emailList,
  excludeIds: z
    .array(z.string().regex(/^[0-9a-f]{24}$/i, 'must be learner ids'))
    .max(MAX_LISTED)
    .default([])
    .transform((ids) => [...new Set(ids.map((id) => id.toLowerCase()))]),
  excludeEmails: emailList,
  idle: z
    .object({
      before: z.coerce.date(),
      at: z.coerce.date(),
      excludeGroups: keyList,
      round: z.string().min(1).max(64).optional(),
      neverOnly: z.boolean().optional(),
    })
    .optional(),
});

/** Validates a selection and fills its defaults; throws `invalid_input` naming the bad field. */
export function normalizeSelection(input: BulkSelectionInput): BulkSelection {
  const parsed = bulkSelectionSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LicenseError('invalid_input', `${issue?.path.join('.') || 'selection'} ${issue?.message ?? 'is invalid'}`);
  }
  const { status, text, idle, ...rest } = parsed.data;
  return {
    ...rest,
    ...(status ? { status } : {}),
    ...(text !== undefined ? { text } : {}),
    ...(idle
      ? {
          idle: {
            before: idle.before,
            at: idle.at,
            excludeGroups: idle.excludeGroups,
            ...(idle.round ? { round: idle.round } : {}),
            ...(idle.neverOnly ? { neverOnly: true } : {}),
          },
        }
      : {}),
  };
}

/** Splits pasted text (commas, semicolons, spaces, lines, Slack mailto links) into lower-cased emails. */
export function parseEmailList(text: string): { emails: string[]; invalid: string[] } {
  const emails = new Set<string>();
  const invalid: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    if (!raw) continue;
    const token = normalizeEmail(raw.replace(/^<mailto:([^|>]+)(\|[^>]*)?>$/i, '$1').replace(/^<(.+)>$/, '$1'));
    if (isEmailAddress(token)) emails.add(token);
    else invalid.push(raw);
  }
  return { emails: [...emails], invalid };
}

/** One learner of the preview's sample. */
export interface SampleLearner {
  id: string;
  name: string;
  email: string;
  licenseTypes: string[];
}

/** What a bulk change would do, counted by the database (never by loading the learners). */
export interface BulkPreview extends BulkPreviewCounts {
  /** Learners left out because they are deactivated. */
  deactivated: number;
  /** Reassignments from a type the learner does not hold. */
  notOnType: number;
  /** Free seats of the target type; Infinity when unlimited or nothing is added. */
  seatsFree: number;
  /** Seats missing for the change to apply to everyone; 0 when there are enough. */
  shortBy: number;
  targetType: LicenseType | null;
  sample: SampleLearner[];
  /** Pasted emails that no learner has. */
  unknownEmails: string[];
}

const SAMPLE_SIZE = 10;

/** Counts what a bulk change would do to the selected learners, and shows the first few. */
export async function previewBulkChange(
  deps: Pick<LicensingDeps, 'store'> & { bulk: BulkStore },
  input: BulkSelectionInput,
  change: AdminChange,
): Promise<BulkPreview> {
  const selection = normalizeSelection(input);
  const targetType = await checkChangeTypes(deps, change);
  const { bulk } = deps;
  const alreadyOnTarget = change.kind === 'revoke' ? { active: true, holdsNone: true } : { active: true, holds: change.to };
  const [matched, deactivated, already, notOnType, page, unknownEmails] = await Promise.all([
    bulk.countLearners(selection),
    bulk.countLearners(selection, { active: false }),
    bulk.countLearners(selection, alreadyOnTarget),
    change.kind === 'reassign' && change.from !== null
      ? bulk.countLearners(selection, { active: true, holdsNoneOf: [change.from, change.to] })
      : Promise.resolve(0),
    bulk.learnerPage(selection, null, SAMPLE_SIZE),
    selection.emails.length ? bulk.missingEmails(selection.emails) : Promise.resolve([]),
  ]);
  const blocked = deactivated + notOnType;
  const toChange = Math.max(0, matched - blocked - already);
  const seatsNeeded = change.kind === 'revoke' ? 0 : toChange;
  const seatsFree = targetType ? freeSeats(targetType) : Number.POSITIVE_INFINITY;
  return {
    matched,
    alreadyOnTarget: already,
    blocked,
    deactivated,
    notOnType,
    toChange,
    seatsNeeded,
    seatsFree,
    shortBy: Math.max(0, seatsNeeded - seatsFree),
    targetType,
    sample: page.map((l) => ({ id: l.id, name: l.name, email: l.email, licenseTypes: l.licenseTypes })),
    unknownEmails,
  };
}

/** The target type of a change (null for revoke); throws `unknown_license_type` for a type that does not exist. */
export async function checkChangeTypes(deps: Pick<LicensingDeps, 'store'>, change: AdminChange): Promise<LicenseType | null> {
  if (change.kind === 'revoke') return null;
  if (change.kind === 'reassign' && change.from === change.to)
    throw new LicenseError('invalid_input', 'The license type to replace and the new one are the same.');
  const [target, from] = await Promise.all([
    deps.store.getLicenseType(change.to),
    change.kind === 'reassign' && change.from !== null ? deps.store.getLicenseType(change.from) : Promise.resolve(undefined),
  ]);
  if (!target || from === null) throw new LicenseError('unknown_license_type');
  return target;
}
