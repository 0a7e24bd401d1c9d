import type { Learner, LicenseType } from '../../../src/licensing/model.js';
import { type ChangeMode, ids } from '../../../src/slack/ids.js';
import { type ChangeModalMetadata, parseChangeModalMetadata, parseLearnerOptionValue } from '../../../src/slack/parsers/payloads.js';
import { buildChangeModal, buildLearnerOptions, learnerOption, licenseTypeLabel } from '../../../src/slack/views/change-modal.js';
import {
  blockAt,
  blockById,
  blockIds,
  buttonIn,
  contextText,
  inputElement,
  inputLabel,
  optionPairs,
  sectionText,
} from './block-queries.js';

const m = ids.changeModal;

function licenseType(key: string, name: string, capacity: number | null, seatsInUse = 0): LicenseType {
  return { key, name, capacity, seatsInUse };
}

function learner(overrides: Partial<Learner> = {}): Learner {
  return {
    id: '0123456789abcdef01234567',
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    groups: [],
    status: 'active',
    licenseTypes: ['core'],
    version: 1,
    ...overrides,
  };
}

function metadata(mode: ChangeMode, extra: Omit<ChangeModalMetadata, 'mode'> = {}): ChangeModalMetadata {
  return { mode, ...extra };
}

const core = licenseType('core', 'Learning Core', 100, 40);
const pro = licenseType('pro', 'Learning Pro', 100, 88);
const labs = licenseType('labs', 'Learning Labs', null, 7);
const full = licenseType('full', 'Learning Full', 10, 10);
const allTypes = [core, pro, labs, full];

describe('licenseTypeLabel', () => {
  it('shows the free seats out of the capacity', () => {
    expect(licenseTypeLabel(pro)).toBe('Learning Pro — 12 of 100 free');
  });

  it('says "no seats free" when the type is full, or over-full', () => {
    expect(licenseTypeLabel(full)).toBe('Learning Full — no seats free');
    expect(licenseTypeLabel(licenseType('over', 'Over', 5, 9))).toBe('Over — no seats free');
  });

  it('says "unlimited" for a type without capacity', () => {
    expect(licenseTypeLabel(labs)).toBe('Learning Labs — unlimited');
  });
});

