import { ids } from '../src/slack/ids.js';
import { blockSuggestionPayload, sendInteraction, sendSlashCommand, viewOutput } from '../test/support/slack-requests.js';
import { ADMIN, SIGNING_SECRET } from './bulk.js';
import type { SeededLearners } from './seed.js';
import { latencySummary, seededRandom } from './stats.js';

/** Typeahead latencies and how many answers had options (a sanity check on the prefixes). */
export interface TypeaheadRun {
  requests: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  withOptions: number;
}

/**
 * What people type into the learner picker: the first 1–4 letters of a first name, a last name
 * or an email, chosen at random (seeded) among the seeded learners.
 */
export function typeaheadPrefixes(learners: SeededLearners, count: number): string[] {
  const random = seededRandom(0x7a11);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const prefixes: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const source = pick([learners.firstNames, learners.lastNames, learners.emails]);
    const word = pick(source);
    prefixes.push(word.slice(0, 1 + Math.floor(random() * 4)).toLowerCase());
  }
  return prefixes;
}

/** Sends one signed `block_suggestion` per prefix, one after another, timing each HTTP round trip. */
export async function runTypeahead(baseUrl: string, prefixes: readonly string[]): Promise<TypeaheadRun> {
  const view = viewOutput({ callback_id: ids.changeModal.callback });
  const samples: number[] = [];
  let withOptions = 0;
  for (const value of prefixes) {
    const payload = blockSuggestionPayload({
      user_id: ADMIN,
      action_id: ids.changeModal.learnerSelect,
      block_id: ids.changeModal.learnerBlock,
      value,
      view,
    });
    const started = performance.now();
    const res = await sendInteraction(baseUrl, SIGNING_SECRET, payload);
    samples.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`typeahead answered HTTP ${res.status}`);
    if (((res.json as { options?: unknown[] } | undefined)?.options?.length ?? 0) > 0) withOptions += 1;
  }
  return { requests: prefixes.length, ...latencySummary(samples), withOptions };
}

/** A burst of simultaneous typeahead requests: how long each waited, and when the last was answered. */
export interface TypeaheadBurst {
  requests: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** From sending the first request to the last answer. */
  allAnsweredMs: number;
  withOptions: number;
}

/**
 * Sends `prefixes.length` signed `block_suggestion` requests at once, as an admin added from Slack
 * (`admins add` first), so the admin check is the stored one a real team mostly has.
 */
export async function runTypeaheadBurst(baseUrl: string, prefixes: readonly string[], user: string): Promise<TypeaheadBurst> {
  const added = await sendSlashCommand(baseUrl, SIGNING_SECRET, { text: `admins add <@${user}>`, user_id: ADMIN, channel_id: 'CBENCH' });
  if (added.status !== 200) throw new Error(`admins add answered HTTP ${added.status}`);
  // The command answers after its ack; give it a moment to store the admin.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const view = viewOutput({ callback_id: ids.changeModal.callback });
  const started = performance.now();
  const answers = await Promise.all(
    prefixes.map(async (value) => {
      const payload = blockSuggestionPayload({
        user_id: user,
        action_id: ids.changeModal.learnerSelect,
        block_id: ids.changeModal.learnerBlock,
        value,
        view,
      });
      const sent = performance.now();
      const res = await sendInteraction(baseUrl, SIGNING_SECRET, payload);
      if (res.status !== 200) throw new Error(`typeahead answered HTTP ${res.status}`);
      return { ms: performance.now() - sent, options: (res.json as { options?: unknown[] } | undefined)?.options?.length ?? 0 };
    }),
  );
  const allAnsweredMs = Math.round(performance.now() - started);
  const summary = latencySummary(answers.map((a) => a.ms));
  return {
    requests: prefixes.length,
    p50Ms: summary.p50Ms,
    p95Ms: summary.p95Ms,
    maxMs: summary.maxMs,
    allAnsweredMs,
    withOptions: answers.filter((a) => a.options > 0).length,
  };
}
