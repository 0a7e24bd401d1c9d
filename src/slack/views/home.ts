import type { types } from '@slack/bolt';
import type { BulkRequest } from '../../licensing/bulk/ports.js';
import type { AdminHome, EndingSoon, Home, LeadHome, LearnerHome } from '../../licensing/home/home.js';
import type { HomeReclaim } from '../../licensing/home/reclaim-count.js';
import { describeTypes, type LicenseType } from '../../licensing/model.js';
import type { RecentChange } from '../../licensing/ports.js';
import type { LicenseRequest } from '../../licensing/self-service/ports.js';
import {
  askExtendBlockId,
  extendBlockId,
  ids,
  jobActionsBlockId,
  licenseRequestActionsBlockId,
  releaseBlockId,
  requestActionsBlockId,
  undoJobBlockId,
} from '../ids.js';
import { encodeLicenseTypeRef, encodeRequestRef } from '../parsers/payloads.js';
import {
  approvalButtons,
  button,
  context,
  escapeMrkdwn,
  type KnownBlock,
  section,
  sectionWithButton,
  slackDate,
  truncate,
} from './blocks.js';
import { scheduledChangeBlocks } from './bulk-lists.js';
import { cancelJobButton, summaryLine, undoButton } from './bulk-messages.js';
import { describeBulkChange } from './bulk-modal.js';
import { extendButton, grantEndText } from './grants.js';
import { lastImportLine, NO_USAGE_SENTENCE, reclaimHeadline, reclaimTypeBlocks, roundLine } from './reclaim.js';

export type HomeView = types.HomeView;

const n = (value: number) => value.toLocaleString('en-US');
/** Slack shows at most 100 blocks on a Home. */
const MAX_BLOCKS = 100;
/** Utilisation at or above this is marked. */
export const NEARLY_FULL = 0.9;
/** License types with idle seats shown on the Home, costliest first (`/license reclaim` lists them all). */
const RECLAIM_TYPES_SHOWN = 5;

/** A person's App Home: a part per role they have, or what the bot is and who to ask. */
export function buildHomeView(home: Home): HomeView {
  const blocks: KnownBlock[] = [];
  if (home.admin) blocks.push(...adminBlocks(home.admin, home.typeNames));
  if (home.lead) blocks.push(...leadBlocks(home.lead, home.typeNames));
  if (home.learner) {
    if (blocks.length) blocks.push({ type: 'divider' });
    blocks.push(...learnerBlocks(home.learner, home.typeNames));
  }
  if (home.about) blocks.push(...aboutBlocks(home.about.admins));
  return { type: 'home', blocks: withinBlockLimit(blocks) };
}

/** Keeps a Home under Slack's block limit, saying so when something had to go. */
function withinBlockLimit(blocks: KnownBlock[]): KnownBlock[] {
  if (blocks.length <= MAX_BLOCKS) return blocks;
  return [
    ...blocks.slice(0, MAX_BLOCKS - 1),
    context('More is waiting than fits here; `/license requests` and `/license jobs` list it all.'),
  ];
}

/** "▰▰▰▰▰▰▰▱▱▱ 72%" for seats in use against capacity. */
export function utilisationBar(inUse: number, capacity: number): string {
  const ratio = capacity > 0 ? Math.min(1, inUse / capacity) : 1;
  const filled = Math.round(ratio * 10);
  return `\`${'▰'.repeat(filled)}${'▱'.repeat(10 - filled)}\` ${Math.floor(ratio * 100)}%`;
}

/** One license type's line on the admins' Home. */
export function seatLine(type: LicenseType): string {
  const name = `*${escapeMrkdwn(type.name)}*`;
  if (type.capacity === null) return `${name} — ${n(type.seatsInUse)} in use · unlimited`;
  const free = Math.max(0, type.capacity - type.seatsInUse);
  const full = type.capacity === 0 || type.seatsInUse / type.capacity >= NEARLY_FULL ? ' :warning: *nearly full*' : '';
  return `${name} ${utilisationBar(type.seatsInUse, type.capacity)} — ${n(type.seatsInUse)} of ${n(type.capacity)} in use · ${n(free)} free${full}`;
}

