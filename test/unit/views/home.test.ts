import type { BulkRequest } from '../../../src/licensing/bulk/ports.js';
import type { AdminHome, Home } from '../../../src/licensing/home/home.js';
import type { Learner, LicenseType } from '../../../src/licensing/model.js';
import type { RecentChange } from '../../../src/licensing/ports.js';
import type { ReclaimSummary, ReclaimTypeSummary } from '../../../src/licensing/reclaim/reclaim.js';
import type { LicenseRequest } from '../../../src/licensing/self-service/ports.js';
import {
  askExtendBlockId,
  extendBlockId,
  ids,
  jobActionsBlockId,
  licenseRequestActionsBlockId,
  releaseBlockId,
  requestActionsBlockId,
  undoJobBlockId,
} from '../../../src/slack/ids.js';
import { parseLicenseTypeRef, parseReclaimStartRef, parseRequestRef } from '../../../src/slack/parsers/payloads.js';
import { parseGrantTarget } from '../../../src/slack/parsers/timing.js';
import { buildHomeView, changeText, seatLine, utilisationBar } from '../../../src/slack/views/home.js';
import { grantFixture } from '../../support/schedule-fixtures.js';
import { accessoryButton, allButtons, blockById, blockIds, buttonsOf, sectionText, texts } from './block-queries.js';

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
    scheduled: [],
    recentJobs: [{ job: bulk('f'.repeat(24), { status: 'completed' }), undoable: false }],
    endingSoon: { groups: [], more: false, withinDays: 7 },
    changes: [change],
    ...overrides,
  };
}

const home = (parts: Partial<Home>): Home => ({ userId: 'U1', typeNames: names, ...parts });

/** An active learner holding `licenseTypes`. */
function ana(licenseTypes: string[]): Learner {
  return { id: 'l1', email: 'ana@example.com', name: 'Ana', groups: [], status: 'active', licenseTypes, version: 2 };
}

function reclaimRow(key: string, name: string, idle: number, price: number | null, seatsInUse = 100): ReclaimTypeSummary {
  return {
    type: type({ key, name, seatsInUse }),
    idle,
    neverStarted: Math.floor(idle / 2),
    price,
    yearlyCost: price === null ? null : idle * price,
  };
}

