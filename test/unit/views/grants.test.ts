import type { BulkRequest } from '../../../src/licensing/bulk/ports.js';
import type { GrantEndingNotice } from '../../../src/licensing/notices/ports.js';
import type { ExtensionRequest, Grant } from '../../../src/licensing/schedule/ports.js';
import { ids, jobActionsBlockId } from '../../../src/slack/ids.js';
import { parseExtendModalMetadata, parseExtensionRef, parseGrantTarget } from '../../../src/slack/parsers/timing.js';
import { buildJobsMessage } from '../../../src/slack/views/bulk-lists.js';
import { buildApprovalMessage, buildProgressMessage } from '../../../src/slack/views/bulk-messages.js';
import { buildChangeModal } from '../../../src/slack/views/change-modal.js';
import {
  buildExtendModal,
  buildExtensionMessage,
  buildGrantNotice,
  buildPolicyMessage,
  grantButtons,
  grantLines,
} from '../../../src/slack/views/grants.js';
import { grantFixture } from '../../support/schedule-fixtures.js';
import { allButtons, blockById, blockIds, inputElement, texts } from './block-queries.js';

const names = new Map([
  ['core', 'Learning Core'],
  ['pro', 'Learning Pro'],
]);
const ends = new Date('2026-12-10T14:00:00Z');
const GRANT_ID = `${'a'.repeat(24)}:${'b'.repeat(24)}`;
const REQUEST_ID = 'c'.repeat(24);

function grant(overrides: Partial<Grant> = {}): Grant {
  return grantFixture({
    id: GRANT_ID,
    learnerId: 'b'.repeat(24),
    email: 'ada@example.com',
    since: new Date('2026-12-01T14:00:00Z'),
    endsAt: ends,
    ...overrides,
  });
}

function notice(overrides: Partial<GrantEndingNotice> = {}): GrantEndingNotice {
  return {
    kind: 'grant_ending',
    audience: 'admin',
    endsAt: ends,
    taken: ['pro'],
    returned: ['core'],
    learners: [{ name: 'Ada <Lovelace>', email: 'ada@example.com' }],
    count: 1,
    target: { grantId: GRANT_ID },
    ...overrides,
  };
}

function bulkRequest(overrides: Partial<BulkRequest> = {}): BulkRequest {
  const created = new Date('2026-12-01T09:00:00Z');
  return {
    id: REQUEST_ID,
    status: 'pending_approval',
    selection: { groups: [], licenseTypes: ['core'], withoutLicense: false, emails: [], excludeIds: [], excludeEmails: [] },
    change: { kind: 'reassign', from: 'core', to: 'pro' },
    reason: 'quarter',
    requestedBy: 'UREQ1',
    createdAt: created,
    updatedAt: created,
    preview: { matched: 40, alreadyOnTarget: 0, blocked: 0, toChange: 40, seatsNeeded: 40 },
    progress: { lastBatch: 0, lastLearnerId: null, total: 40, done: 0, skipped: 0, failed: 0 },
    ...overrides,
  };
}

describe('grant notices', () => {
  it('show a type by its key when it no longer has a name', () => {
    const message = buildGrantNotice(notice({ taken: ['gone'], returned: [] }), names);
    expect(texts(message.blocks)[0]).toContain('The gone you granted');
  });

  it('tell the admin when one learner’s grant ends, with Extend carrying only the grant id', () => {
    const message = buildGrantNotice(notice(), names);
    expect(texts(message.blocks)[0]).toBe(
      ':hourglass: The Learning Pro you granted *Ada &lt;Lovelace&gt;* (ada@example.com) ends <!date^1796911200^{date_short_pretty} {time}|2026-12-10T14:00:00.000Z>, and they get Learning Core back.',
    );
    expect(message.text).toBe(
      ':hourglass: The Learning Pro you granted Ada <Lovelace> (ada@example.com) ends 2026-12-10T14:00:00.000Z, and they get Learning Core back.',
    );
    const [extend] = allButtons(message.blocks);
    expect(extend).toMatchObject({ action_id: ids.grant.extend, text: { text: 'Extend' } });
    expect(parseGrantTarget(extend?.value)).toEqual({ grantId: GRANT_ID });
  });

  it('tell the admin of a bulk change once for all its learners, with Extend all', () => {
    const message = buildGrantNotice(
      notice({
        count: 1200,
        learners: [
          { name: 'A', email: 'a@x.com' },
          { name: 'B', email: 'b@x.com' },
        ],
        target: { requestId: REQUEST_ID },
      }),
      names,
    );
    expect(texts(message.blocks)[0]).toContain('*1,200 learners* of your bulk change (a@x.com, b@x.com, …)');
    const [extend] = allButtons(message.blocks);
    expect(extend?.text.text).toBe('Extend all 1,200');
    expect(parseGrantTarget(extend?.value)).toEqual({ requestId: REQUEST_ID });
  });

  it('tell the learner in their own words, with a button to ask for more time', () => {
    const message = buildGrantNotice(notice({ audience: 'learner' }), names);
    expect(texts(message.blocks)[0]).toContain('Your Learning Pro license ends <!date^');
    expect(texts(message.blocks)[0]).toContain('and you get Learning Core back. Your usage so far stays on reports.');
    expect(allButtons(message.blocks).map((b) => b.action_id)).toEqual([ids.grant.askExtend]);
  });

  it('warn the admin when what a grant replaced could not be given back', () => {
    const message = buildGrantNotice(
      {
        kind: 'grant_ended_without_return',
        endsAt: ends,
        taken: ['pro'],
        returned: ['core'],
        learner: { name: 'Ada', email: 'ada@example.com' },
      },
      names,
    );
    expect(texts(message.blocks)[0]).toContain('The time-bound Learning Pro of *ada@example.com* ended <!date^');
    expect(texts(message.blocks)[0]).toContain('but Learning Core could not be given back: no seat was free');
    expect(allButtons(message.blocks)).toEqual([]);
  });
});

