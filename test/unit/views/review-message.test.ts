import type { AdminChange, Learner } from '../../../src/licensing/model.js';
import { nextLicenseTypes } from '../../../src/licensing/model.js';
import type { ChangeReview } from '../../../src/licensing/single/change-requests.js';
import type { ChangeRequest } from '../../../src/licensing/single/ports.js';
import { ids } from '../../../src/slack/ids.js';
import { parseRequestRef } from '../../../src/slack/parsers/payloads.js';
import { slackDate } from '../../../src/slack/views/blocks.js';
import {
  buildAlreadyHandledMessage,
  buildCancelledMessage,
  buildOutcomeMessage,
  buildReviewMessage,
  buildReviewUndeliveredNotice,
  describeChange,
} from '../../../src/slack/views/review-message.js';
import { blockAt, blockById, blocksOfType, buttonIn, contextText, sectionText } from './block-queries.js';

const requestId = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const typeNames = new Map([
  ['core', 'Learning Core'],
  ['pro', 'Learning Pro'],
]);
const at = new Date('2024-05-01T09:00:00Z');

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

function changeRequest(change: AdminChange, overrides: Partial<ChangeRequest> = {}): ChangeRequest {
  return {
    id: requestId,
    status: 'pending',
    learnerId: '0123456789abcdef01234567',
    change,
    reason: '',
    requestedBy: 'UADMIN1',
    createdAt: at,
    ...overrides,
  };
}

function review(change: AdminChange, who: Learner = learner(), overrides: Partial<ChangeRequest> = {}): ChangeReview {
  return {
    request: changeRequest(change, overrides),
    learner: who,
    before: who.licenseTypes,
    after: nextLicenseTypes(who.licenseTypes, change),
    typeNames,
  };
}

const reassign: AdminChange = { kind: 'reassign', from: 'core', to: 'pro' };

describe('describeChange', () => {
  it('describes a reassignment and what the learner loses', () => {
    expect(describeChange(review(reassign))).toEqual({
      sentence: 'Move *Ada Lovelace* (ada@example.com) from Learning Core to Learning Pro.',
      consequence: 'They lose access to content on Learning Core; prior usage stays on reports.',
    });
  });

  it('describes an added license and that nothing is lost', () => {
    expect(describeChange(review({ kind: 'add', to: 'pro' }))).toEqual({
      sentence: 'Give *Ada Lovelace* (ada@example.com) Learning Pro in addition to Learning Core.',
      consequence: 'They keep every license they hold now.',
    });
  });

  it('describes a revocation of every license', () => {
    expect(describeChange(review({ kind: 'revoke' }, learner({ licenseTypes: ['core', 'pro'] })))).toEqual({
      sentence: 'Revoke every license of *Ada Lovelace* (ada@example.com) (Learning Core + Learning Pro).',
      consequence: 'They lose access to content on Learning Core + Learning Pro; prior usage stays on reports.',
    });
  });

  it('escapes the learner’s name and email', () => {
    const who = learner({ name: '*Bold* <!channel> <@U123>', email: 'x<y>@example.com' });
    expect(describeChange(review(reassign, who)).sentence).toBe(
      'Move *∗Bold∗ &lt;!channel&gt; &lt;@U123&gt;* (x&lt;y&gt;@example.com) from Learning Core to Learning Pro.',
    );
  });
});

describe('buildReviewMessage', () => {
  it('offers Confirm and Cancel, both carrying the request id', () => {
    const message = buildReviewMessage(review(reassign));
    const actions = blockById(message.blocks, ids.review.actionsBlock, 'actions');
    const confirm = buttonIn(actions, ids.review.confirm);
    const cancel = buttonIn(actions, ids.review.cancel);
    expect([confirm.text.text, confirm.style]).toEqual(['Confirm', 'primary']);
    expect([cancel.text.text, cancel.style]).toEqual(['Cancel', undefined]);
    expect(parseRequestRef(confirm.value)).toEqual({ requestId });
    expect(parseRequestRef(cancel.value)).toEqual({ requestId });
  });

  it('states the change and its consequence, with a plain fallback text', () => {
    const message = buildReviewMessage(review(reassign));
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(
      'Move *Ada Lovelace* (ada@example.com) from Learning Core to Learning Pro. They lose access to content on Learning Core; prior usage stays on reports.',
    );
    expect(message.text).toBe(
      'Move Ada Lovelace (ada@example.com) from Learning Core to Learning Pro. They lose access to content on Learning Core; prior usage stays on reports.',
    );
  });

  it('shows the reason, escaped, only when one was given', () => {
    const withReason = buildReviewMessage(review(reassign, learner(), { reason: 'Promotion <!here>' }));
    expect(blocksOfType(withReason.blocks, 'context').map(contextText)).toEqual(['Reason: Promotion &lt;!here&gt;']);

    const without = buildReviewMessage(review(reassign));
    expect(blocksOfType(without.blocks, 'context')).toHaveLength(0);
  });
});

