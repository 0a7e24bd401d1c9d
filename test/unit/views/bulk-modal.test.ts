import type { BulkDraft } from '../../../src/licensing/bulk/ports.js';
import type { BulkPreview, SampleLearner } from '../../../src/licensing/bulk/selection.js';
import type { AdminChange, LicenseType } from '../../../src/licensing/model.js';
import { ids } from '../../../src/slack/ids.js';
import {
  noLicenseOption,
  parseBulkModalMetadata,
  parseBulkPreviewMetadata,
  parseBulkRejectMetadata,
  readBulkModalState,
} from '../../../src/slack/parsers/bulk.js';
import { buildBulkModal, buildBulkPreviewModal, buildRejectModal, describeBulkChange } from '../../../src/slack/views/bulk-modal.js';
import {
  blockAt,
  blockById,
  blockIds,
  blocksOfType,
  contextText,
  inputElement,
  inputLabel,
  optionPairs,
  sectionText,
  texts,
} from './block-queries.js';

const b = ids.bulkModal;
const p = ids.bulkPreview;
const draftId = 'dddddddddddddddddddddddd';
const names = new Map([
  ['core', 'Learning Core'],
  ['pro', 'Learning Pro'],
]);

function licenseType(key: string, name: string, capacity: number | null, seatsInUse = 0): LicenseType {
  return { key, name, capacity, seatsInUse };
}

const core = licenseType('core', 'Learning Core', 100, 40);
const pro = licenseType('pro', 'Learning Pro', 100, 88);

function draft(change: AdminChange = { kind: 'reassign', from: 'core', to: 'pro' }): BulkDraft {
  return {
    id: draftId,
    requestedBy: 'UREQ1',
    selection: { groups: ['Sales'] },
    change,
    reason: 'Sales moves to Pro',
    createdAt: new Date(),
  };
}

function sampleLearner(i: number, overrides: Partial<SampleLearner> = {}): SampleLearner {
  return { id: i.toString(16).padStart(24, '0'), name: `Learner ${i}`, email: `l${i}@example.com`, licenseTypes: ['core'], ...overrides };
}

function preview(overrides: Partial<BulkPreview> = {}): BulkPreview {
  return {
    matched: 1300,
    alreadyOnTarget: 60,
    blocked: 40,
    deactivated: 40,
    notOnType: 0,
    toChange: 1200,
    seatsNeeded: 1200,
    seatsFree: 1500,
    shortBy: 0,
    targetType: pro,
    sample: [],
    unknownEmails: [],
    ...overrides,
  };
}

function previewModal(overrides: Partial<BulkPreview> = {}, threshold = 100, change?: AdminChange) {
  return buildBulkPreviewModal({ draft: draft(change), preview: preview(overrides), typeNames: names, threshold });
}