function adminBlocks(admin: AdminHome, names: ReadonlyMap<string, string>): KnownBlock[] {
  const h = ids.home;
  const blocks: KnownBlock[] = [
    section(':key: *License admin*'),
    {
      type: 'actions',
      block_id: h.adminActionsBlock,
      elements: [
        button(h.reassign, 'Reassign a learner', undefined, 'primary'),
        button(h.bulk, 'Bulk change'),
        button(h.exportLearners, 'Export learners (CSV)'),
      ],
    },
  ];

  // A section holds 3,000 characters: seat lines are grouped so any number of types fit.
  const lines = admin.types.length
    ? admin.types.map(seatLine)
    : ['No license types yet. Import them with `license-bot import license-types`.'];
  chunks(['*Seats*', ...lines]).forEach((text, i) => {
    blocks.push(section(text, i === 0 ? h.seatsBlock : `${h.seatsBlock}_${i}`));
  });

  if (admin.sync) {
    const s = admin.sync;
    const state = s.paused
      ? `:double_vertical_bar: *paused*${s.pauseReason ? `: ${escapeMrkdwn(s.pauseReason)}` : ''}`
      : s.pending
        ? `${n(s.pending)} change${s.pending === 1 ? '' : 's'} waiting${s.oldestPendingSince ? ` (oldest ${slackDate(s.oldestPendingSince)})` : ''}`
        : 'in sync';
    const dead = s.dead ? ` · :warning: ${n(s.dead)} refused by the platform (\`/license sync\`)` : '';
    blocks.push(section(`*Learning platform* (${escapeMrkdwn(s.description)}): ${state}${dead}`, h.syncBlock));
  }

  blocks.push({ type: 'divider' });
  blocks.push(section(`*Waiting for approval* (${n(admin.approvals.length)})`, h.approvalsBlock));
  if (admin.approvals.length === 0) blocks.push(context('No bulk change is waiting for a team lead.'));
  for (const { request, canDecide } of admin.approvals) {
    blocks.push(section(approvalText(request, names)));
    if (canDecide) blocks.push(approvalButtons(requestActionsBlockId(request.id), encodeRequestRef(request.id)));
  }

  blocks.push(section(`*Learners asking for a license* (${n(admin.licenseRequests.length)})`, h.licenseRequestsBlock));
  if (admin.licenseRequests.length === 0) blocks.push(context('No learner is waiting for a license.'));
  for (const request of admin.licenseRequests) {
    blocks.push(section(licenseRequestText(request, names)));
    blocks.push(licenseRequestButtons(request.id));
  }

  blocks.push({ type: 'divider' });
  if (admin.scheduled.length) {
    blocks.push(section(`*Scheduled* (${n(admin.scheduled.length)})`, h.scheduledBlock));
    for (const job of admin.scheduled) blocks.push(...scheduledChangeBlocks(job, names));
  }
  blocks.push(section(`*Running* (${n(admin.activeJobs.length)})`, h.jobsBlock));
  if (admin.activeJobs.length === 0) blocks.push(context('No bulk change is running.'));
  for (const job of admin.activeJobs) {
    blocks.push(section(jobText(job, names)));
    if (!job.cancelRequestedAt) blocks.push({ type: 'actions', block_id: jobActionsBlockId(job.id), elements: [cancelJobButton(job.id)] });
  }
  if (admin.recentJobs.length) {
    blocks.push(section('*Recent bulk changes*', h.recentJobsBlock));
    for (const { job, undoable } of admin.recentJobs) {
      const text = `• ${jobText(job, names)}`;
      // Undo while UNDO_WINDOW_DAYS last, as on the job's notice (a click checks everything again).
      blocks.push(undoable ? sectionWithButton(text, undoJobBlockId(job.id), undoButton(job.id)) : section(text));
    }
  }

  blocks.push({ type: 'divider' });
  blocks.push(...endingBlocks(admin.endingSoon, names));
  if (admin.reclaim) blocks.push(...reclaimBlocks(admin.reclaim));

  blocks.push({ type: 'divider' });
  blocks.push(
    section(
      ['*Last changes*', ...(admin.changes.length ? admin.changes.map((c) => `• ${changeText(c, names)}`) : ['Nothing changed yet.'])].join(
        '\n',
      ),
      h.changesBlock,
    ),
  );
  return blocks;
}

/** Time-bound licenses ending soon: a learner's own, or a bulk change's together, each with Extend. */
function endingBlocks(ending: EndingSoon, names: ReadonlyMap<string, string>): KnownBlock[] {
  const title = `*Time-bound licenses ending within ${n(ending.withinDays)} days*`;
  if (ending.groups.length === 0) return [section(`${title}: none.`, ids.home.endingBlock)];
  const blocks: KnownBlock[] = [section(title, ids.home.endingBlock)];
  for (const { grant, learners } of ending.groups) {
    const target = grant.requestId ? { requestId: grant.requestId } : { grantId: grant.id };
    const who = grant.requestId
      ? `*${n(learners)} learner${learners === 1 ? '' : 's'}* of bulk change ${escapeMrkdwn(grant.requestId)}`
      : `*${escapeMrkdwn(grant.email)}*`;
    blocks.push(
      sectionWithButton(
        `${who}: ${grantEndText(grant, names)} (granted by <@${grant.grantedBy}>)`,
        extendBlockId(target),
        extendButton(ids.grant.extend, grant.requestId && learners > 1 ? `Extend all ${n(learners)}` : 'Extend', target),
      ),
    );
  }
  if (ending.more)
    blocks.push(context('More end within the week; each admin who granted one is told 7 days and 1 day before, with Extend.'));
  return blocks;
}