describe('buildOutcomeMessage', () => {
  it('reports an applied change in the past tense, with who confirmed it and when, and no buttons', () => {
    const message = buildOutcomeMessage({ kind: 'applied', review: review(reassign) }, 'UADMIN2', at);
    expect(message.blocks.map((b) => b.type)).toEqual(['section', 'context']);
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(
      ':white_check_mark: Moved *Ada Lovelace* (ada@example.com) from Learning Core to Learning Pro.',
    );
    expect(contextText(blockAt(message.blocks, 1, 'context'))).toBe(
      `Confirmed by <@UADMIN2> ${slackDate(at)}. Prior usage stays on reports.`,
    );
    expect(message.text).toBe('Done: Moved Ada Lovelace (ada@example.com) from Learning Core to Learning Pro.');
  });

  it.each([
    [{ kind: 'add', to: 'pro' } as const, ':white_check_mark: Gave *Ada Lovelace*'],
    [{ kind: 'revoke' } as const, ':white_check_mark: Revoked every license'],
  ])('uses the past tense for %o', (change, start) => {
    const message = buildOutcomeMessage({ kind: 'applied', review: review(change) }, 'UADMIN2', at);
    expect(sectionText(blockAt(message.blocks, 0, 'section')).startsWith(start)).toBe(true);
  });

  it('says nothing changed and why when the change failed', () => {
    const message = buildOutcomeMessage({ kind: 'failed', code: 'no_seats_left', review: review(reassign) }, 'UADMIN2', at);
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(':x: Nothing was changed. No seats are left on that license type.');
    expect(contextText(blockAt(message.blocks, 1, 'context'))).toBe(
      'Requested: Move *Ada Lovelace* (ada@example.com) from Learning Core to Learning Pro.',
    );
    expect(message.text).toBe('Not changed: No seats are left on that license type.');
  });

  it('falls back to "The change" when the failed request has no review', () => {
    const message = buildOutcomeMessage({ kind: 'failed', code: 'learner_not_found', review: null }, 'UADMIN2', at);
    expect(contextText(blockAt(message.blocks, 1, 'context'))).toBe('Requested: The change');
  });
});

describe('buildCancelledMessage', () => {
  it('says who cancelled, when, and that nothing changed', () => {
    const message = buildCancelledMessage('UADMIN2', at);
    expect(message.text).toBe('Change cancelled; nothing was changed.');
    expect(message.blocks).toHaveLength(1);
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(
      `:no_entry_sign: Cancelled by <@UADMIN2> ${slackDate(at)}. Nothing was changed.`,
    );
  });
});

describe('buildAlreadyHandledMessage', () => {
  it.each([
    ['pending', 'is still waiting'],
    ['confirmed', 'is being applied right now'],
    ['applied', 'was already applied'],
    ['failed', 'was already tried and failed'],
    ['cancelled', 'was already cancelled'],
  ] as const)('explains a %s request as "%s"', (status, phrase) => {
    const message = buildAlreadyHandledMessage(changeRequest(reassign, { status }));
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(`:information_source: This change ${phrase}. Nothing more was done.`);
    expect(message.text).toBe(`This change ${phrase}. Nothing more was done.`);
  });

  it('names who decided and when, and keeps Slack tokens out of the fallback text', () => {
    const message = buildAlreadyHandledMessage(changeRequest(reassign, { status: 'applied', decidedBy: 'UADMIN2', decidedAt: at }));
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(
      `:information_source: This change was already applied by <@UADMIN2> ${slackDate(at)}. Nothing more was done.`,
    );
    expect(message.text).not.toMatch(/[<>]/);
  });
});

describe('buildReviewUndeliveredNotice', () => {
  it('tells the admin nothing changed because the review could not be delivered', () => {
    const message = buildReviewUndeliveredNotice();
    expect(message.text).toBe(
      'I could not send you the review message with Confirm and Cancel, so nothing was changed. Please try again in a minute.',
    );
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(`:warning: ${message.text}`);
  });
});