describe('buildBulkModal', () => {
  it('carries the channel in private_metadata that parses back, and nothing when there is none', () => {
    const withChannel = buildBulkModal({ channelId: 'C0123', types: [core, pro], groups: [] });
    expect(withChannel.callback_id).toBe(b.callback);
    expect(parseBulkModalMetadata(withChannel.private_metadata)).toEqual({ channelId: 'C0123' });
    expect(parseBulkModalMetadata(buildBulkModal({ types: [], groups: [] }).private_metadata)).toEqual({});
  });

  it('offers the known groups as an optional multi-select', () => {
    const modal = buildBulkModal({ types: [core], groups: ['Sales', 'R&D'] });
    const groups = blockById(modal.blocks, b.groupsBlock, 'input');
    expect(groups.optional).toBe(true);
    const select = inputElement(groups, 'multi_static_select');
    expect(select.action_id).toBe(b.groupsSelect);
    expect(optionPairs(select.options)).toEqual([
      { label: 'Sales', value: 'Sales' },
      { label: 'R&D', value: 'R&D' },
    ]);
  });

  it('explains where groups come from instead of an empty group select', () => {
    const modal = buildBulkModal({ types: [core], groups: [] });
    expect(blockIds(modal.blocks)).not.toContain(b.groupsBlock);
    expect(contextText(blockAt(modal.blocks, 1, 'context'))).toBe(
      'No groups yet: learners get groups from the `group` column of the import.',
    );
  });

  it('filters on current license types by name, with "No license" last', () => {
    const modal = buildBulkModal({ types: [core, pro], groups: [] });
    const select = inputElement(blockById(modal.blocks, b.typesBlock, 'input'), 'multi_static_select');
    expect(select.action_id).toBe(b.typesSelect);
    expect(optionPairs(select.options)).toEqual([
      { label: 'Learning Core', value: 'core' },
      { label: 'Learning Pro', value: 'pro' },
      { label: 'No license', value: noLicenseOption },
    ]);
  });

  it('keeps the current-type filter and the target select within Slack’s 100 options', () => {
    const many = Array.from({ length: 150 }, (_, i) => licenseType(`t${i}`, `Type ${i}`, 10));
    const modal = buildBulkModal({ types: many, groups: [] });
    const filter = inputElement(blockById(modal.blocks, b.typesBlock, 'input'), 'multi_static_select').options ?? [];
    const target = inputElement(blockById(modal.blocks, b.targetBlock, 'input'), 'static_select').options ?? [];
    expect(filter).toHaveLength(100);
    expect(filter.at(-1)?.value).toBe(noLicenseOption);
    expect(target).toHaveLength(100);
  });

  it('defaults the status filter to Active', () => {
    const modal = buildBulkModal({ types: [core], groups: [] });
    const select = inputElement(blockById(modal.blocks, b.statusBlock, 'input'), 'static_select');
    expect(select.initial_option?.value).toBe('active');
    expect(optionPairs(select.options).map((o) => o.value)).toEqual(['active', 'deactivated', 'any']);
  });

  it('offers reassign, add and revoke, starting on reassign', () => {
    const modal = buildBulkModal({ types: [core], groups: [] });
    const select = inputElement(blockById(modal.blocks, b.actionBlock, 'input'), 'static_select');
    expect(select.action_id).toBe(b.actionSelect);
    expect(optionPairs(select.options)).toEqual([
      { label: 'Reassign to another license type', value: 'reassign' },
      { label: 'Add a license type', value: 'add' },
      { label: 'Revoke all licenses', value: 'revoke' },
    ]);
    expect(select.initial_option?.value).toBe('reassign');
  });

  it('labels the target license types with their free seats', () => {
    const modal = buildBulkModal({ types: [core, pro, licenseType('labs', 'Learning Labs', null)], groups: [] });
    const target = blockById(modal.blocks, b.targetBlock, 'input');
    expect(target.optional).toBe(true);
    expect(optionPairs(inputElement(target, 'static_select').options)).toEqual([
      { label: 'Learning Core — 60 of 100 free', value: 'core' },
      { label: 'Learning Pro — 12 of 100 free', value: 'pro' },
      { label: 'Learning Labs — unlimited', value: 'labs' },
    ]);
  });

  it('requires a reason and accepts pasted emails over several lines', () => {
    const modal = buildBulkModal({ types: [core], groups: [] });
    const reason = blockById(modal.blocks, b.reasonBlock, 'input');
    expect(reason.optional).toBeUndefined();
    expect(inputElement(reason, 'plain_text_input').max_length).toBe(500);
    const emails = inputElement(blockById(modal.blocks, b.emailsBlock, 'input'), 'plain_text_input');
    expect(emails.action_id).toBe(b.emailsInput);
    expect(emails.multiline).toBe(true);
  });

  it('uses the block and action ids that readBulkModalState reads back', () => {
    const modal = buildBulkModal({ types: [core, pro], groups: ['Sales'] });
    const values: Record<string, Record<string, unknown>> = {};
    const put = (blockId: string, actionId: string | undefined, value: unknown) => {
      if (!actionId) throw new Error(`block ${blockId} has no action id`);
      values[blockId] = { [actionId]: value };
    };
    const groups = inputElement(blockById(modal.blocks, b.groupsBlock, 'input'), 'multi_static_select');
    put(b.groupsBlock, groups.action_id, { selected_options: [{ value: 'Sales' }] });
    const types = inputElement(blockById(modal.blocks, b.typesBlock, 'input'), 'multi_static_select');
    put(b.typesBlock, types.action_id, { selected_options: [{ value: 'core' }] });
    const action = inputElement(blockById(modal.blocks, b.actionBlock, 'input'), 'static_select');
    put(b.actionBlock, action.action_id, { selected_option: action.initial_option });
    const target = inputElement(blockById(modal.blocks, b.targetBlock, 'input'), 'static_select');
    put(b.targetBlock, target.action_id, { selected_option: target.options?.[1] });
    const reason = inputElement(blockById(modal.blocks, b.reasonBlock, 'input'), 'plain_text_input');
    put(b.reasonBlock, reason.action_id, { value: 'Sales moves to Pro' });

    const result = readBulkModalState(values);
    if (!result.ok) throw new Error(`form refused: ${JSON.stringify(result.errors)}`);
    expect(result.change).toEqual({ kind: 'reassign', from: 'core', to: 'pro' });
    expect(result.selection.groups).toEqual(['Sales']);
    expect(result.reason).toBe('Sales moves to Pro');
  });

  it('submits with Preview', () => {
    expect(buildBulkModal({ types: [core], groups: [] }).submit?.text).toBe('Preview');
  });
});

