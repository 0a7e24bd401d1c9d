import type {
  BulkFailure,
  BulkPreviewCounts,
  BulkProgressCounts,
  BulkRequest,
  BulkStatus,
  BulkSummary,
} from '../../../src/licensing/bulk/ports.js';
import type { LicenseType } from '../../../src/licensing/model.js';
import { ids } from '../../../src/slack/ids.js';
import { parseRequestRef } from '../../../src/slack/parsers/payloads.js';
import { slackDate } from '../../../src/slack/views/blocks.js';
import {
  buildAnnounceFailedNotice,
  buildApprovalMessage,
  buildCompletionNotice,
  buildDecisionReply,
  buildJobOutcomeReply,
  buildProgressMessage,
  FAILURES_LISTED,
  failureSentence,
  summaryLine,
} from '../../../src/slack/views/bulk-messages.js';
import { allButtons, blockAt, blockById, blockIds, blocksOfType, buttonIn, contextText, sectionText, texts } from './block-queries.js';

const requestId = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const created = new Date('2024-05-01T09:00:00Z');
const expires = new Date('2024-05-03T09:00:00Z');
const names = new Map([
  ['core', 'Learning Core'],
  ['pro', 'Learning Pro'],
]);

function previewCounts(overrides: Partial<BulkPreviewCounts> = {}): BulkPreviewCounts {
  return { matched: 1300, alreadyOnTarget: 60, blocked: 40, toChange: 1200, seatsNeeded: 1200, ...overrides };
}

function bulkRequest(overrides: Partial<BulkRequest> = {}): BulkRequest {
  return {
    id: requestId,
    status: 'pending_approval',
    selection: {
      groups: ['Sales'],
      licenseTypes: ['core'],
      withoutLicense: false,
      emails: [],
      excludeIds: [],
      excludeEmails: [],
    },
    change: { kind: 'reassign', from: 'core', to: 'pro' },
    reason: 'Sales moves to Pro',
    requestedBy: 'UREQ1',
    createdAt: created,
    updatedAt: created,
    expiresAt: expires,
    preview: previewCounts(),
    progress: { lastBatch: 0, lastLearnerId: null, total: 0, done: 0, skipped: 0, failed: 0 },
    ...overrides,
  };
}

function licenseType(overrides: Partial<LicenseType> = {}): LicenseType {
  return { key: 'pro', name: 'Learning Pro', capacity: 2000, seatsInUse: 500, ...overrides };
}

function counts(overrides: Partial<BulkProgressCounts> = {}): BulkProgressCounts {
  return { total: 40, done: 7, skipped: 2, failed: 1, ...overrides };
}

function summary(overrides: Partial<BulkSummary> = {}): BulkSummary {
  return { requestId, status: 'completed', total: 1200, done: 1190, skipped: 10, failed: 0, ...overrides };
}

function failures(count: number): BulkFailure[] {
  return Array.from({ length: count }, (_, i) => ({
    learnerId: i.toString(16).padStart(24, '0'),
    email: `l${i}@example.com`,
    code: 'no_seats_left',
    batch: 1,
  }));
}

describe('failureSentence', () => {
  it('turns a known error code into its sentence and shows an unknown code as it is', () => {
    expect(failureSentence('learner_deactivated')).toBe('That learner is deactivated, so their licenses cannot be changed.');
    expect(failureSentence('scim_timeout')).toBe('scim_timeout');
  });
});

describe('summaryLine', () => {
  it('mentions the requester and counts the learners with thousands separators', () => {
    expect(summaryLine(bulkRequest(), names)).toBe('<@UREQ1> asks to change *1,200* learners: from Learning Core to Learning Pro.');
  });

  it('escapes license type names', () => {
    const odd = new Map([...names, ['pro', 'Pro <!channel> & co']]);
    expect(summaryLine(bulkRequest(), odd)).toBe(
      '<@UREQ1> asks to change *1,200* learners: from Learning Core to Pro &lt;!channel&gt; &amp; co.',
    );
  });
});