/** Reclaim: idle seats per type, from the latest count (made in the background), with Reclaim. */
function reclaimBlocks(reclaim: HomeReclaim): KnownBlock[] {
  const { summary } = reclaim;
  if (!summary) {
    return [
      section(
        reclaim.counting
          ? '*Idle seats*: counting… This Home is updated when the count is ready.'
          : '*Idle seats* could not be counted just now; `/license reclaim` counts them.',
        ids.home.reclaimBlock,
      ),
    ];
  }
  if (!summary.lastImport) return [section('*Idle seats*', ids.home.reclaimBlock), context(NO_USAGE_SENTENCE)];
  const blocks: KnownBlock[] = [section(reclaimHeadline(summary), ids.home.reclaimBlock)];
  const idle = summary.types.filter((row) => row.idle > 0).sort((a, b) => (b.yearlyCost ?? -1) - (a.yearlyCost ?? -1) || b.idle - a.idle);
  for (const row of idle.slice(0, RECLAIM_TYPES_SHOWN)) blocks.push(...reclaimTypeBlocks(summary, row, { canReclaim: true }));
  if (idle.length > RECLAIM_TYPES_SHOWN)
    blocks.push(context(`${n(idle.length - RECLAIM_TYPES_SHOWN)} more types have idle seats: \`/license reclaim\` lists them all.`));
  for (const round of summary.openRounds.slice(0, 3)) blocks.push(context(roundLine(round)));
  const counted = reclaim.countedAt ? `Counted ${slackDate(reclaim.countedAt)}${reclaim.counting ? ', counting again' : ''} · ` : '';
  blocks.push(context(`${counted}${lastImportLine(summary.lastImport)}. Reclaim makes a bulk request that follows the usual approval.`));
  return blocks;
}

function chunks(lines: readonly string[], max = 2900): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const line of lines) {
    if (current.length && current.join('\n').length + line.length + 1 > max) {
      out.push(current.join('\n'));
      current = [];
    }
    current.push(truncate(line, max));
  }
  if (current.length) out.push(current.join('\n'));
  return out;
}

function approvalText(request: BulkRequest, names: ReadonlyMap<string, string>): string {
  const expires = request.expiresAt ? `\nExpires ${slackDate(request.expiresAt)} if nobody decides.` : '';
  return `${summaryLine(request, names)}\n*Reason:* ${escapeMrkdwn(request.reason)}${expires}`;
}

/** How one learner's request reads for the admins (Home and the requests channel). */
export function licenseRequestText(request: LicenseRequest, names: ReadonlyMap<string, string>): string {
  return `<@${request.requestedBy}> (${escapeMrkdwn(request.learnerEmail)}) asks for *${escapeMrkdwn(names.get(request.licenseType) ?? request.licenseType)}* ${slackDate(request.createdAt)}\n*Reason:* ${escapeMrkdwn(request.reason)}`;
}

/** The Approve / Deny row of a learner's request. */
export function licenseRequestButtons(requestId: string): KnownBlock {
  const value = encodeRequestRef(requestId);
  return {
    type: 'actions',
    block_id: licenseRequestActionsBlockId(requestId),
    elements: [
      button(ids.licenseRequest.approve, 'Approve', value, 'primary'),
      {
        ...button(ids.licenseRequest.deny, 'Deny', value, 'danger'),
        confirm: {
          title: { type: 'plain_text', text: 'Deny this request?' },
          text: { type: 'plain_text', text: 'The learner is told it was denied, and by whom.' },
          confirm: { type: 'plain_text', text: 'Deny' },
          deny: { type: 'plain_text', text: 'Back' },
        },
      },
    ],
  };
}

function jobText(job: BulkRequest, names: ReadonlyMap<string, string>): string {
  const p = job.progress;
  const processed = p.done + p.skipped + p.failed;
  const total = Math.max(p.total, processed, job.preview.toChange);
  const progress = total ? ` — ${n(processed)} / ${n(total)} (${n(p.done)} changed, ${n(p.failed)} failed)` : '';
  const cancelling = job.cancelRequestedAt ? ' · cancelling' : '';
  const what = job.undo ? `undo of job ${job.undo.of}` : escapeMrkdwn(describeBulkChange(job.change, names));
  const undone = job.undoneBy ? ` · undo: job ${job.undoneBy}` : '';
  return `*${job.status.replace('_', ' ')}*: ${what}${progress}${cancelling} · <@${job.requestedBy}> ${slackDate(job.createdAt)}${undone}`;
}