describe('describeBulkChange', () => {
  it('describes each kind of change with type names', () => {
    expect(describeBulkChange({ kind: 'reassign', from: 'core', to: 'pro' }, names)).toBe('from Learning Core to Learning Pro');
    expect(describeBulkChange({ kind: 'add', to: 'pro' }, names)).toBe('add Learning Pro');
    expect(describeBulkChange({ kind: 'revoke' }, names)).toBe('revoke all licenses');
  });

  it('falls back to the key for an unknown type', () => {
    expect(describeBulkChange({ kind: 'add', to: 'gone' }, names)).toBe('add gone');
  });
});

describe('buildBulkPreviewModal', () => {
  it('carries only the draft id in private_metadata', () => {
    const modal = previewModal();
    expect(modal.callback_id).toBe(p.callback);
    expect(parseBulkPreviewMetadata(modal.private_metadata)).toEqual({ draftId });
  });

  it('submits with "Send for approval" above the threshold and says a lead must approve', () => {
    const modal = previewModal({ toChange: 1200 }, 1000);
    expect(modal.submit?.text).toBe('Send for approval');
    expect(contextText(blockAt(modal.blocks, modal.blocks.length - 1, 'context'))).toBe(
      ':lock: More than 1,000 learners: a team lead must approve before anything changes.',
    );
  });

  it('submits with "Apply change" at or under the threshold', () => {
    for (const toChange of [99, 100]) {
      const modal = previewModal({ toChange, seatsNeeded: toChange }, 100);
      expect(modal.submit?.text).toBe('Apply change');
      expect(contextText(blockAt(modal.blocks, modal.blocks.length - 1, 'context'))).toBe(
        'At or under the approval threshold: submitting applies the change right away.',
      );
    }
  });

  it('summarises matches, skips and seats', () => {
    const modal = previewModal({ notOnType: 5 });
    expect(sectionText(blockById(modal.blocks, p.summaryBlock, 'section')).split('\n')).toEqual([
      '*1,300* learners match. *1,200* will change (from Learning Core to Learning Pro).',
      'Skipped: 60 already there, 40 deactivated, 5 without the license being replaced.',
      'Seats needed: *1,200* · free: *1,500*',
    ]);
  });

  it('warns when seats are short and writes unlimited free seats as "unlimited"', () => {
    const short = previewModal({ seatsFree: 1000, shortBy: 200 });
    expect(sectionText(blockById(short.blocks, p.summaryBlock, 'section')).split('\n')[2]).toBe(
      'Seats needed: *1,200* · free: *1,000* · :warning: *short by 200*',
    );
    const unlimited = previewModal({ seatsFree: Number.POSITIVE_INFINITY });
    expect(sectionText(blockById(unlimited.blocks, p.summaryBlock, 'section')).split('\n')[2]).toBe(
      'Seats needed: *1,200* · free: *unlimited*',
    );
  });

  it('says a revocation frees seats', () => {
    const modal = previewModal({ seatsNeeded: 0, targetType: null }, 100, { kind: 'revoke' });
    expect(sectionText(blockById(modal.blocks, p.summaryBlock, 'section')).split('\n')).toEqual([
      '*1,300* learners match. *1,200* will change (revoke all licenses).',
      'Skipped: 60 already there, 40 deactivated.',
      'Seats are freed, none needed.',
    ]);
  });

  it('lists the sample learners with escaped names and emails', () => {
    const modal = previewModal({
      sample: [
        sampleLearner(1, { name: '*Bold* <!channel> <@U123>', email: 'x&y@example.com', licenseTypes: ['core', 'pro'] }),
        sampleLearner(2),
      ],
    });
    expect(contextText(blockAt(modal.blocks, 1, 'context')).split('\n')).toEqual([
      '*First learners*',
      '• ∗Bold∗ &lt;!channel&gt; &lt;@U123&gt; · x&amp;y@example.com — Learning Core + Learning Pro',
      '• Learner 2 · l2@example.com — Learning Core',
    ]);
  });

  it('has no sample line when no learner matched', () => {
    const modal = previewModal({ matched: 0, toChange: 0 });
    expect(texts(modal.blocks).some((t) => t.startsWith('*First learners*'))).toBe(false);
  });

  it('names one unknown email in the singular', () => {
    const modal = previewModal({ unknownEmails: ['nobody@example.com'] });
    expect(contextText(blockAt(modal.blocks, 1, 'context'))).toBe(':grey_question: No learner has this email: nobody@example.com');
  });

  it('lists the first 10 unknown emails, escaped, and says there are more', () => {
    const unknown = Array.from({ length: 12 }, (_, i) => `u${i}@example.com`);
    unknown[0] = '<!here>@example.com';
    const modal = previewModal({ unknownEmails: unknown });
    expect(contextText(blockAt(modal.blocks, 1, 'context'))).toBe(
      `:grey_question: No learner has these 12 emails: &lt;!here&gt;@example.com, ${unknown.slice(1, 10).join(', ')} …`,
    );
  });

  it('lets the requester exclude learners by typeahead or pasted emails', () => {
    const modal = previewModal();
    const exclude = blockById(modal.blocks, p.excludeBlock, 'input');
    expect(exclude.optional).toBe(true);
    const select = inputElement(exclude, 'multi_external_select');
    expect(select.action_id).toBe(p.excludeSelect);
    expect(select.min_query_length).toBe(1);
    const pasted = blockById(modal.blocks, p.excludeEmailsBlock, 'input');
    expect(inputLabel(pasted)).toBe('Or paste emails to exclude');
    expect(inputElement(pasted, 'plain_text_input').action_id).toBe(p.excludeEmailsInput);
  });

  it('has one divider between the summary and the exclusions', () => {
    const modal = previewModal();
    expect(blocksOfType(modal.blocks, 'divider')).toHaveLength(1);
    expect(modal.blocks.findIndex((blk) => blk.type === 'divider')).toBe(
      modal.blocks.findIndex((blk) => blk.block_id === p.excludeBlock) - 1,
    );
  });
});

describe('buildRejectModal', () => {
  it('asks for the reason and carries the request and message in private_metadata', () => {
    const metadata = { requestId: 'eeeeeeeeeeeeeeeeeeeeeeee', channelId: 'C0123', ts: '1714550400.000100' };
    const modal = buildRejectModal(metadata);
    expect(modal.callback_id).toBe(ids.bulkReject.callback);
    expect(parseBulkRejectMetadata(modal.private_metadata)).toEqual(metadata);
    expect(modal.submit?.text).toBe('Reject');
    const reason = blockById(modal.blocks, ids.bulkReject.reasonBlock, 'input');
    expect(reason.optional).toBeUndefined();
    const input = inputElement(reason, 'plain_text_input');
    expect(input.action_id).toBe(ids.bulkReject.reasonInput);
    expect(input.max_length).toBe(500);
  });
});
