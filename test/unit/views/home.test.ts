import type { BulkRequest } from '../../../src/licensing/bulk/ports.js';
import type { AdminHome, Home } from '../../../src/licensing/home/home.js';
import type { Learner, LicenseType } from '../../../src/licensing/model.js';
import type { RecentChange } from '../../../src/licensing/ports.js';
import type { LicenseRequest } from '../../../src/licensing/self-service/ports.js';
import { ids, jobActionsBlockId, licenseRequestActionsBlockId, releaseBlockId, requestActionsBlockId } from '../../../src/slack/ids.js';
import { parseLicenseTypeRef, parseRequestRef } from '../../../src/slack/parsers/payloads.js';
import { buildHomeView, changeText, seatLine, utilisationBar } from '../../../src/slack/views/home.js';
import { allButtons, blockById, blockIds, buttonsOf, sectionText, texts } from './block-queries.js';

const at = new Date('2024-05-01T09:00:00Z');
const names = new Map([
  ['pro', 'Learning Pro'],
  ['core', 'Learning Core'],
  ['coach', 'Coaching'],
]);

function type(overrides: Partial<LicenseType>): LicenseType {
  return { key: 'pro', name: 'Learning Pro', capacity: 100, seatsInUse: 40, ...overrides };
}

function bulk(id: string, overrides: Partial<BulkRequest> = {}): BulkRequest {
  return {
    id,
    status: 'pending_approval',
    selection: { groups: ['Sales'], licenseTypes: [], withoutLicense: false, emails: [], excludeIds: [], excludeEmails: [] },
    change: { kind: 'reassign', from: 'core', to: 'pro' },
    reason: 'Sales <moves> to Pro',
    requestedBy: 'UREQ1',
    createdAt: at,
    updatedAt: at,
    expiresAt: at,
    preview: { matched: 12, alreadyOnTarget: 0, blocked: 0, toChange: 12, seatsNeeded: 12 },
    progress: { lastBatch: 0, lastLearnerId: null, total: 0, done: 0, skipped: 0, failed: 0 },
    ...overrides,
  };
}

const licenseRequest: LicenseRequest = {
  id: 'cccccccccccccccccccccccc',
  status: 'pending',
  learnerId: 'dddddddddddddddddddddddd',
  learnerEmail: 'ana@example.com',
  requestedBy: 'ULEARN1',
  licenseType: 'coach',
  reason: 'pilot *now*',
  createdAt: at,
  attempt: 1,
};

const change: RecentChange = {
  opId: 'op1',
  change: { kind: 'reassign', from: 'core', to: 'pro' },
  actor: 'UADMIN1',
  source: 'slack',
  reason: 'r',
  at,
  applied: 1,
  failed: 0,
  firstEmail: 'ana@example.com',
};

function adminHome(overrides: Partial<AdminHome> = {}): AdminHome {
  return {
    types: [
      type({}),
      type({ key: 'core', name: 'Learning Core', capacity: null, seatsInUse: 3000 }),
      type({ key: 'coach', name: 'Coaching', capacity: 20, seatsInUse: 18 }),
    ],
    approvals: [
      { request: bulk('a'.repeat(24)), canDecide: true },
      { request: bulk('b'.repeat(24)), canDecide: false },
    ],
    licenseRequests: [licenseRequest],
    activeJobs: [
      bulk('e'.repeat(24), {
        status: 'running',
        progress: { lastBatch: 2, lastLearnerId: null, total: 12, done: 5, skipped: 1, failed: 0 },
      }),
    ],
    recentJobs: [bulk('f'.repeat(24), { status: 'completed' })],
    changes: [change],
    ...overrides,
  };
}

const home = (parts: Partial<Home>): Home => ({ userId: 'U1', typeNames: names, ...parts });

