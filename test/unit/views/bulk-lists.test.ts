import type { BulkProgress, BulkRequest } from '../../../src/licensing/bulk/ports.js';
import { ids, requestActionsBlockId } from '../../../src/slack/ids.js';
import { parseRequestRef } from '../../../src/slack/parsers/payloads.js';
import { slackDate } from '../../../src/slack/views/blocks.js';
import { buildJobsMessage, buildLeadsMessage, buildRequestsMessage } from '../../../src/slack/views/bulk-lists.js';
import { blockAt, blocksOfType, buttonIn, contextText, sectionText } from './block-queries.js';

const created = new Date('2024-05-01T09:00:00Z');
const expires = new Date('2024-05-03T09:00:00Z');
const names = new Map([
  ['core', 'Learning Core'],
  ['pro', 'Learning Pro'],
]);

function requestIdAt(i: number): string {
  return i.toString(16).padStart(24, 'c');
}

function progress(overrides: Partial<BulkProgress> = {}): BulkProgress {
  return { lastBatch: 0, lastLearnerId: null, total: 0, done: 0, skipped: 0, failed: 0, ...overrides };
}

function bulkRequest(overrides: Partial<BulkRequest> = {}): BulkRequest {
  return {
    id: requestIdAt(0),
    status: 'pending_approval',
    selection: { groups: [], licenseTypes: ['core'], withoutLicense: false, emails: [], excludeIds: [], excludeEmails: [] },
    change: { kind: 'reassign', from: 'core', to: 'pro' },
    reason: 'Sales moves to Pro',
    requestedBy: 'UREQ1',
    createdAt: created,
    updatedAt: created,
    preview: { matched: 130, alreadyOnTarget: 0, blocked: 10, toChange: 120, seatsNeeded: 120 },
    progress: progress(),
    ...overrides,
  };
}

function pendingRequests(count: number): BulkRequest[] {
  return Array.from({ length: count }, (_, i) => bulkRequest({ id: requestIdAt(i), reason: `Reason ${i}` }));
}

describe('buildJobsMessage', () => {
  it('says there are no bulk changes yet and how to start one', () => {
    const message = buildJobsMessage([], names);
    expect(message.text).toBe('No bulk changes yet.');
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe('No bulk changes yet. Start one with `/license bulk`.');
  });

  it('lists each change with its status, size, progress, requester and date', () => {
    const running = bulkRequest({
      status: 'running',
      change: { kind: 'add', to: 'pro' },
      progress: progress({ total: 1200, done: 1000, skipped: 30, failed: 3 }),
    });
    const pending = bulkRequest({ id: requestIdAt(1), change: { kind: 'revoke' } });
    const message = buildJobsMessage([running, pending], names);
    expect(message.text).toBe('2 recent bulk changes');
    expect(sectionText(blockAt(message.blocks, 0, 'section')).split('\n')).toEqual([
      '*Recent bulk changes*',
      `:hourglass_flowing_sand: *running* · 120 learners, add Learning Pro · 1,033/1,200 (3 failed) · <@UREQ1> ${slackDate(created)} · job ${running.id}`,
      `:lock: *pending approval* · 120 learners, revoke all licenses · <@UREQ1> ${slackDate(created)} · job ${pending.id}`,
    ]);
  });

  it('escapes license type names', () => {
    const odd = new Map([['pro', '<!channel> Pro']]);
    const message = buildJobsMessage([bulkRequest({ change: { kind: 'add', to: 'pro' } })], odd);
    expect(sectionText(blockAt(message.blocks, 0, 'section')).split('\n')[1]).toMatch(/, add &lt;!channel&gt; Pro · /);
  });

  it('keeps a long list within one section’s 3,000 characters', () => {
    const message = buildJobsMessage(pendingRequests(100), names);
    expect(message.blocks).toHaveLength(1);
    expect(sectionText(blockAt(message.blocks, 0, 'section')).length).toBeLessThanOrEqual(3000);
  });
});

