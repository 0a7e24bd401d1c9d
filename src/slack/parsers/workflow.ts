import { z } from 'zod';
import { slackId } from './command.js';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const text = (max: number) => z.string().trim().min(1).max(max);

const reassignInputs = z.object({
  learner_email: z
    .string()
    .trim()
    .toLowerCase()
    .transform((value) => value.replace(/^<mailto:([^|>]+)(\|[^>]*)?>$/i, '$1'))
    .pipe(z.string().regex(EMAIL)),
  license_type: text(100),
  reason: z.string().trim().max(500).optional().default(''),
  run_as: slackId,
});

const checkSeatsInputs = z.object({ license_type: text(100), run_as: slackId });

/** What a step's refusal of its inputs says (the workflow's builder reads it in Workflow Builder). */
export const STEP_INPUTS_SENTENCE =
  'This step needs a learner email, a license type and the person it runs as (the workflow’s “Person who used this workflow”).';

/** The *Reassign a license* step's inputs, checked; null when they do not fit. */
export function parseReassignInputs(inputs: unknown): { learnerEmail: string; licenseType: string; reason: string; runAs: string } | null {
  const parsed = reassignInputs.safeParse(inputs);
  if (!parsed.success) return null;
  const { learner_email, license_type, reason, run_as } = parsed.data;
  return { learnerEmail: learner_email, licenseType: license_type, reason, runAs: run_as };
}

/** The *Check seats* step's inputs, checked; null when they do not fit. */
export function parseCheckSeatsInputs(inputs: unknown): { licenseType: string; runAs: string } | null {
  const parsed = checkSeatsInputs.safeParse(inputs);
  return parsed.success ? { licenseType: parsed.data.license_type, runAs: parsed.data.run_as } : null;
}