describe('the App Home builder', () => {
  it('draws utilisation as ten steps and marks types at 90 % or more', () => {
    expect(utilisationBar(40, 100)).toBe('`▰▰▰▰▱▱▱▱▱▱` 40%');
    expect(seatLine(type({ capacity: 20, seatsInUse: 18, name: 'Coaching' }))).toBe(
      '*Coaching* `▰▰▰▰▰▰▰▰▰▱` 90% — 18 of 20 in use · 2 free :warning: *nearly full*',
    );
    expect(seatLine(type({ capacity: 100, seatsInUse: 89 }))).not.toContain('nearly full');
    expect(seatLine(type({ capacity: null, seatsInUse: 3000, name: 'Core <b>' }))).toBe('*Core &lt;b&gt;* — 3,000 in use · unlimited');
    expect(seatLine(type({ capacity: 0, seatsInUse: 0 }))).toContain(':warning: *nearly full*');
  });

  it('gives an admin their buttons, seats, approvals (buttons only where they may decide), requests, jobs and changes', () => {
    const view = buildHomeView(home({ admin: adminHome() }));

    expect(view.type).toBe('home');
    expect(buttonsOf(blockById(view.blocks, ids.home.adminActionsBlock, 'actions')).map((b) => b.text.text)).toEqual([
      'Reassign a learner',
      'Bulk change',
      'Export learners (CSV)',
    ]);
    expect(sectionText(blockById(view.blocks, ids.home.seatsBlock, 'section'))).toContain('*Coaching* `▰▰▰▰▰▰▰▰▰▱` 90%');
    const approve = buttonsOf(blockById(view.blocks, requestActionsBlockId('a'.repeat(24)), 'actions'));
    expect(approve.map((b) => [b.action_id, parseRequestRef(b.value)?.requestId])).toEqual([
      [ids.bulkRequest.approve, 'a'.repeat(24)],
      [ids.bulkRequest.reject, 'a'.repeat(24)],
    ]);
    expect(blockIds(view.blocks)).not.toContain(requestActionsBlockId('b'.repeat(24)));
    expect(texts(view.blocks).join('\n')).toContain('*Reason:* Sales &lt;moves&gt; to Pro');
    expect(buttonsOf(blockById(view.blocks, licenseRequestActionsBlockId(licenseRequest.id), 'actions')).map((b) => b.action_id)).toEqual([
      ids.licenseRequest.approve,
      ids.licenseRequest.deny,
    ]);
    expect(texts(view.blocks).join('\n')).toContain('<@ULEARN1> (ana@example.com) asks for *Coaching*');
    expect(buttonsOf(blockById(view.blocks, jobActionsBlockId('e'.repeat(24)), 'actions')).map((b) => b.action_id)).toEqual([
      ids.bulkRequest.cancelJob,
    ]);
    expect(texts(view.blocks).join('\n')).toContain('*running*: from Learning Core to Learning Pro — 6 / 12 (5 changed, 0 failed)');
    expect(sectionText(blockById(view.blocks, ids.home.recentJobsBlock, 'section'))).toContain('*completed*');
    expect(sectionText(blockById(view.blocks, ids.home.changesBlock, 'section'))).toContain(
      '• ana@example.com: from Learning Core to Learning Pro',
    );
  });

  it('shows the learning platform’s state to admins when sync is on', () => {
    const paused = buildHomeView(
      home({
        admin: adminHome({ sync: { description: 'SCIM at https://lms', paused: true, pauseReason: 'HTTP 401', pending: 3, dead: 1 } }),
      }),
    );
    const waiting = buildHomeView(
      home({ admin: adminHome({ sync: { description: 'SCIM at https://lms', paused: false, pending: 3, dead: 0 } }) }),
    );

    expect(sectionText(blockById(paused.blocks, ids.home.syncBlock, 'section'))).toBe(
      '*Learning platform* (SCIM at https://lms): :double_vertical_bar: *paused*: HTTP 401 · :warning: 1 refused by the platform (`/license sync`)',
    );
    expect(sectionText(blockById(waiting.blocks, ids.home.syncBlock, 'section'))).toBe(
      '*Learning platform* (SCIM at https://lms): 3 changes waiting',
    );
    expect(blockIds(buildHomeView(home({ admin: adminHome() })).blocks)).not.toContain(ids.home.syncBlock);
  });

  it('describes one change by its learner and a batch by its count, with who and from where', () => {
    expect(changeText({ ...change, applied: 1000, source: 'bulk:abc', actor: 'UREQ1' }, names)).toMatch(
      /^1,000 learners: from Learning Core to Learning Pro · by <@UREQ1> \(bulk change\) <!date\^/,
    );
    expect(changeText({ ...change, change: { kind: 'release', from: 'coach' }, actor: 'ULEARN1' }, names)).toMatch(
      /^ana@example\.com: released Coaching · by <@ULEARN1> \(slack\)/,
    );
    expect(changeText({ ...change, actor: 'bench:seed', source: 'import' }, names)).toContain('· by bench:seed (import)');
  });

  it('gives a team lead their queue with buttons and says which groups they lead', () => {
    const view = buildHomeView(home({ lead: { approvals: [bulk('a'.repeat(24))], groups: ['Sales', 'Support'] } }));

    expect(sectionText(blockById(view.blocks, ids.home.leadBlock, 'section'))).toContain('for the groups Sales, Support');
    expect(allButtons(view.blocks).map((b) => b.action_id)).toEqual([ids.bulkRequest.approve, ids.bulkRequest.reject]);
  });

  it('gives a learner a Release button per license, with a confirmation, and Request a license when there is something to ask for', () => {
    const learner: Learner = {
      id: 'l1',
      email: 'ana@example.com',
      name: 'Ana',
      groups: [],
      status: 'active',
      licenseTypes: ['pro', 'coach'],
      version: 2,
    };
    const view = buildHomeView(
      home({
        learner: {
          learner,
          licenses: [{ key: 'pro', since: at }, { key: 'coach' }],
          openRequests: [{ ...licenseRequest, licenseType: 'core' }],
          requestable: [type({ key: 'core' })],
        },
      }),
    );

    const pro = blockById(view.blocks, releaseBlockId('pro'), 'section');
    expect(pro.text?.text).toBe('*Learning Pro* — since <!date^1714554000^{date_short_pretty} {time}|2024-05-01T09:00:00.000Z>');
    expect(pro.accessory).toMatchObject({ action_id: ids.home.releaseLicense, confirm: { confirm: { text: 'Release it' } } });
    expect(parseLicenseTypeRef((pro.accessory as { value?: string }).value)).toEqual({ licenseType: 'pro' });
    expect(blockById(view.blocks, releaseBlockId('coach'), 'section').text?.text).toBe('*Coaching*');
    expect(texts(view.blocks).join('\n')).toContain(':hourglass: You asked for *Learning Core*');
    expect(buttonsOf(blockById(view.blocks, ids.home.learnerActionsBlock, 'actions')).map((b) => b.action_id)).toEqual([
      ids.home.requestLicense,
    ]);

    const nothingLeft = buildHomeView(home({ learner: { learner, licenses: [], openRequests: [], requestable: [] } }));
    expect(blockIds(nothingLeft.blocks)).not.toContain(ids.home.learnerActionsBlock);
    expect(texts(nothingLeft.blocks)).toContain('You hold no learning license right now.');
  });

  it('tells anyone else what the bot is and names the admins', () => {
    const view = buildHomeView(home({ about: { admins: ['UADMIN1', 'UADMIN2'] } }));
    expect(texts(view.blocks)).toContain('*License admins:* <@UADMIN1>, <@UADMIN2>');
    expect(texts(buildHomeView(home({ about: { admins: [] } })).blocks)).toContain('*License admins:* nobody yet (set LICENSE_ADMINS)');
  });

  it('stays within Slack’s 100 blocks however much is waiting, and says so', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ request: bulk(i.toString(16).padStart(24, '0')), canDecide: true }));
    const view = buildHomeView(home({ admin: adminHome({ approvals: many }) }));
    expect(view.blocks).toHaveLength(100);
    expect(texts(view.blocks).at(-1)).toContain('More is waiting than fits here');
  });
});