describe('buildChangeModal', () => {
  it('carries its mode, channel and learner in private_metadata that parses back', () => {
    const meta = metadata('reassign', { channelId: 'C0123', learnerId: learner().id });
    const modal = buildChangeModal({ metadata: meta, learner: learner(), types: allTypes });
    expect(modal.callback_id).toBe(m.callback);
    expect(parseChangeModalMetadata(modal.private_metadata)).toEqual(meta);
  });

  it.each([
    ['reassign', 'Reassign license'],
    ['add', 'Add a license'],
    ['revoke', 'Revoke licenses'],
  ] as const)('titles the %s modal "%s" and submits with Review', (mode, title) => {
    const modal = buildChangeModal({ metadata: metadata(mode), learner: null, types: allTypes });
    expect(modal.title.text).toBe(title);
    expect(modal.submit?.text).toBe('Review');
    expect(modal.close?.text).toBe('Cancel');
  });

  it('offers a learner typeahead that dispatches on pick and starts after one typed character', () => {
    const modal = buildChangeModal({ metadata: metadata('add'), learner: null, types: allTypes });
    const input = blockById(modal.blocks, m.learnerBlock, 'input');
    expect(input.dispatch_action).toBe(true);
    expect(inputLabel(input)).toBe('Learner');
    const select = inputElement(input, 'external_select');
    expect(select.action_id).toBe(m.learnerSelect);
    expect(select.min_query_length).toBe(1);
    expect(select.initial_option).toBeUndefined();
  });

  it('preselects the chosen learner in the typeahead, with their id as the value', () => {
    const ada = learner();
    const modal = buildChangeModal({ metadata: metadata('reassign'), learner: ada, types: allTypes });
    const select = inputElement(blockById(modal.blocks, m.learnerBlock, 'input'), 'external_select');
    expect(select.initial_option?.text.text).toBe('Ada Lovelace · ada@example.com');
    expect(parseLearnerOptionValue(select.initial_option?.value)).toBe(ada.id);
  });

  it('offers "Change many learners instead" only in reassign mode before a learner is chosen', () => {
    const reassign = buildChangeModal({ metadata: metadata('reassign'), learner: null, types: allTypes });
    const actions = blockById(reassign.blocks, m.actionsBlock, 'actions');
    expect(buttonIn(actions, m.bulkInstead).text.text).toBe('Change many learners instead');

    const withLearner = buildChangeModal({ metadata: metadata('reassign'), learner: learner(), types: allTypes });
    const add = buildChangeModal({ metadata: metadata('add'), learner: null, types: allTypes });
    const revoke = buildChangeModal({ metadata: metadata('revoke'), learner: null, types: allTypes });
    for (const modal of [withLearner, add, revoke]) expect(blockIds(modal.blocks)).not.toContain(m.actionsBlock);
  });

  it('shows the learner’s current licenses by name, escaped, only once a learner is chosen', () => {
    const odd = licenseType('odd', '*Bold* <!channel> <@U123>', 5, 0);
    const modal = buildChangeModal({
      metadata: metadata('add'),
      learner: learner({ licenseTypes: ['core', 'odd'] }),
      types: [core, odd],
    });
    expect(sectionText(blockById(modal.blocks, m.currentBlock, 'section'))).toBe(
      '*Current licenses:* Learning Core + ∗Bold∗ &lt;!channel&gt; &lt;@U123&gt;',
    );

    const empty = buildChangeModal({ metadata: metadata('add'), learner: null, types: [core] });
    expect(blockIds(empty.blocks)).not.toContain(m.currentBlock);
  });

  it('says "no license" for a learner without licenses and marks a deactivated learner', () => {
    const modal = buildChangeModal({
      metadata: metadata('add'),
      learner: learner({ licenseTypes: [], status: 'deactivated' }),
      types: allTypes,
    });
    expect(sectionText(blockById(modal.blocks, m.currentBlock, 'section'))).toBe(
      '*Current licenses:* no license · :no_entry: *deactivated*',
    );
  });

  it('asks which license to replace when reassigning a learner with several, preselecting the first', () => {
    const modal = buildChangeModal({
      metadata: metadata('reassign'),
      learner: learner({ licenseTypes: ['pro', 'core'] }),
      types: allTypes,
    });
    const from = blockById(modal.blocks, m.fromBlock, 'input');
    expect(inputLabel(from)).toBe('License to replace');
    const select = inputElement(from, 'static_select');
    expect(select.action_id).toBe(m.fromSelect);
    expect(optionPairs(select.options)).toEqual([
      { label: 'Learning Pro', value: 'pro' },
      { label: 'Learning Core', value: 'core' },
    ]);
    expect(optionPairs(select.initial_option ? [select.initial_option] : [])).toEqual([{ label: 'Learning Pro', value: 'pro' }]);
  });

  it('does not ask which license to replace for one license, or when adding', () => {
    const single = buildChangeModal({ metadata: metadata('reassign'), learner: learner({ licenseTypes: ['core'] }), types: allTypes });
    const adding = buildChangeModal({ metadata: metadata('add'), learner: learner({ licenseTypes: ['core', 'pro'] }), types: allTypes });
    expect(blockIds(single.blocks)).not.toContain(m.fromBlock);
    expect(blockIds(adding.blocks)).not.toContain(m.fromBlock);
  });

  it('offers only the license types the learner does not hold, labelled with their free seats', () => {
    const modal = buildChangeModal({ metadata: metadata('reassign'), learner: learner({ licenseTypes: ['core'] }), types: allTypes });
    const typeInput = blockById(modal.blocks, m.typeBlock, 'input');
    expect(inputLabel(typeInput)).toBe('New license type');
    const select = inputElement(typeInput, 'static_select');
    expect(select.action_id).toBe(m.typeSelect);
    expect(optionPairs(select.options)).toEqual([
      { label: 'Learning Pro — 12 of 100 free', value: 'pro' },
      { label: 'Learning Labs — unlimited', value: 'labs' },
      { label: 'Learning Full — no seats free', value: 'full' },
    ]);
  });

  it('offers every license type before a learner is chosen and labels the add select accordingly', () => {
    const modal = buildChangeModal({ metadata: metadata('add'), learner: null, types: allTypes });
    const typeInput = blockById(modal.blocks, m.typeBlock, 'input');
    expect(inputLabel(typeInput)).toBe('License type to add');
    expect(optionPairs(inputElement(typeInput, 'static_select').options).map((o) => o.value)).toEqual(['core', 'pro', 'labs', 'full']);
  });

  it('caps the license type options at Slack’s 100', () => {
    const many = Array.from({ length: 130 }, (_, i) => licenseType(`t${i}`, `Type ${i}`, 10));
    const modal = buildChangeModal({ metadata: metadata('add'), learner: null, types: many });
    const options = inputElement(blockById(modal.blocks, m.typeBlock, 'input'), 'static_select').options;
    expect(options).toHaveLength(100);
    expect(options?.at(-1)?.value).toBe('t99');
  });

  it('replaces the type select with a hint when there is no type left to pick', () => {
    const modal = buildChangeModal({ metadata: metadata('add'), learner: learner({ licenseTypes: ['core'] }), types: [core] });
    expect(blockIds(modal.blocks)).not.toContain(m.typeBlock);
    const reasonIndex = modal.blocks.findIndex((b) => b.block_id === m.reasonBlock);
    expect(contextText(blockAt(modal.blocks, reasonIndex - 1, 'context'))).toBe(
      'No other license type exists yet. Import some with `license-bot import license-types`.',
    );
  });

  it('has no license type select when revoking', () => {
    const modal = buildChangeModal({ metadata: metadata('revoke'), learner: learner(), types: allTypes });
    expect(blockIds(modal.blocks)).toEqual([undefined, m.learnerBlock, m.currentBlock, m.reasonBlock]);
  });

  it('ends with an optional reason of at most 500 characters', () => {
    const modal = buildChangeModal({ metadata: metadata('reassign'), learner: null, types: allTypes });
    const reason = blockAt(modal.blocks, modal.blocks.length - 1, 'input');
    expect(reason.block_id).toBe(m.reasonBlock);
    expect(reason.optional).toBe(true);
    const input = inputElement(reason, 'plain_text_input');
    expect(input.action_id).toBe(m.reasonInput);
    expect(input.max_length).toBe(500);
  });

  it('keeps its block ids unique', () => {
    const modal = buildChangeModal({
      metadata: metadata('reassign'),
      learner: learner({ licenseTypes: ['core', 'pro'] }),
      types: allTypes,
    });
    const present = blockIds(modal.blocks).filter((id) => id !== undefined);
    expect(new Set(present).size).toBe(present.length);
    expect(present).toEqual([m.learnerBlock, m.currentBlock, m.fromBlock, m.typeBlock, m.reasonBlock]);
  });
});

describe('learner options', () => {
  it('labels a learner with name and email and uses their id as the value', () => {
    const ada = learner();
    const option = learnerOption(ada);
    expect(option.text.text).toBe('Ada Lovelace · ada@example.com');
    expect(parseLearnerOptionValue(option.value)).toBe(ada.id);
  });

  it('marks a deactivated learner with "(deactivated)"', () => {
    expect(learnerOption(learner({ status: 'deactivated' })).text.text).toBe('Ada Lovelace · ada@example.com (deactivated)');
  });

  it('answers the typeahead with at most 100 options, in the given order', () => {
    const learners = Array.from({ length: 120 }, (_, i) =>
      learner({ id: i.toString(16).padStart(24, '0'), name: `Learner ${i}`, email: `l${i}@example.com` }),
    );
    const { options } = buildLearnerOptions(learners);
    expect(options).toHaveLength(100);
    expect(options[0]?.text.text).toBe('Learner 0 · l0@example.com');
    expect(options[99]?.value).toBe((99).toString(16).padStart(24, '0'));
  });

  it('answers an empty search with no options', () => {
    expect(buildLearnerOptions([])).toEqual({ options: [] });
  });
});