describe('buildRequestsMessage', () => {
  it('lists the requests without buttons for someone who may not decide them', () => {
    const message = buildRequestsMessage(pendingRequests(2), names, { withButtons: false });
    expect(message.blocks.filter((block) => block.type === 'actions')).toEqual([]);
    expect(message.blocks.filter((block) => block.type === 'section')).toHaveLength(3);
  });

  it('says nothing is waiting when there are no pending requests', () => {
    const message = buildRequestsMessage([], names, { withButtons: true });
    expect(message.text).toBe('No bulk changes are waiting for approval.');
    expect(message.blocks).toHaveLength(1);
    expect(blocksOfType(message.blocks, 'actions')).toHaveLength(0);
  });

  it('gives every request its own Approve / Reject row with a unique block id and its own id in the values', () => {
    const requests = pendingRequests(3);
    const message = buildRequestsMessage(requests, names, { withButtons: true });
    const rows = blocksOfType(message.blocks, 'actions');
    expect(rows.map((r) => r.block_id)).toEqual(requests.map((r) => requestActionsBlockId(r.id)));
    expect(new Set(rows.map((r) => r.block_id)).size).toBe(3);
    for (const [i, row] of rows.entries()) {
      expect(parseRequestRef(buttonIn(row, ids.bulkRequest.approve).value)).toEqual({ requestId: requests[i]?.id });
      expect(parseRequestRef(buttonIn(row, ids.bulkRequest.reject).value)).toEqual({ requestId: requests[i]?.id });
    }
  });

  it('describes each request above its buttons, with the escaped reason and the expiry', () => {
    const message = buildRequestsMessage([bulkRequest({ reason: 'Because <@U999>', expiresAt: expires })], names, { withButtons: true });
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe('*Waiting for approval (1)*');
    expect(sectionText(blockAt(message.blocks, 1, 'section'))).toBe(
      '<@UREQ1> asks to change *120* learners: from Learning Core to Learning Pro.\n' +
        `*Reason:* Because &lt;@U999&gt;\nExpires ${slackDate(expires)}`,
    );
    expect(blockAt(message.blocks, 2, 'actions').block_id).toBe(requestActionsBlockId(requestIdAt(0)));
  });

  it('shows at most 15 requests and says how many more are waiting', () => {
    const requests = pendingRequests(20);
    const message = buildRequestsMessage(requests, names, { withButtons: true });
    const rows = blocksOfType(message.blocks, 'actions');
    expect(rows).toHaveLength(15);
    expect(rows.at(-1)?.block_id).toBe(requestActionsBlockId(requestIdAt(14)));
    expect(contextText(blockAt(message.blocks, message.blocks.length - 1, 'context'))).toBe('5 more are waiting.');
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(message.text).toBe('20 bulk changes are waiting for approval');
  });

  it('adds no "more" line for exactly 15 requests', () => {
    const message = buildRequestsMessage(pendingRequests(15), names, { withButtons: true });
    expect(blocksOfType(message.blocks, 'context')).toHaveLength(0);
  });
});

describe('buildLeadsMessage', () => {
  it('says there are no team leads and how to add one', () => {
    const message = buildLeadsMessage([]);
    expect(message.text).toBe('No team leads yet.');
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(
      'No team leads yet. Add one with `/license leads add @person [group …]` or LICENSE_APPROVERS.',
    );
  });

  it('lists each lead with their escaped groups, or any group, and marks leads from config', () => {
    const message = buildLeadsMessage([
      { userId: 'ULEAD1', groups: ['Sales', 'R&D <team>'], fromConfig: false },
      { userId: 'ULEAD2', groups: [], fromConfig: true },
    ]);
    expect(sectionText(blockAt(message.blocks, 0, 'section')).split('\n')).toEqual([
      '*Team leads who approve bulk changes*',
      '• <@ULEAD1> — groups: Sales, R&amp;D &lt;team&gt;',
      '• <@ULEAD2> — any group _(from LICENSE_APPROVERS)_',
    ]);
    expect(message.text).toBe('Team leads: ULEAD1, ULEAD2');
  });
});
