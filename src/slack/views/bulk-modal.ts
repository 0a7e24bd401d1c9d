import type { BulkDraft } from '../../licensing/bulk/ports.js';
import type { BulkPreview } from '../../licensing/bulk/selection.js';
import { type AdminChange, describeTypes, type LicenseType } from '../../licensing/model.js';
import { ids } from '../ids.js';
import { encodeBulkModalMetadata, encodeBulkPreviewMetadata, encodeBulkRejectMetadata, noLicenseOption } from '../parsers/bulk.js';
import { context, escapeMrkdwn, type KnownBlock, type ModalView, option, section } from './blocks.js';
import { licenseTypeLabel } from './change-modal.js';
import { buildTimingBlocks, bulkTimingLine } from './timing.js';

const b = ids.bulkModal;

const actions = [
  option('Reassign to another license type', 'reassign'),
  option('Add a license type', 'add'),
  option('Revoke all licenses', 'revoke'),
];

/** Step 1 of a bulk change: filters and/or pasted emails, what to do, and why. */
export function buildBulkModal(input: {
  channelId?: string;
  /** The admin's time zone: with it the form offers "apply at" and "until". */
  timeZone?: string;
  types: readonly LicenseType[];
  groups: readonly string[];
}): ModalView {
  const typeOptions = [...input.types.slice(0, 99).map((t) => option(t.name, t.key)), option('No license', noLicenseOption)];
  const blocks: KnownBlock[] = [
    section('Choose learners by filters (all must match) and/or paste their emails. You can exclude people on the next step.'),
    input.groups.length
      ? {
          type: 'input',
          block_id: b.groupsBlock,
          optional: true,
          label: { type: 'plain_text', text: 'Groups' },
          element: {
            type: 'multi_static_select',
            action_id: b.groupsSelect,
            placeholder: { type: 'plain_text', text: 'Any group' },
            options: input.groups.slice(0, 100).map((g) => option(g, g)),
          },
        }
      : context('No groups yet: learners get groups from the `group` column of the import.'),
    {
      type: 'input',
      block_id: b.typesBlock,
      optional: true,
      label: { type: 'plain_text', text: 'Current license type' },
      element: {
        type: 'multi_static_select',
        action_id: b.typesSelect,
        placeholder: { type: 'plain_text', text: 'Any license' },
        options: typeOptions,
      },
    },
    {
      type: 'input',
      block_id: b.statusBlock,
      label: { type: 'plain_text', text: 'Status' },
      element: {
        type: 'static_select',
        action_id: b.statusSelect,
        initial_option: option('Active', 'active'),
        options: [option('Active', 'active'), option('Deactivated', 'deactivated'), option('Any', 'any')],
      },
    },
    {
      type: 'input',
      block_id: b.textBlock,
      optional: true,
      label: { type: 'plain_text', text: 'Name or email contains' },
      element: { type: 'plain_text_input', action_id: b.textInput, max_length: 100 },
    },
    {
      type: 'input',
      block_id: b.emailsBlock,
      optional: true,
      label: { type: 'plain_text', text: 'Or paste emails' },
      hint: {
        type: 'plain_text',
        text: 'Separated by commas, spaces or new lines. Only these learners (and the filters above) are changed.',
      },
      element: { type: 'plain_text_input', action_id: b.emailsInput, multiline: true },
    },
    { type: 'divider' },
    {
      type: 'input',
      block_id: b.actionBlock,
      label: { type: 'plain_text', text: 'Change' },
      element: { type: 'static_select', action_id: b.actionSelect, initial_option: actions[0], options: actions },
    },
    {
      type: 'input',
      block_id: b.targetBlock,
      optional: true,
      label: { type: 'plain_text', text: 'New license type' },
      hint: { type: 'plain_text', text: 'Not needed to revoke.' },
      element: {
        type: 'static_select',
        action_id: b.targetSelect,
        placeholder: { type: 'plain_text', text: 'Choose a license type' },
        options: input.types.slice(0, 100).map((t) => option(licenseTypeLabel(t), t.key)),
      },
    },
    ...(input.timeZone ? buildTimingBlocks({ apply: true, until: true, timeZone: input.timeZone }) : []),
    {
      type: 'input',
      block_id: b.reasonBlock,
      label: { type: 'plain_text', text: 'Reason' },
      element: {
        type: 'plain_text_input',
        action_id: b.reasonInput,
        max_length: 500,
        placeholder: { type: 'plain_text', text: 'Shown to the approver and kept in history' },
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: b.callback,
    private_metadata: encodeBulkModalMetadata({
      ...(input.channelId ? { channelId: input.channelId } : {}),
      ...(input.timeZone ? { timeZone: input.timeZone } : {}),
    }),
    title: { type: 'plain_text', text: 'Bulk license change' },
    submit: { type: 'plain_text', text: 'Preview' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

/** "Move to Learning Pro (from Learning Core)", for summaries. */
export function describeBulkChange(change: AdminChange, names: ReadonlyMap<string, string>): string {
  switch (change.kind) {
    case 'reassign':
      return `from ${describeTypes(change.from ? [change.from] : [], names)} to ${describeTypes([change.to], names)}`;
    case 'add':
      return `add ${describeTypes([change.to], names)}`;
    case 'revoke':
      return 'revoke all licenses';
  }
}

const n = (value: number) => (Number.isFinite(value) ? value.toLocaleString('en-US') : 'unlimited');

/** Step 2: what the change would do, exclusions, and the submit that sends it (for approval). */
export function buildBulkPreviewModal(input: {
  draft: BulkDraft;
  preview: BulkPreview;
  typeNames: ReadonlyMap<string, string>;
  threshold: number;
}): ModalView {
  const { draft, preview, typeNames, threshold } = input;
  const p = ids.bulkPreview;
  const needsApproval = preview.toChange > threshold;
  const lines = [
    `*${n(preview.matched)}* learners match. *${n(preview.toChange)}* will change (${escapeMrkdwn(describeBulkChange(draft.change, typeNames))}).`,
    `Skipped: ${n(preview.alreadyOnTarget)} already there, ${n(preview.deactivated)} deactivated${preview.notOnType ? `, ${n(preview.notOnType)} without the license being replaced` : ''}.`,
    draft.change.kind === 'revoke'
      ? 'Seats are freed, none needed.'
      : `Seats needed: *${n(preview.seatsNeeded)}* · free: *${n(preview.seatsFree)}*${preview.shortBy ? ` · :warning: *short by ${n(preview.shortBy)}*` : ''}`,
  ];
  const sample = preview.sample.map(
    (l) => `• ${escapeMrkdwn(l.name)} · ${escapeMrkdwn(l.email)} — ${escapeMrkdwn(describeTypes(l.licenseTypes, typeNames))}`,
  );
  const timing = draft.timing ? bulkTimingLine(draft.timing) : '';
  if (timing) lines.push(timing);
  const blocks: KnownBlock[] = [
    { type: 'section', block_id: p.summaryBlock, text: { type: 'mrkdwn', text: lines.join('\n') } },
    ...(sample.length ? [context(`*First learners*\n${sample.join('\n')}`)] : []),
    ...(preview.unknownEmails.length
      ? [
          context(
            `:grey_question: No learner has ${preview.unknownEmails.length === 1 ? 'this email' : `these ${preview.unknownEmails.length} emails`}: ${escapeMrkdwn(preview.unknownEmails.slice(0, 10).join(', '))}${preview.unknownEmails.length > 10 ? ' …' : ''}`,
          ),
        ]
      : []),
    { type: 'divider' },
    {
      type: 'input',
      block_id: p.excludeBlock,
      optional: true,
      label: { type: 'plain_text', text: 'Exclude learners' },
      element: {
        type: 'multi_external_select',
        action_id: p.excludeSelect,
        min_query_length: 1,
        placeholder: { type: 'plain_text', text: 'Type a name or email' },
      },
    },
    {
      type: 'input',
      block_id: p.excludeEmailsBlock,
      optional: true,
      label: { type: 'plain_text', text: 'Or paste emails to exclude' },
      element: { type: 'plain_text_input', action_id: p.excludeEmailsInput, multiline: true },
    },
    context(
      needsApproval
        ? `:lock: More than ${n(threshold)} learners: a team lead must approve before anything changes.`
        : 'At or under the approval threshold: submitting applies the change right away.',
    ),
  ];
  return {
    type: 'modal',
    callback_id: p.callback,
    private_metadata: encodeBulkPreviewMetadata({ draftId: draft.id }),
    title: { type: 'plain_text', text: 'Bulk change preview' },
    submit: { type: 'plain_text', text: needsApproval ? 'Send for approval' : 'Apply change' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}

/** Reject asks for a reason before it is final. */
export function buildRejectModal(metadata: { requestId: string; channelId?: string; ts?: string }): ModalView {
  return {
    type: 'modal',
    callback_id: ids.bulkReject.callback,
    private_metadata: encodeBulkRejectMetadata(metadata),
    title: { type: 'plain_text', text: 'Reject bulk change' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      {
        type: 'input',
        block_id: ids.bulkReject.reasonBlock,
        label: { type: 'plain_text', text: 'Why? The requester will see this.' },
        element: { type: 'plain_text_input', action_id: ids.bulkReject.reasonInput, multiline: true, max_length: 500 },
      },
    ],
  };
}
