import type { ReclaimSummary } from '../../../src/licensing/reclaim/reclaim.js';
import { ids } from '../../../src/slack/ids.js';
import { parseReclaimAskRef, parseReclaimStartRef, parseRequestRef } from '../../../src/slack/parsers/payloads.js';
import { buildCompletionNotice } from '../../../src/slack/views/bulk-messages.js';
import {
  buildReclaimAnsweredMessage,
  buildReclaimAskMessage,
  buildReclaimSummary,
  buildUsageModal,
} from '../../../src/slack/views/reclaim.js';
import { blockById } from './block-queries.js';

const T = new Date('2026-06-01T09:00:00Z');
const type = (key: string, name: string, seatsInUse: number) => ({ key, name, capacity: 100, seatsInUse });

function summary(overrides: Partial<ReclaimSummary> = {}): ReclaimSummary {
  return {
    idleDays: 60,
    askFirst: false,
    types: [
      { type: type('pro', 'Learning <Pro>', 40), idle: 12, neverStarted: 5, price: 420, yearlyCost: 5_040 },
      { type: type('core', 'Learning Core', 80), idle: 0, neverStarted: 0, price: 100, yearlyCost: 0 },
    ],
    seats: 12,
    yearlyCost: 5_040,
    lastImport: {
      id: 'r1',
      fileName: 'summary.csv',
      format: 'linkedin_learner_summary',
      importedAt: T,
      importedBy: 'U1',
      source: 'slack',
      periodEnd: T,
      rows: 3,
      learners: 3,
      matched: 3,
      unknownEmails: 0,
      status: 'completed',
    },
    openRounds: [],
    ...overrides,
  };
}

describe('the reclaim views', () => {
  it('show each type’s idle seats and yearly cost, escaped, with Reclaim and a cheaper move for admins', () => {
    const message = buildReclaimSummary(summary(), { canReclaim: true });
    const pro = blockById(message.blocks, `${ids.reclaim.start}_pro`, 'section');
    expect(pro.text?.text).toBe('*Learning &lt;Pro&gt;*: 12 idle of 40 in use (5 never started) · 5,040 a year');
    expect(pro.accessory).toMatchObject({ type: 'button', action_id: ids.reclaim.start, text: { text: 'Reclaim' }, style: 'danger' });
    expect(parseReclaimStartRef((pro.accessory as { value?: string }).value)).toEqual({ type: 'pro' });
    const move = blockById(message.blocks, `${ids.reclaim.start}_move_pro`, 'actions');
    expect(parseReclaimStartRef((move.elements[0] as { value?: string }).value)).toEqual({ type: 'pro', to: 'core' });
    expect(message.text).toBe('12 idle seats (5,040 a year)');
  });

  it('show no buttons to people who are not admins, and ask for a usage report when none was imported', () => {
    const plain = buildReclaimSummary(summary(), { canReclaim: false });
    expect(JSON.stringify(plain.blocks)).not.toContain(ids.reclaim.start);
    const none = buildReclaimSummary(summary({ lastImport: null }), { canReclaim: true });
    expect(none.text).toContain('No usage report has been imported yet');
  });

  it('ask the learner with Keep and Release carrying the round and the learner', () => {
    const message = buildReclaimAskMessage(
      {
        kind: 'reclaim_ask',
        roundId: 'a'.repeat(24),
        learnerId: 'b'.repeat(24),
        learnerName: 'Ada <b>',
        licenseType: 'pro',
        graceEndsAt: T,
      },
      new Map([['pro', 'Learning Pro']]),
    );
    expect(message.text).toBe(`Do you still need your Learning Pro license? Answer by ${T.toISOString()}.`);
    const row = blockById(message.blocks, ids.reclaim.askBlock, 'actions');
    expect(row.elements.map((e) => (e as { action_id: string }).action_id)).toEqual([ids.reclaim.keep, ids.reclaim.release]);
    expect(parseReclaimAskRef((row.elements[1] as { value?: string }).value)).toEqual({
      roundId: 'a'.repeat(24),
      learnerId: 'b'.repeat(24),
    });
    expect(JSON.stringify(message.blocks)).toContain('Ada &lt;b&gt;');
    expect(buildReclaimAnsweredMessage({ answer: 'release', typeName: 'Learning Pro', round: {} as never }).text).toContain('was released');
  });

  it('offer Undo on a finished job’s notice only when asked to, behind a confirmation', () => {
    const request = {
      id: 'c'.repeat(24),
      status: 'completed' as const,
      selection: { groups: [], licenseTypes: [], withoutLicense: false, emails: [], excludeIds: [], excludeEmails: [] },
      change: { kind: 'revoke' as const },
      reason: 'r',
      requestedBy: 'U1',
      createdAt: T,
      updatedAt: T,
      preview: { matched: 1, alreadyOnTarget: 0, blocked: 0, toChange: 1, seatsNeeded: 0 },
      progress: { lastBatch: 1, lastLearnerId: null, total: 1, done: 1, skipped: 0, failed: 0 },
    };
    const summaryOf = { requestId: request.id, status: 'completed' as const, done: 1, total: 1, skipped: 0, failed: 0 };
    const withUndo = buildCompletionNotice(request, summaryOf, [], new Map(), undefined, { undo: true });
    const row = blockById(withUndo.blocks, ids.undo.jobActionsBlock, 'actions');
    const undo = row.elements[0] as { action_id: string; value?: string; confirm?: unknown };
    expect(undo.action_id).toBe(ids.undo.job);
    expect(parseRequestRef(undo.value)).toEqual({ requestId: request.id });
    expect(undo.confirm).toBeDefined();
    expect(JSON.stringify(buildCompletionNotice(request, summaryOf, [], new Map()).blocks)).not.toContain(ids.undo.job);
    const undoNotice = buildCompletionNotice({ ...request, undo: { of: 'd'.repeat(24) } }, summaryOf, [], new Map());
    expect(undoNotice.blocks[0]).toMatchObject({ text: { text: expect.stringContaining(`undo of job ${'d'.repeat(24)}`) } });
  });

  it('give /license usage a form with one CSV upload and the latest imports, their file names escaped', () => {
    const modal = buildUsageModal([
      {
        id: 'i1',
        fileName: '*summary*.csv',
        format: 'linkedin_learner_summary',
        importedAt: new Date('2026-12-01T10:00:00Z'),
        importedBy: 'UADMIN1',
        source: 'slack',
        periodEnd: new Date('2026-11-30T00:00:00Z'),
        rows: 1300,
        learners: 1250,
        matched: 1200,
        unknownEmails: 50,
        status: 'completed',
      },
    ]);
    expect(modal.callback_id).toBe(ids.usageModal.callback);
    const input = modal.blocks.find((b) => b.block_id === ids.usageModal.fileBlock) as { type: string; element: unknown };
    expect(input).toMatchObject({
      type: 'input',
      element: { type: 'file_input', action_id: ids.usageModal.fileInput, filetypes: ['csv'], max_files: 1 },
    });
    const last = modal.blocks[modal.blocks.length - 1] as { text: { text: string } };
    expect(last.text.text).toMatch(/^\*Latest imports\*\n• .* ∗summary∗\.csv: 1,200 learners$/);
  });
});