describe('buildApprovalMessage', () => {
  it('shows Approve and Reject only while the request is pending, both carrying the request id', () => {
    const message = buildApprovalMessage(bulkRequest(), names, licenseType());
    const actions = blockById(message.blocks, ids.bulkRequest.actionsBlock, 'actions');
    expect(parseRequestRef(buttonIn(actions, ids.bulkRequest.approve).value)).toEqual({ requestId });
    expect(parseRequestRef(buttonIn(actions, ids.bulkRequest.reject).value)).toEqual({ requestId });
  });

  it('states the change, the escaped reason and the seats left on the target after it', () => {
    const message = buildApprovalMessage(bulkRequest({ reason: 'Promo <@U999> *now*' }), names, licenseType());
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(
      ':inbox_tray: *Bulk license change for approval*\n' +
        '<@UREQ1> asks to change *1,200* learners: from Learning Core to Learning Pro.\n' +
        '*Reason:* Promo &lt;@U999&gt; ∗now∗\n' +
        'Seats of Learning Pro after: 300 free of 2,000.',
    );
    expect(contextText(blockAt(message.blocks, 1, 'context'))).toBe(`1,300 matched · 60 already there · 40 skipped · request ${requestId}`);
    expect(message.text).toBe('Bulk license change by UREQ1 (1,200 learners): waiting for approval');
  });

  it('never shows negative free seats when the change needs more than are free', () => {
    const message = buildApprovalMessage(bulkRequest(), names, licenseType({ capacity: 1000, seatsInUse: 900 }));
    expect(
      sectionText(blockAt(message.blocks, 0, 'section'))
        .split('\n')
        .at(-1),
    ).toBe('Seats of Learning Pro after: 0 free of 1,000.');
  });

  it('says an unlimited target has unlimited seats, and says nothing of seats without a target', () => {
    const unlimited = buildApprovalMessage(bulkRequest(), names, licenseType({ capacity: null }));
    expect(
      sectionText(blockAt(unlimited.blocks, 0, 'section'))
        .split('\n')
        .at(-1),
    ).toBe('Learning Pro has unlimited seats.');

    const revoke = buildApprovalMessage(bulkRequest({ change: { kind: 'revoke' } }), names, null);
    expect(
      sectionText(blockAt(revoke.blocks, 0, 'section'))
        .split('\n')
        .at(-1),
    ).toBe('*Reason:* Sales moves to Pro');
  });

  it('tells when a pending request expires', () => {
    const message = buildApprovalMessage(bulkRequest(), names, licenseType());
    expect(contextText(blockAt(message.blocks, message.blocks.length - 1, 'context'))).toBe(
      `Expires ${slackDate(expires)} if nobody decides.`,
    );
  });

  const decided = { decidedBy: 'ULEAD1', decidedAt: new Date('2024-05-02T10:00:00Z') };
  it.each<[BulkStatus, Partial<BulkRequest>, string]>([
    ['approved', decided, `:white_check_mark: Approved by <@ULEAD1> ${slackDate(decided.decidedAt)}.`],
    ['running', decided, `:white_check_mark: Approved by <@ULEAD1> ${slackDate(decided.decidedAt)}.`],
    ['completed', decided, `:white_check_mark: Approved by <@ULEAD1> ${slackDate(decided.decidedAt)}.`],
    [
      'rejected',
      { ...decided, decisionReason: 'Not <!everyone>' },
      `:x: Rejected by <@ULEAD1> ${slackDate(decided.decidedAt)}: Not &lt;!everyone&gt;`,
    ],
    ['expired', {}, `:hourglass: Expired without a decision ${slackDate(expires)}.`],
    ['cancelled', { cancelRequestedBy: 'UREQ1' }, ':no_entry_sign: Cancelled by <@UREQ1>.'],
  ])('has no buttons once %s and says what happened', (status, extra, outcome) => {
    const message = buildApprovalMessage(bulkRequest({ status, ...extra }), names, licenseType());
    expect(allButtons(message.blocks)).toHaveLength(0);
    expect(blockIds(message.blocks)).not.toContain(ids.bulkRequest.actionsBlock);
    expect(sectionText(blockAt(message.blocks, message.blocks.length - 1, 'section'))).toBe(outcome);
    expect(message.text).toBe(`Bulk license change by UREQ1 (1,200 learners): ${status}`);
  });

  it('drops the seats-after line once the request is decided', () => {
    const message = buildApprovalMessage(bulkRequest({ status: 'approved', ...decided }), names, licenseType());
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).not.toMatch(/Seats of/);
  });
});