/** One line of "the last changes": who changed whom (or how many), from what to what, when. */
export function changeText(change: RecentChange, names: ReadonlyMap<string, string>): string {
  const what = describeChange(change, names);
  const who = change.applied === 1 && change.firstEmail ? escapeMrkdwn(change.firstEmail) : `${n(change.applied)} learners`;
  const by = /^[UW][A-Z0-9]+$/.test(change.actor) ? `<@${change.actor}>` : escapeMrkdwn(change.actor);
  const via = change.source.startsWith('bulk:') ? 'bulk change' : change.source;
  return `${who}: ${escapeMrkdwn(what)} · by ${by} (${escapeMrkdwn(via)}) ${slackDate(change.at)}`;
}

function describeChange(change: RecentChange, names: ReadonlyMap<string, string>): string {
  const c = change.change;
  if (c.kind === 'release') return `released ${describeTypes([c.from], names)}`;
  return describeBulkChange(c, names);
}

function leadBlocks(lead: LeadHome, names: ReadonlyMap<string, string>): KnownBlock[] {
  const scope = lead.groups.length ? `the groups ${escapeMrkdwn(lead.groups.join(', '))}` : 'any group';
  const blocks: KnownBlock[] = [
    section(`:busts_in_silhouette: *Team lead* — you approve bulk license changes for ${scope}.`, ids.home.leadBlock),
    section(`*Your approval queue* (${n(lead.approvals.length)})`, ids.home.approvalsBlock),
  ];
  if (lead.approvals.length === 0) blocks.push(context('Nothing is waiting for you.'));
  for (const request of lead.approvals) {
    blocks.push(section(approvalText(request, names)));
    blocks.push(approvalButtons(requestActionsBlockId(request.id), encodeRequestRef(request.id)));
  }
  return blocks;
}

function learnerBlocks(learner: LearnerHome, names: ReadonlyMap<string, string>): KnownBlock[] {
  const h = ids.home;
  const name = (key: string) => escapeMrkdwn(names.get(key) ?? key);
  const blocks: KnownBlock[] = [section(':mortar_board: *Your learning licenses*', h.learnerBlock)];
  if (learner.learner.status !== 'active') blocks.push(context(':no_entry: Your learner account is deactivated.'));
  if (learner.licenses.length === 0) blocks.push(section('You hold no learning license right now.'));
  const asked = new Set<string>();
  for (const license of learner.licenses) {
    const since = license.since ? ` — since ${slackDate(license.since)}` : '';
    const grant = license.grant;
    const back = grant?.removed.length ? `; you then get ${escapeMrkdwn(describeTypes(grant.removed, names))} back` : '';
    const ends = grant ? `\n:hourglass: Ends ${slackDate(grant.endsAt)}${back}.` : '';
    blocks.push({
      type: 'section',
      block_id: releaseBlockId(license.key),
      text: { type: 'mrkdwn', text: `*${name(license.key)}*${since}${ends}` },
      accessory: {
        ...button(h.releaseLicense, 'Release my license', encodeLicenseTypeRef(license.key)),
        confirm: {
          title: { type: 'plain_text', text: 'Release this license?' },
          text: {
            type: 'plain_text',
            text: truncate(
              `You lose access to the content of ${names.get(license.key) ?? license.key}; your progress so far stays on reports. The seat goes to someone else.`,
              300,
            ),
          },
          confirm: { type: 'plain_text', text: 'Release it' },
          deny: { type: 'plain_text', text: 'Keep it' },
          style: 'danger',
        },
      },
    });
    if (grant && !asked.has(grant.id)) {
      // As on the notice before the end: the admin who granted it is asked (the click checks it is theirs).
      asked.add(grant.id);
      blocks.push({
        type: 'actions',
        block_id: askExtendBlockId(grant.id),
        elements: [extendButton(ids.grant.askExtend, 'Ask for more time', { grantId: grant.id })],
      });
    }
  }
  for (const request of learner.openRequests) {
    blocks.push(context(`:hourglass: You asked for *${name(request.licenseType)}* ${slackDate(request.createdAt)}; an admin will decide.`));
  }
  if (learner.learner.status === 'active' && learner.requestable.length) {
    blocks.push({
      type: 'actions',
      block_id: h.learnerActionsBlock,
      elements: [button(h.requestLicense, 'Request a license', undefined, 'primary')],
    });
  }
  return blocks;
}

function aboutBlocks(admins: readonly string[]): KnownBlock[] {
  const who = admins.length ? admins.map((id) => `<@${id}>`).join(', ') : 'nobody yet (set LICENSE_ADMINS)';
  return [
    section(
      ':wave: *Learning License Bot* keeps track of who holds which learning-platform license (Learning Pro, Coaching, …) and lets license admins change them from Slack.',
      ids.home.aboutBlock,
    ),
    section(`*License admins:* ${who}`),
    context('Your Slack email matches no learner, so there is nothing of yours here. Ask an admin if you need a license.'),
  ];
}