describe('the extend modal', () => {
  it('starts at the current end in the admin’s zone and carries the target and zone in its metadata', () => {
    const modal = buildExtendModal({
      target: { grantId: GRANT_ID },
      grant: grant(),
      learners: 1,
      learnerLabel: 'Ada (ada@example.com)',
      typeNames: names,
      timeZone: 'America/New_York',
      channelId: 'C1',
      maxGrantDays: 90,
    });
    expect(modal.callback_id).toBe(ids.extendModal.callback);
    expect(blockIds(modal.blocks)).toEqual([
      ids.extendModal.summaryBlock,
      ids.timing.untilDateBlock,
      ids.timing.untilTimeBlock,
      undefined,
      ids.extendModal.reasonBlock,
    ]);
    expect(inputElement(blockById(modal.blocks, ids.timing.untilDateBlock, 'input'), 'datepicker').initial_date).toBe('2026-12-10');
    expect(inputElement(blockById(modal.blocks, ids.timing.untilTimeBlock, 'input'), 'timepicker').initial_time).toBe('09:00');
    expect(texts(modal.blocks)[0]).toContain('ends Thu 10 Dec 2026, 09:00 (America/New_York)');
    expect(texts(modal.blocks)[0]).toContain('Beyond 90 days from its start');
    expect(parseExtendModalMetadata(modal.private_metadata)).toEqual({
      target: { grantId: GRANT_ID },
      timeZone: 'America/New_York',
      channelId: 'C1',
    });
  });

  it('refuses metadata with a zone the runtime does not know', () => {
    expect(parseExtendModalMetadata(JSON.stringify({ target: { grantId: GRANT_ID }, timeZone: 'Mars/Base' }))).toBeNull();
    expect(parseGrantTarget(JSON.stringify({ grantId: { $gt: '' } }))).toBeNull();
  });
});

describe('extension requests', () => {
  const request: ExtensionRequest = {
    id: 'd'.repeat(24),
    target: { grantId: GRANT_ID },
    endsAt: new Date('2027-03-01T14:00:00Z'),
    previousEndsAt: ends,
    learners: 1,
    requestedBy: 'UADMIN1',
    reason: 'late <project>',
    timeZone: 'UTC',
    status: 'pending_approval',
    createdAt: new Date('2026-12-01T00:00:00Z'),
    expiresAt: ends,
  };

  it('offer Approve and Reject while they wait', () => {
    const message = buildExtensionMessage(request, 'Ada (ada@example.com)');
    expect(texts(message.blocks)[0]).toContain('until Mon 1 Mar 2027, 14:00 (UTC) (now Thu 10 Dec 2026, 14:00 (UTC))');
    expect(texts(message.blocks)[0]).toContain('*Reason:* late &lt;project&gt;');
    const buttons = allButtons(message.blocks);
    expect(buttons.map((b) => b.action_id)).toEqual([ids.extension.approve, ids.extension.reject]);
    expect(parseExtensionRef(buttons[0]?.value)).toEqual({ extensionId: request.id });
  });

  it('say who decided once decided, without buttons', () => {
    const message = buildExtensionMessage({ ...request, status: 'approved', decidedBy: 'ULEAD1', decidedAt: ends }, 'Ada');
    expect(allButtons(message.blocks)).toEqual([]);
    expect(texts(message.blocks).at(-1)).toContain(':white_check_mark: Approved by <@ULEAD1>');
  });
});

describe('the learner card’s ends', () => {
  it('say until when and what comes back, with an Extend per grant', () => {
    expect(grantLines([grant()], names)).toEqual([
      ':hourglass: Learning Pro until <!date^1796911200^{date_short_pretty} {time}|2026-12-10T14:00:00.000Z>, then back to Learning Core (granted by <@UADMIN1>)',
    ]);
    const [block] = grantButtons([grant()], names);
    expect(block && allButtons([block]).map((b) => [b.action_id, b.text.text])).toEqual([[ids.grant.extend, 'Extend Learning Pro']]);
  });
});