describe('buildProgressMessage', () => {
  it('offers Cancel, with a confirmation dialog, while the job runs', () => {
    for (const status of ['approved', 'running'] as const) {
      const message = buildProgressMessage(bulkRequest({ status }), counts(), names);
      const cancel = buttonIn(blockById(message.blocks, ids.bulkRequest.jobActionsBlock, 'actions'), ids.bulkRequest.cancelJob);
      expect(cancel.text.text).toBe('Cancel');
      expect(parseRequestRef(cancel.value)).toEqual({ requestId });
      expect(cancel.confirm?.confirm?.text).toBe('Cancel the job');
      expect(cancel.confirm?.deny?.text).toBe('Keep going');
    }
  });

  it('drops Cancel once cancelling was asked for and says who asked', () => {
    const message = buildProgressMessage(
      bulkRequest({ status: 'running', cancelRequestedAt: new Date(), cancelRequestedBy: 'ULEAD1' }),
      counts(),
      names,
    );
    expect(allButtons(message.blocks)).toHaveLength(0);
    expect(contextText(blockAt(message.blocks, message.blocks.length - 1, 'context'))).toBe(
      'Cancelling at the end of the current batch (asked by <@ULEAD1>).',
    );
  });

  it('has neither Cancel nor a cancelling line once the job finished', () => {
    const message = buildProgressMessage(bulkRequest({ status: 'completed', cancelRequestedAt: new Date() }), counts(), names);
    expect(message.blocks.map((b) => b.type)).toEqual(['section', 'section']);
    expect(sectionText(blockAt(message.blocks, 0, 'section')).split('\n')[0]).toBe('*Bulk license change completed*');
    expect(message.text).toBe('Bulk license change completed: 10 of 40 processed (7 changed, 2 skipped, 1 failed)');
  });

  it('shows a progress bar and the counts', () => {
    const message = buildProgressMessage(bulkRequest({ status: 'running' }), counts(), names);
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(
      ':hourglass_flowing_sand: *Bulk license change running*\n<@UREQ1> asks to change *1,200* learners: from Learning Core to Learning Pro.',
    );
    expect(sectionText(blockAt(message.blocks, 1, 'section'))).toBe(
      `\`${'█'.repeat(5)}${'░'.repeat(15)}\` 10 / 40\n*7* changed · 2 skipped · 1 failed`,
    );
    expect(message.text).toBe('Bulk license change: 10 of 40 processed (7 changed, 2 skipped, 1 failed)');
  });

  it('fills the bar when there is nothing to process', () => {
    const message = buildProgressMessage(bulkRequest({ status: 'running' }), counts({ total: 0, done: 0, skipped: 0, failed: 0 }), names);
    expect(sectionText(blockAt(message.blocks, 1, 'section')).split(' ')[0]).toBe(`\`${'█'.repeat(20)}\``);
  });
});

