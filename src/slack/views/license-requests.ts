import { type ErrorCode, errorMessages } from '../../licensing/errors.js';
import { freeSeats, type LicenseType } from '../../licensing/model.js';
import type { LicenseRequest } from '../../licensing/self-service/ports.js';
import { ids } from '../ids.js';
import {
  context,
  escapeMrkdwn,
  fallbackText,
  type KnownBlock,
  type Message,
  type ModalView,
  option,
  section,
  slackDate,
} from './blocks.js';
import { licenseTypeLabel } from './change-modal.js';
import { licenseRequestButtons, licenseRequestText } from './home.js';

/** A learner's "Request a license" form: the types they do not hold (with free seats) and why. */
export function buildLicenseRequestModal(types: readonly LicenseType[]): ModalView {
  const r = ids.requestModal;
  return {
    type: 'modal',
    callback_id: r.callback,
    title: { type: 'plain_text', text: 'Request a license' },
    submit: { type: 'plain_text', text: 'Send request' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      section('An admin decides; you will hear about it here, and your Home shows it.'),
      {
        type: 'input',
        block_id: r.typeBlock,
        label: { type: 'plain_text', text: 'License' },
        element: {
          type: 'static_select',
          action_id: r.typeSelect,
          placeholder: { type: 'plain_text', text: 'Choose a license' },
          options: types.slice(0, 100).map((t) => option(licenseTypeLabel(t), t.key)),
        },
      },
      {
        type: 'input',
        block_id: r.reasonBlock,
        label: { type: 'plain_text', text: 'Why do you need it?' },
        element: {
          type: 'plain_text_input',
          action_id: r.reasonInput,
          multiline: true,
          max_length: 500,
          placeholder: { type: 'plain_text', text: 'For example: the course on data analysis my team starts next month' },
        },
      },
    ],
  };
}

function seatsLine(type: LicenseType | null): string {
  if (!type) return 'That license type no longer exists.';
  if (type.capacity === null) return `${escapeMrkdwn(type.name)} has unlimited seats.`;
  const free = freeSeats(type);
  return free > 0
    ? `${escapeMrkdwn(type.name)}: ${free.toLocaleString('en-US')} of ${type.capacity.toLocaleString('en-US')} seats free.`
    : `:warning: ${escapeMrkdwn(type.name)} has no seat free right now; approving will be refused until one is.`;
}

/** How a decided request ended, in a sentence naming who decided and when. */
export function licenseRequestOutcome(request: LicenseRequest): string {
  const by = request.decidedBy ? ` by <@${request.decidedBy}>` : '';
  const when = request.decidedAt ? ` ${slackDate(request.decidedAt)}` : '';
  switch (request.status) {
    case 'approved':
      return `:white_check_mark: Approved${by}${when}.`;
    case 'denied':
      return `:x: Denied${by}${when}${request.decisionReason ? `: “${escapeMrkdwn(request.decisionReason)}”` : '.'}`;
    case 'failed': {
      const code = request.outcomeCode ?? '';
      const why = code in errorMessages ? errorMessages[code as ErrorCode] : code;
      return `:warning: Could not be applied${by}${when}: ${escapeMrkdwn(why)}`;
    }
    default:
      return ':hourglass_flowing_sand: Being approved…';
  }
}

/** The request in the admins' channel: Approve / Deny while it is pending, the outcome after. */
export function buildLicenseRequestMessage(request: LicenseRequest, names: ReadonlyMap<string, string>, type: LicenseType | null): Message {
  const blocks: KnownBlock[] = [section(`:raising_hand: *License request*\n${licenseRequestText(request, names)}`)];
  if (request.status === 'pending') {
    blocks.push(context(seatsLine(type)));
    blocks.push(licenseRequestButtons(request.id));
  } else {
    blocks.push(section(licenseRequestOutcome(request)));
  }
  const typeName = names.get(request.licenseType) ?? request.licenseType;
  return { text: `License request from ${request.learnerEmail} for ${typeName}: ${request.status}`, blocks };
}

/** The answer to a click on a request someone already decided. */
export function buildAlreadyDecidedNotice(request: LicenseRequest): Message {
  const sentence = `This request was already decided: ${licenseRequestOutcome(request).replace(/^:[a-z_]+: /, '')}`;
  return { text: fallbackText(sentence), blocks: [section(sentence)] };
}

/** The reply in the request's thread when it is decided: who and when. */
export function buildLicenseRequestDecisionReply(request: LicenseRequest): Message {
  const sentence = licenseRequestOutcome(request);
  return { text: fallbackText(sentence), blocks: [section(sentence)] };
}
