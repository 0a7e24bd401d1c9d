import type { ViewOutput } from '@slack/bolt';
import { ids } from '../../src/slack/ids.js';
import { ADMIN, type E2E } from './e2e.js';
import type { SlackCall } from './fake-slack.js';
import { blockActionsPayload, stateValue, viewSubmissionPayload } from './slack-requests.js';

/**
 * Whole Slack flows as an admin performs them, for tests about what happens after (sync, notices):
 * each step is the signed request Slack would send, and each waits for the app's answer.
 */

type Modal = { private_metadata: string; blocks: unknown[] };

/** The buttons of a message the app sent. */
export function buttonsOf(call: SlackCall): { action_id: string; value?: string; block_id?: string }[] {
  return ((call.body.blocks ?? []) as { block_id?: string; elements?: { action_id?: string; value?: string }[] }[]).flatMap((block) =>
    (block.elements ?? [])
      .filter((el): el is { action_id: string; value?: string } => typeof el.action_id === 'string')
      .map((el) => ({ ...el, ...(block.block_id ? { block_id: block.block_id } : {}) })),
  );
}

/**
 * `/license reassign|add|revoke <email>` → the modal → Review → Confirm on the review message.
 * Returns the `chat.update` that replaced the review message with the outcome.
 */
export async function changeInSlack(
  e2e: E2E,
  input: { mode: 'reassign' | 'add' | 'revoke'; email: string; learnerId: string; to?: string; reason?: string; user?: string },
): Promise<SlackCall> {
  const user = input.user ?? ADMIN;
  const before = e2e.slack.callsTo('views.open').length;
  const res = await e2e.command(`${input.mode} ${input.email}`, user);
  if (res.status !== 200) throw new Error(`/license ${input.mode} answered ${res.status}`);
  const opened = await e2e.slack.waitFor('views.open', () => e2e.slack.callsTo('views.open').length > before);
  const view = opened.body.view as Modal;
  const m = ids.changeModal;
  const values: Record<string, Record<string, ReturnType<typeof stateValue.option>>> = {
    [m.learnerBlock]: { [m.learnerSelect]: stateValue.option(input.learnerId, input.email, 'external_select') },
    [m.reasonBlock]: { [m.reasonInput]: stateValue.text(input.reason ?? 'test change') },
  };
  if (input.to) values[m.typeBlock] = { [m.typeSelect]: stateValue.option(input.to) };
  const reviewsBefore = e2e.slack.callsTo('chat.postMessage').filter((c) => c.body.channel === user).length;
  const ack = await e2e.interact(
    viewSubmissionPayload({
      user_id: user,
      callback_id: m.callback,
      values,
      view: { private_metadata: view.private_metadata, blocks: view.blocks as ViewOutput['blocks'] },
    }),
  );
  if (ack.body !== '') throw new Error(`the change modal answered ${ack.body}`);
  const review = await e2e.slack.waitFor(
    'chat.postMessage',
    (c) =>
      c.body.channel === user &&
      e2e.slack
        .callsTo('chat.postMessage')
        .filter((x) => x.body.channel === user)
        .indexOf(c) >= reviewsBefore,
  );
  const confirm = buttonsOf(review).find((b) => b.action_id === ids.review.confirm);
  if (!confirm?.value) throw new Error('the review message has no Confirm button');
  const responseUrl = e2e.slack.responseUrl();
  await e2e.interact(
    blockActionsPayload({
      user_id: user,
      channel_id: `D${user}`,
      response_url: responseUrl,
      actions: [{ action_id: confirm.action_id, block_id: ids.review.actionsBlock, value: confirm.value }],
    }),
  );
  const reviewTs = (review.response as { ts: string }).ts;
  return e2e.slack.waitFor('chat.update', (c) => c.body.ts === reviewTs);
}

type BulkFormInput = {
  groups?: string[];
  types?: string[];
  action: 'reassign' | 'add' | 'revoke';
  target?: string;
  reason?: string;
  channel?: string;
  /** More fields of the form (the "apply at" and "until" pickers), by block and action id. */
  extra?: Record<string, Record<string, unknown>>;
};

/** `/license bulk` → the filter step, as Slack delivers it; returns the app's answer (the preview, or field errors). */
export async function bulkFormInSlack(
  e2e: Pick<E2E, 'command' | 'interact' | 'slack'>,
  input: BulkFormInput,
): Promise<{ response_action: string; view?: Modal; errors?: Record<string, string> }> {
  const b = ids.bulkModal;
  const before = e2e.slack.callsTo('views.open').length;
  await e2e.command('bulk', ADMIN, { channel: input.channel ?? 'CBULK' });
  const opened = await e2e.slack.waitFor('views.open', () => e2e.slack.callsTo('views.open').length > before);
  const form = opened.body.view as Modal;
  const filters = await e2e.interact(
    viewSubmissionPayload({
      user_id: ADMIN,
      callback_id: b.callback,
      view: { private_metadata: form.private_metadata, blocks: form.blocks as ViewOutput['blocks'] },
      values: {
        [b.groupsBlock]: { [b.groupsSelect]: stateValue.options(input.groups ?? []) },
        [b.typesBlock]: { [b.typesSelect]: stateValue.options(input.types ?? []) },
        [b.statusBlock]: { [b.statusSelect]: stateValue.option('active') },
        [b.textBlock]: { [b.textInput]: stateValue.text(null) },
        [b.emailsBlock]: { [b.emailsInput]: stateValue.text(null) },
        [b.actionBlock]: { [b.actionSelect]: stateValue.option(input.action) },
        [b.targetBlock]: { [b.targetSelect]: stateValue.option(input.target ?? null) },
        [b.reasonBlock]: { [b.reasonInput]: stateValue.text(input.reason ?? 'bulk test') },
        ...(input.extra as ViewOutput['state']['values'] | undefined),
      },
    }),
  );
  return filters.json as { response_action: string; view?: Modal; errors?: Record<string, string> };
}

/**
 * `/license bulk` → filters → preview → submit, as Slack delivers it. Under the approval threshold
 * the change runs at once; returns the preview that was submitted.
 */
export async function bulkInSlack(e2e: Pick<E2E, 'command' | 'interact' | 'slack'>, input: BulkFormInput): Promise<Modal> {
  const answer = await bulkFormInSlack(e2e, input);
  if (answer.response_action !== 'update' || !answer.view) throw new Error(`the bulk form answered ${JSON.stringify(answer)}`);
  const submitted = await e2e.interact(
    viewSubmissionPayload({
      user_id: ADMIN,
      callback_id: ids.bulkPreview.callback,
      view: { private_metadata: answer.view.private_metadata, blocks: answer.view.blocks as ViewOutput['blocks'] },
      values: {
        [ids.bulkPreview.excludeBlock]: { [ids.bulkPreview.excludeSelect]: stateValue.options([], 'multi_external_select') },
        [ids.bulkPreview.excludeEmailsBlock]: { [ids.bulkPreview.excludeEmailsInput]: stateValue.text(null) },
      },
    }),
  );
  if (submitted.body !== '') throw new Error(`the bulk preview answered ${submitted.body}`);
  return answer.view;
}