describe('buildCompletionNotice', () => {
  const startedAt = new Date('2024-05-02T10:00:00Z');

  it('reports the outcome, how long it took and the counts', () => {
    const message = buildCompletionNotice(
      bulkRequest({ status: 'completed' }),
      summary({ startedAt, finishedAt: new Date(startedAt.getTime() + 125_000) }),
      [],
      names,
    );
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(
      ':white_check_mark: Bulk license change *completed* in 2m 5s: from Learning Core to Learning Pro.\n*1,190* changed · 10 skipped · 0 failed',
    );
    expect(message.text).toBe('Bulk license change completed: 1,190 changed, 10 skipped, 0 failed');
  });

  it.each([
    [45_000, '45s'],
    [3_660_000, '1h 1m'],
  ])('writes a duration of %d ms as %s', (ms, text) => {
    const message = buildCompletionNotice(bulkRequest(), summary({ startedAt, finishedAt: new Date(startedAt.getTime() + ms) }), [], names);
    expect(sectionText(blockAt(message.blocks, 0, 'section')).split('\n')[0]).toMatch(new RegExp(` in ${text}: `));
  });

  it('counts the learners a cancelled job left untouched', () => {
    const message = buildCompletionNotice(
      bulkRequest(),
      summary({ status: 'cancelled', total: 1200, done: 500, skipped: 20, failed: 5 }),
      [],
      names,
    );
    expect(sectionText(blockAt(message.blocks, 0, 'section')).split('\n')[1]).toBe(
      '*500* changed · 20 skipped · 5 failed · 675 left untouched',
    );
  });

  it('lists every failure, escaped, when there are at most 20, without mentioning a CSV', () => {
    const list: BulkFailure[] = [
      { learnerId: '0'.repeat(24), email: 'x<y>@example.com', code: 'learner_deactivated', batch: 1 },
      { learnerId: '1'.repeat(24), email: 'z@example.com', code: 'scim_timeout', batch: 2 },
    ];
    const message = buildCompletionNotice(bulkRequest(), summary({ failed: 2 }), list, names);
    expect(sectionText(blockAt(message.blocks, 1, 'section'))).toBe(
      '*Failures*\n• x&lt;y&gt;@example.com — That learner is deactivated, so their licenses cannot be changed.\n• z@example.com — scim_timeout',
    );
  });

  it('lists the first 20 failures and points to the CSV when there are more', () => {
    const message = buildCompletionNotice(bulkRequest(), summary({ failed: 1234 }), failures(30), names);
    const [heading, ...lines] = sectionText(blockAt(message.blocks, 1, 'section')).split('\n');
    expect(heading).toBe(`*Failures (first ${FAILURES_LISTED} of 1,234; all of them are in the attached CSV)*`);
    expect(lines).toHaveLength(FAILURES_LISTED);
    expect(lines[0]).toBe('• l0@example.com — No seats are left on that license type.');
    expect(lines.at(-1)).toBe('• l19@example.com — No seats are left on that license type.');
  });

  it('has no failures section when nothing failed', () => {
    const message = buildCompletionNotice(bulkRequest(), summary(), [], names);
    expect(blocksOfType(message.blocks, 'section')).toHaveLength(1);
  });

  it('says why a failed job stopped and who asked for it, escaping the reason', () => {
    const message = buildCompletionNotice(
      bulkRequest({ reason: 'Promo <!here>' }),
      summary({ status: 'failed', failureCode: 'database_unavailable' }),
      [],
      names,
    );
    expect(texts(message.blocks).slice(1)).toEqual([
      'Stopped because: The license database is unreachable right now. Nothing was changed; please try again in a minute.',
      `Requested by <@UREQ1> · reason: Promo &lt;!here&gt; · job ${requestId}`,
    ]);
    expect(sectionText(blockAt(message.blocks, 0, 'section')).startsWith(':x: Bulk license change *failed*:')).toBe(true);
  });
});

describe('buildCompletionNotice with platform sync', () => {
  const syncedAt = new Date('2024-05-02T11:00:00Z');

  it('adds "platform sync pending" to the counts and the fallback text', () => {
    const message = buildCompletionNotice(bulkRequest(), summary(), [], names, { state: 'pending' });
    expect(sectionText(blockAt(message.blocks, 0, 'section')).split('\n')[1]).toBe(
      '*1,190* changed · 10 skipped · 0 failed · :arrows_counterclockwise: platform sync pending',
    );
    expect(message.text).toBe('Bulk license change completed: 1,190 changed, 10 skipped, 0 failed, platform sync pending');
  });

  it('says when the platform got in sync and how many learners it refused', () => {
    const message = buildCompletionNotice(bulkRequest(), summary(), [], names, { state: 'in_sync', at: syncedAt, refused: 1234 });
    const seconds = Math.floor(syncedAt.getTime() / 1000);
    expect(sectionText(blockAt(message.blocks, 0, 'section')).split('\n')[1]).toBe(
      `*1,190* changed · 10 skipped · 0 failed · :link: platform in sync <!date^${seconds}^{time}|${syncedAt.toISOString()}>, 1,234 refused by the platform (see \`/license sync\`)`,
    );
    expect(message.text).toBe(
      `Bulk license change completed: 1,190 changed, 10 skipped, 0 failed, platform in sync ${syncedAt.toISOString()}, 1,234 refused by the platform (see /license sync)`,
    );
  });

  it('mentions no refusals when the platform took every change', () => {
    const message = buildCompletionNotice(bulkRequest(), summary(), [], names, { state: 'in_sync', at: syncedAt, refused: 0 });
    expect(message.text).toBe(
      `Bulk license change completed: 1,190 changed, 10 skipped, 0 failed, platform in sync ${syncedAt.toISOString()}`,
    );
  });
});