describe('timing in the change modal', () => {
  it('offers "apply at" and "until" in the admin’s zone, and no end for a revoke', () => {
    const types = [{ key: 'pro', name: 'Learning Pro', capacity: 10, seatsInUse: 1 }];
    const reassign = buildChangeModal({ metadata: { mode: 'reassign', timeZone: 'Europe/Berlin' }, learner: null, types });
    expect(blockIds(reassign.blocks)).toEqual(
      expect.arrayContaining([ids.timing.applyDateBlock, ids.timing.applyTimeBlock, ids.timing.untilDateBlock, ids.timing.untilTimeBlock]),
    );
    expect(texts(reassign.blocks).join('\n')).toContain('Times are in Europe/Berlin, your Slack time zone.');
    const revoke = buildChangeModal({ metadata: { mode: 'revoke', timeZone: 'Europe/Berlin' }, learner: null, types });
    expect(blockIds(revoke.blocks)).toContain(ids.timing.applyDateBlock);
    expect(blockIds(revoke.blocks)).not.toContain(ids.timing.untilDateBlock);
  });
});

describe('bulk messages with the approval policy and schedules', () => {
  it('show how many of the quorum approved, and who', () => {
    const message = buildApprovalMessage(bulkRequest({ quorum: 2, approvals: [{ by: 'ULEE', at: ends }] }), names, null);
    expect(texts(message.blocks)).toContain(':busts_in_silhouette: 1 of 2 approvals: <@ULEE>');
    expect(allButtons(message.blocks).map((b) => b.action_id)).toEqual([ids.bulkRequest.approve, ids.bulkRequest.reject]);
  });

  it('say when a scheduled change applies and until when, and that it was escalated', () => {
    const message = buildApprovalMessage(
      bulkRequest({ applyAt: ends, until: new Date('2027-01-10T14:00:00Z'), timeZone: 'UTC', escalatedAt: ends, expiresAt: ends }),
      names,
      null,
    );
    const all = texts(message.blocks).join('\n');
    expect(all).toContain(
      ':calendar: Applies Thu 10 Dec 2026, 14:00 (UTC). :hourglass: Until Sun 10 Jan 2027, 14:00 (UTC), then taken back.',
    );
    expect(all).toContain('Escalated <!date^');
  });

  it('shows a scheduled change waiting, with Cancel, before it runs', () => {
    const message = buildProgressMessage(
      bulkRequest({ status: 'approved', applyAt: ends, timeZone: 'UTC' }),
      { done: 0, total: 40, skipped: 0, failed: 0 },
      names,
    );
    expect(message.text).toBe('Bulk license change scheduled for 2026-12-10T14:00:00.000Z: 40 learners');
    expect(texts(message.blocks)[0]).toContain(':calendar: *Bulk license change scheduled* for Thu 10 Dec 2026, 14:00 (UTC)');
    expect(allButtons(message.blocks).map((b) => b.action_id)).toEqual([ids.bulkRequest.cancelJob]);
  });

  it('lists scheduled jobs first in /license jobs, each with its own Cancel', () => {
    const scheduled = bulkRequest({ status: 'approved', applyAt: ends, timeZone: 'UTC' });
    const done = bulkRequest({ id: 'e'.repeat(24), status: 'completed', until: ends });
    const message = buildJobsMessage([done, scheduled], names);
    expect(blockIds(message.blocks)).toEqual([undefined, jobActionsBlockId(REQUEST_ID), undefined]);
    expect(texts(message.blocks)[0]).toContain(':calendar: *scheduled* · 40 learners');
    expect(texts(message.blocks)[1]).toContain('*completed*');
    expect(texts(message.blocks)[1]).toContain('until <!date^');
    expect(message.text).toBe('2 recent bulk changes, 1 scheduled');
  });
});

describe('/license policy', () => {
  it('says every setting with the variable that sets it', () => {
    const message = buildPolicyMessage({
      approvalThreshold: 25,
      ttlHours: 72,
      remindAfterHours: 36,
      escalateTo: { channelId: 'CBOSS' },
      quorum: { threshold: 500, approvals: 2 },
      maxGrantDays: 180,
    });
    const all = texts(message.blocks).join('\n');
    expect(all).toContain('more than *25* learners');
    expect(all).toContain('Above *500* learners, *2* different team leads must approve');
    expect(all).toContain('After 36 h the leads who can still decide are reminded');
    expect(all).toContain('escalated to <#CBOSS> with a fresh 72 h deadline, then it expires');
    expect(all).toContain('at most *180 days*');
    const plain = buildPolicyMessage({ approvalThreshold: 25, ttlHours: 72, remindAfterHours: 36 });
    expect(texts(plain.blocks).join('\n')).toContain('it expires (APPROVAL_ESCALATE_TO is not set)');
  });
});