function reclaimSummary(types: ReclaimTypeSummary[], overrides: Partial<ReclaimSummary> = {}): ReclaimSummary {
  return {
    idleDays: 60,
    askFirst: false,
    types,
    seats: types.reduce((sum, t) => sum + t.idle, 0),
    yearlyCost: types.reduce((sum, t) => sum + (t.yearlyCost ?? 0), 0),
    lastImport: {
      id: 'imp1',
      fileName: 'learner-summary.csv',
      format: 'linkedin_learner_summary',
      importedAt: at,
      importedBy: 'UADMIN1',
      source: 'slack',
      periodEnd: at,
      rows: 10,
      learners: 10,
      matched: 10,
      unknownEmails: 0,
      status: 'completed',
    },
    openRounds: [],
    ...overrides,
  };
}

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
    expect(sectionText(blockById(view.blocks, ids.home.recentJobsBlock, 'section'))).toBe('*Recent bulk changes*');
    expect(texts(view.blocks).join('\n')).toContain('• *completed*: from Learning Core to Learning Pro');
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
    const learner = ana(['pro', 'coach']);
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

  it('lists scheduled changes with Cancel, and Undo beside the finished jobs that still offer it', () => {
    const scheduled = bulk('1'.repeat(24), { status: 'approved', applyAt: new Date('2024-05-03T07:00:00Z'), timeZone: 'Europe/Berlin' });
    const undoable = bulk('2'.repeat(24), {
      status: 'completed',
      progress: { lastBatch: 1, lastLearnerId: null, total: 12, done: 12, skipped: 0, failed: 0 },
    });
    const undone = bulk('3'.repeat(24), { status: 'completed', undoneBy: '4'.repeat(24) });
    const view = buildHomeView(
      home({
        admin: adminHome({
          scheduled: [scheduled],
          recentJobs: [
            { job: undoable, undoable: true },
            { job: undone, undoable: false },
          ],
        }),
      }),
    );

    expect(sectionText(blockById(view.blocks, ids.home.scheduledBlock, 'section'))).toBe('*Scheduled* (1)');
    const cancel = buttonsOf(blockById(view.blocks, jobActionsBlockId(scheduled.id), 'actions'));
    expect(cancel.map((b) => [b.action_id, parseRequestRef(b.value)?.requestId, b.confirm?.text.text])).toEqual([
      [ids.bulkRequest.cancelJob, scheduled.id, 'Nothing has changed yet; it will not run.'],
    ]);
    expect(texts(view.blocks).join('\n')).toContain(':calendar: *scheduled* · 12 learners, from Learning Core to Learning Pro · <@UREQ1>');
    expect(texts(view.blocks).join('\n')).toContain(':calendar: Applies Fri 3 May 2024, 09:00 (Europe/Berlin).');

    const undo = blockById(view.blocks, undoJobBlockId(undoable.id), 'section');
    expect(sectionText(undo)).toMatch(/^• \*completed\*: from Learning Core to Learning Pro — 12 \/ 12 \(12 changed, 0 failed\)/);
    expect(accessoryButton(undo)).toMatchObject({ action_id: ids.undo.job, confirm: { confirm: { text: 'Undo' } } });
    expect(parseRequestRef(accessoryButton(undo).value)?.requestId).toBe(undoable.id);
    // Undone already: listed, saying by which job, with no second Undo.
    expect(blockIds(view.blocks)).not.toContain(undoJobBlockId(undone.id));
    expect(texts(view.blocks).join('\n')).toContain(`· undo: job ${'4'.repeat(24)}`);
    // Nothing scheduled: no Scheduled heading.
    expect(blockIds(buildHomeView(home({ admin: adminHome() })).blocks)).not.toContain(ids.home.scheduledBlock);
  });

  it('lists time-bound licenses ending soon, a learner’s own or a bulk change’s together, each with Extend', () => {
    const own = grantFixture({
      id: `${'6'.repeat(24)}:${'7'.repeat(24)}`,
      learnerId: '7'.repeat(24),
      email: 'ana@example.com',
      endsAt: new Date('2024-05-02T16:00:00Z'),
    });
    const bulkGrant = grantFixture({
      id: `bulk:${'5'.repeat(24)}:1:${'8'.repeat(24)}`,
      learnerId: '8'.repeat(24),
      requestId: '5'.repeat(24),
      added: ['coach'],
      removed: [],
    });
    const view = buildHomeView(
      home({
        admin: adminHome({
          endingSoon: {
            groups: [
              { grant: own, learners: 1 },
              { grant: bulkGrant, learners: 1200 },
            ],
            more: true,
            withinDays: 7,
          },
        }),
      }),
    );

    expect(sectionText(blockById(view.blocks, ids.home.endingBlock, 'section'))).toBe('*Time-bound licenses ending within 7 days*');
    const single = blockById(view.blocks, extendBlockId({ grantId: own.id }), 'section');
    expect(sectionText(single)).toBe(
      '*ana@example.com*: Learning Pro until <!date^1714665600^{date_short_pretty} {time}|2024-05-02T16:00:00.000Z>, then back to Learning Core (granted by <@UADMIN1>)',
    );
    expect(accessoryButton(single)).toMatchObject({ action_id: ids.grant.extend, text: { text: 'Extend' } });
    expect(parseGrantTarget(accessoryButton(single).value)).toEqual({ grantId: own.id });
    const together = blockById(view.blocks, extendBlockId({ requestId: '5'.repeat(24) }), 'section');
    expect(sectionText(together)).toMatch(new RegExp(`^\\*1,200 learners\\* of bulk change ${'5'.repeat(24)}: Coaching until <!date`));
    expect(accessoryButton(together)).toMatchObject({ action_id: ids.grant.extend, text: { text: 'Extend all 1,200' } });
    expect(parseGrantTarget(accessoryButton(together).value)).toEqual({ requestId: '5'.repeat(24) });
    expect(texts(view.blocks).join('\n')).toContain('More end within the week');

    const none = buildHomeView(home({ admin: adminHome() }));
    expect(sectionText(blockById(none.blocks, ids.home.endingBlock, 'section'))).toBe('*Time-bound licenses ending within 7 days*: none.');
  });

  it('shows admins the idle seats per type, costliest first, with Reclaim, from the latest count', () => {
    const summary = reclaimSummary([
      reclaimRow('core', 'Learning Core', 30, 100),
      reclaimRow('pro', 'Learning Pro', 12, 420),
      reclaimRow('coach', 'Coaching', 0, 900),
      ...Array.from({ length: 6 }, (_, i) => reclaimRow(`x${i}`, `Extra ${i}`, 1 + i, null)),
    ]);
    const view = buildHomeView(home({ admin: adminHome({ reclaim: { summary, countedAt: at, counting: true } }) }));

    expect(sectionText(blockById(view.blocks, ids.home.reclaimBlock, 'section'))).toBe(
      '*Idle seats* — holders idle more than 60 days or who never started\n*63* seats · *8,040* a year',
    );
    const pro = blockById(view.blocks, `${ids.reclaim.start}_pro`, 'section');
    expect(sectionText(pro)).toBe('*Learning Pro*: 12 idle of 100 in use (6 never started) · 5,040 a year');
    expect(accessoryButton(pro)).toMatchObject({ action_id: ids.reclaim.start, text: { text: 'Reclaim' } });
    expect(parseReclaimStartRef(accessoryButton(pro).value)).toEqual({ type: 'pro' });
    // Pro costs more than Core, the cheapest priced type: its holders can be moved there instead.
    expect(
      buttonsOf(blockById(view.blocks, `${ids.reclaim.start}_move_pro`, 'actions')).map((b) => [
        b.text.text,
        parseReclaimStartRef(b.value),
      ]),
    ).toEqual([['Move them to Learning Core', { type: 'pro', to: 'core' }]]);
    // Costliest first, types without idle seats left out, five at most.
    const shown = view.blocks.flatMap((b) => (b.block_id?.startsWith(`${ids.reclaim.start}_`) && b.type === 'section' ? [b.block_id] : []));
    expect(shown).toEqual(['pro', 'core', 'x5', 'x4', 'x3'].map((key) => `${ids.reclaim.start}_${key}`));
    const all = texts(view.blocks).join('\n');
    expect(all).toContain('3 more types have idle seats: `/license reclaim` lists them all.');
    expect(all).toContain(
      'Counted <!date^1714554000^{date_short_pretty} {time}|2024-05-01T09:00:00.000Z>, counting again · usage imported',
    );
  });

  it('says the idle seats are being counted, could not be counted, or need a usage report', () => {
    const reclaimBlocks = (reclaim: NonNullable<AdminHome['reclaim']>) => buildHomeView(home({ admin: adminHome({ reclaim }) })).blocks;
    const reclaimText = (reclaim: NonNullable<AdminHome['reclaim']>) => texts(reclaimBlocks(reclaim));

    expect(reclaimText({ summary: null, counting: true })).toContain(
      '*Idle seats*: counting… This Home is updated when the count is ready.',
    );
    expect(reclaimText({ summary: null, counting: false })).toContain(
      '*Idle seats* could not be counted just now; `/license reclaim` counts them.',
    );
    const noUsage = reclaimBlocks({
      summary: reclaimSummary([reclaimRow('pro', 'Learning Pro', 3, null)], { lastImport: null }),
      countedAt: at,
      counting: false,
    });
    expect(texts(noUsage).join('\n')).toContain('No usage report has been imported yet');
    expect(blockIds(noUsage)).not.toContain(`${ids.reclaim.start}_pro`);
    expect(blockIds(buildHomeView(home({ admin: adminHome() })).blocks)).not.toContain(ids.home.reclaimBlock);
  });

  it('tells a learner when a time-bound license ends, in their own time zone, with Ask for more time', () => {
    const learner = ana(['pro']);
    const grant = grantFixture({
      id: `${'6'.repeat(24)}:${'7'.repeat(24)}`,
      learnerId: '7'.repeat(24),
      endsAt: new Date('2024-05-02T16:00:00Z'),
    });
    const view = buildHomeView(
      home({ learner: { learner, licenses: [{ key: 'pro', since: at, grant }], openRequests: [], requestable: [] } }),
    );

    expect(sectionText(blockById(view.blocks, releaseBlockId('pro'), 'section'))).toBe(
      '*Learning Pro* — since <!date^1714554000^{date_short_pretty} {time}|2024-05-01T09:00:00.000Z>\n:hourglass: Ends <!date^1714665600^{date_short_pretty} {time}|2024-05-02T16:00:00.000Z>; you then get Learning Core back.',
    );
    const ask = buttonsOf(blockById(view.blocks, askExtendBlockId(grant.id), 'actions'));
    expect(ask.map((b) => [b.action_id, b.text.text, parseGrantTarget(b.value)])).toEqual([
      [ids.grant.askExtend, 'Ask for more time', { grantId: grant.id }],
    ]);
  });

  it('never repeats a block id, even for an admin who is also the learner whose license ends', () => {
    const grant = grantFixture({ id: `${'6'.repeat(24)}:${'7'.repeat(24)}`, learnerId: '7'.repeat(24) });
    const view = buildHomeView(
      home({
        admin: adminHome({
          scheduled: [bulk('1'.repeat(24), { status: 'approved', applyAt: at })],
          recentJobs: [{ job: bulk('2'.repeat(24), { status: 'completed' }), undoable: true }],
          endingSoon: { groups: [{ grant, learners: 1 }], more: false, withinDays: 7 },
          reclaim: {
            summary: reclaimSummary([reclaimRow('pro', 'Learning Pro', 3, 420), reclaimRow('core', 'Learning Core', 5, 100)]),
            counting: false,
          },
        }),
        learner: { learner: ana(['pro']), licenses: [{ key: 'pro', grant }], openRequests: [], requestable: [type({ key: 'core' })] },
      }),
    );

    const defined = blockIds(view.blocks).filter((id): id is string => id !== undefined);
    expect(new Set(defined).size).toBe(defined.length);
    expect(defined).toEqual(expect.arrayContaining([extendBlockId({ grantId: grant.id }), askExtendBlockId(grant.id)]));
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
