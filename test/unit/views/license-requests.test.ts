import type { LicenseType } from '../../../src/licensing/model.js';
import type { LicenseRequest } from '../../../src/licensing/self-service/ports.js';
import { ids, licenseRequestActionsBlockId } from '../../../src/slack/ids.js';
import { parseRequestRef } from '../../../src/slack/parsers/payloads.js';
import {
  buildAlreadyDecidedNotice,
  buildLicenseRequestDecisionReply,
  buildLicenseRequestMessage,
  buildLicenseRequestModal,
} from '../../../src/slack/views/license-requests.js';
import { allButtons, blockById, contextText, inputElement, optionPairs, sectionText } from './block-queries.js';

const at = new Date('2024-05-01T09:00:00Z');
const names = new Map([['coach', 'Coaching']]);
const coach: LicenseType = { key: 'coach', name: 'Coaching', capacity: 5, seatsInUse: 2 };
const request: LicenseRequest = {
  id: 'cccccccccccccccccccccccc',
  status: 'pending',
  learnerId: 'dddddddddddddddddddddddd',
  learnerEmail: 'ana@example.com',
  requestedBy: 'ULEARN1',
  licenseType: 'coach',
  reason: 'team <pilot>',
  createdAt: at,
  attempt: 1,
};

describe('license request views', () => {
  it('offers the learner the types with their free seats and asks why', () => {
    const modal = buildLicenseRequestModal([coach, { key: 'core', name: 'Learning Core', capacity: null, seatsInUse: 9 }]);

    expect(modal.callback_id).toBe(ids.requestModal.callback);
    const select = inputElement(blockById(modal.blocks, ids.requestModal.typeBlock, 'input'), 'static_select');
    expect(select.action_id).toBe(ids.requestModal.typeSelect);
    expect(optionPairs(select.options)).toEqual([
      { label: 'Coaching — 3 of 5 free', value: 'coach' },
      { label: 'Learning Core — unlimited', value: 'core' },
    ]);
    expect(inputElement(blockById(modal.blocks, ids.requestModal.reasonBlock, 'input'), 'plain_text_input').max_length).toBe(500);
  });

  it('puts a pending request before the admins with its seats and Approve / Deny', () => {
    const message = buildLicenseRequestMessage(request, names, coach);

    expect(message.text).toBe('License request from ana@example.com for Coaching: pending');
    expect(sectionText(message.blocks[0]!)).toContain('<@ULEARN1> (ana@example.com) asks for *Coaching*');
    expect(sectionText(message.blocks[0]!)).toContain('*Reason:* team &lt;pilot&gt;');
    expect(contextText(message.blocks[1]!)).toBe('Coaching: 3 of 5 seats free.');
    const buttons = allButtons(message.blocks);
    expect(buttons.map((b) => [b.action_id, parseRequestRef(b.value)?.requestId])).toEqual([
      [ids.licenseRequest.approve, request.id],
      [ids.licenseRequest.deny, request.id],
    ]);
    expect(message.blocks[2]?.block_id).toBe(licenseRequestActionsBlockId(request.id));
    expect(contextText(buildLicenseRequestMessage(request, names, { ...coach, seatsInUse: 5 }).blocks[1]!)).toContain(
      'no seat free right now',
    );
  });

  it('shows a decided request’s outcome instead of its buttons, and replies in its thread with who and when', () => {
    const approved = { ...request, status: 'approved' as const, decidedBy: 'UADMIN1', decidedAt: at };
    const denied = { ...request, status: 'denied' as const, decidedBy: 'UADMIN1', decidedAt: at, decisionReason: 'no <budget>' };
    const failed = { ...request, status: 'failed' as const, decidedBy: 'UADMIN1', decidedAt: at, outcomeCode: 'learner_deactivated' };

    expect(allButtons(buildLicenseRequestMessage(approved, names, coach).blocks)).toHaveLength(0);
    expect(sectionText(buildLicenseRequestMessage(approved, names, coach).blocks[1]!)).toBe(
      ':white_check_mark: Approved by <@UADMIN1> <!date^1714554000^{date_short_pretty} {time}|2024-05-01T09:00:00.000Z>.',
    );
    expect(buildLicenseRequestDecisionReply(denied).text).toBe('Denied by UADMIN1 2024-05-01T09:00:00.000Z: “no &lt;budget&gt;”');
    expect(buildLicenseRequestDecisionReply(failed).text).toContain('Could not be applied by UADMIN1');
    expect(buildAlreadyDecidedNotice(approved).text).toBe(
      'This request was already decided: Approved by UADMIN1 2024-05-01T09:00:00.000Z.',
    );
  });
});