describe('buildAnnounceFailedNotice', () => {
  it('tells the requester a request needing approval was saved but not posted', () => {
    const message = buildAnnounceFailedNotice(bulkRequest(), true);
    expect(message.text).toBe(
      'Your bulk change of 1,200 learners was saved, but I could not post it for approval (Slack did not accept the message). The team leads can still find it with `/license requests`; nothing was changed yet.',
    );
    expect(texts(message.blocks)).toEqual([`:warning: ${message.text}`, `request ${requestId}`]);
  });

  it('tells the requester an approved request will be started automatically', () => {
    const message = buildAnnounceFailedNotice(bulkRequest({ status: 'approved' }), false);
    expect(message.text).toBe(
      'Your bulk change of 1,200 learners was saved and approved, but I could not start it just now. It will be started automatically within a few minutes; `/license jobs` shows where it stands.',
    );
  });
});

describe('the learners-told part of the completion notice', () => {
  it('says how many were told so far while the DMs are on their way', () => {
    const message = buildCompletionNotice(bulkRequest(), summary(), [], names, undefined, {
      told: { state: 'telling', told: 300, total: 1190 },
    });
    expect(message.text).toBe('Bulk license change completed: 1,190 changed, 10 skipped, 0 failed, 300 of 1,190 learners told so far');
    expect(sectionText(message.blocks[0]!)).toContain(' · :speech_balloon: 300 of 1,190 learners told so far');
  });

  it('says how many were told, and how many have no Slack account or could not be messaged, once all are done', () => {
    const done = buildCompletionNotice(bulkRequest(), summary(), [], names, undefined, {
      told: { state: 'told', sent: 1100, noAccount: 88, failed: 2 },
    });
    expect(done.text).toBe(
      'Bulk license change completed: 1,190 changed, 10 skipped, 0 failed, 1,100 learners told, 88 without a Slack account, 2 could not be messaged',
    );
    const clean = buildCompletionNotice(bulkRequest(), summary(), [], names, undefined, {
      told: { state: 'told', sent: 1, noAccount: 0, failed: 0 },
    });
    expect(clean.text).toBe('Bulk license change completed: 1,190 changed, 10 skipped, 0 failed, 1 learner told');
  });
});

describe('replies in the approval thread', () => {
  const decidedAt = new Date('2024-05-02T10:00:00Z');

  it('names who approved or rejected and when, with the rejection reason escaped', () => {
    const approved = buildDecisionReply(bulkRequest({ status: 'approved', decidedBy: 'ULEAD1', decidedAt }));
    const rejected = buildDecisionReply(bulkRequest({ status: 'rejected', decidedBy: 'ULEAD1', decidedAt, decisionReason: 'no <budget>' }));

    expect(sectionText(approved.blocks[0]!)).toBe(
      `:white_check_mark: Approved by <@ULEAD1> ${slackDate(decidedAt)}. The change of 1,200 learners is running.`,
    );
    expect(approved.text).toBe(`Approved by ULEAD1 ${decidedAt.toISOString()}. The change of 1,200 learners is running.`);
    expect(rejected.text).toBe(`Rejected by ULEAD1 ${decidedAt.toISOString()}: “no &lt;budget&gt;”. Nothing was changed.`);
  });

  it('says when a request expired or was cancelled before it started', () => {
    expect(buildDecisionReply(bulkRequest({ status: 'expired' })).text).toBe(
      `Expired ${expires.toISOString()} without a decision. Nothing was changed.`,
    );
    expect(buildDecisionReply(bulkRequest({ status: 'cancelled', cancelRequestedBy: 'UREQ1', cancelRequestedAt: decidedAt })).text).toBe(
      `Cancelled by UREQ1 ${decidedAt.toISOString()} before it started. Nothing was changed.`,
    );
  });

  it('says how the job ended, after how long, with its counts', () => {
    const startedAt = new Date('2024-05-02T10:00:00Z');
    const finishedAt = new Date('2024-05-02T10:01:05Z');
    const reply = buildJobOutcomeReply(bulkRequest({ status: 'completed' }), summary({ startedAt, finishedAt }));
    expect(reply.text).toBe(`The job completed ${finishedAt.toISOString()} after 1m 5s: 1,190 changed, 10 skipped, 0 failed.`);
    const cancelled = buildJobOutcomeReply(
      bulkRequest({ status: 'cancelled', cancelRequestedBy: 'UREQ1' }),
      summary({ status: 'cancelled' }),
    );
    expect(cancelled.text).toBe('The job was cancelled by UREQ1: 1,190 changed, 10 skipped, 0 failed.');
  });
});
