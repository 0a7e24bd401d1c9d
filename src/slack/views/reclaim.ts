import type { ReclaimAskNotice } from '../../licensing/notices/ports.js';
import type { ReclaimAnswerOutcome } from '../../licensing/reclaim/asks.js';
import type { ReclaimRound, ReclaimWeek } from '../../licensing/reclaim/ports.js';
import type { ReclaimSummary, ReclaimTypeSummary } from '../../licensing/reclaim/reclaim.js';
import type { SeatReport } from '../../licensing/report/seat-report.js';
import type { UsageImportRecord } from '../../licensing/usage/ports.js';
import type { UsageImportSummary } from '../../licensing/usage/usage-import.js';
import { ids } from '../ids.js';
import { encodeReclaimAskRef, encodeReclaimStartRef } from '../parsers/payloads.js';
import {
  button,
  context,
  escapeMrkdwn,
  type KnownBlock,
  type Message,
  type ModalView,
  plainText,
  section,
  sectionWithButton,
  slackDate,
} from './blocks.js';

const n = (value: number) => value.toLocaleString('en-US');
/** Prices have no currency in the config: shown as plain amounts. */
export const money = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** Said when no usage report was imported: without one nobody can be told idle. */
export const NO_USAGE_SENTENCE =
  'No usage report has been imported yet, so I cannot tell who is idle. Send me the learning platform’s Learner Summary export as a CSV in a DM (or run `license-bot import usage FILE.csv`).';

/** `/license reclaim`: idle seats per type with their yearly cost, and a Reclaim button per type for admins. */
export function buildReclaimSummary(summary: ReclaimSummary, options: { canReclaim: boolean }): Message {
  if (!summary.lastImport) return { text: NO_USAGE_SENTENCE, blocks: [section(`:information_source: ${NO_USAGE_SENTENCE}`)] };
  const blocks: KnownBlock[] = [section(reclaimHeadline(summary))];
  for (const row of summary.types) blocks.push(...reclaimTypeBlocks(summary, row, options));
  if (summary.types.length === 0) blocks.push(section('No license type has seats in use.'));
  for (const round of summary.openRounds) blocks.push(context(roundLine(round)));
  blocks.push(context(`${lastImportLine(summary.lastImport)}. Reclaim makes a bulk request that follows the usual approval.`));
  return {
    text: `${n(summary.seats)} idle seats${summary.yearlyCost ? ` (${money(summary.yearlyCost)} a year)` : ''}`,
    blocks: blocks.slice(0, 50),
  };
}

/** "*Idle seats* — holders idle more than 60 days or who never started", with the seats and their yearly cost. */
export function reclaimHeadline(summary: ReclaimSummary): string {
  return `*Idle seats* — holders idle more than ${n(summary.idleDays)} days or who never started\n*${n(summary.seats)}* seats${summary.yearlyCost ? ` · *${money(summary.yearlyCost)}* a year` : ''}${summary.askFirst ? ' · learners are asked first (Keep / Release)' : ''}`;
}

/** When and from which file usage was last imported. */
export function lastImportLine(lastImport: UsageImportRecord): string {
  return `usage imported ${slackDate(lastImport.importedAt)} (${escapeMrkdwn(lastImport.fileName)})`;
}

/**
 * One type's idle seats; for admins, with Reclaim (revoke) and, when a cheaper priced type exists,
 * Move them to it (`/license reclaim`, App Home). Block ids are unique per type.
 */
export function reclaimTypeBlocks(summary: ReclaimSummary, row: ReclaimTypeSummary, options: { canReclaim: boolean }): KnownBlock[] {
  const cost = row.yearlyCost !== null ? ` · ${money(row.yearlyCost)} a year` : '';
  const text = `*${escapeMrkdwn(row.type.name)}*: ${n(row.idle)} idle of ${n(row.type.seatsInUse)} in use (${n(row.neverStarted)} never started)${cost}`;
  if (!options.canReclaim || row.idle === 0) return [section(text)];
  const blocks: KnownBlock[] = [
    sectionWithButton(
      text,
      `${ids.reclaim.start}_${row.type.key}`,
      button(ids.reclaim.start, 'Reclaim', encodeReclaimStartRef({ type: row.type.key }), 'danger'),
    ),
  ];
  const cheapest = [...summary.types].filter((t) => t.price !== null).sort((a, b) => (a.price ?? 0) - (b.price ?? 0))[0];
  if (cheapest && cheapest.type.key !== row.type.key && (row.price ?? Number.POSITIVE_INFINITY) > (cheapest.price ?? 0)) {
    blocks.push({
      type: 'actions',
      block_id: `${ids.reclaim.start}_move_${row.type.key}`,
      elements: [
        button(
          ids.reclaim.start,
          `Move them to ${cheapest.type.name}`.slice(0, 75),
          encodeReclaimStartRef({ type: row.type.key, to: cheapest.type.key }),
        ),
      ],
    });
  }
  return blocks;
}

/** An ask-first round still waiting for answers. */
export function roundLine(round: ReclaimRound): string {
  return `:speech_balloon: Asking ${n(round.asked)} ${escapeMrkdwn(round.type)} holders until ${slackDate(round.graceEndsAt)}: ${n(round.kept)} keep, ${n(round.released)} released, ${n(round.noSlack)} without Slack.`;
}

/** Told to the admin when an ask-first round starts. */
export function buildRoundStartedMessage(round: ReclaimRound, typeName: string): Message {
  const sentence = `Asking ${n(round.asked)} idle ${escapeMrkdwn(typeName)} holders whether they still need their seat. Keep exempts them; Release frees the seat at once; those who stay silent are reclaimed after ${slackDate(round.graceEndsAt)} through the usual approval.`;
  return { text: sentence.replace(/<[^>]+>/g, round.graceEndsAt.toISOString()), blocks: [section(`:speech_balloon: ${sentence}`)] };
}

/** The question in a learner's DM, sent through the notice queue (the type's name as it is then). */
export function buildReclaimAskMessage(notice: ReclaimAskNotice, typeNames: ReadonlyMap<string, string>): Message {
  const value = encodeReclaimAskRef({ roundId: notice.roundId, learnerId: notice.learnerId });
  const typeName = typeNames.get(notice.licenseType) ?? notice.licenseType;
  const sentence = `Hi ${escapeMrkdwn(notice.learnerName)}, you have a *${escapeMrkdwn(typeName)}* license but have not used it for a while. Do you still need it? If you do not answer by ${slackDate(notice.graceEndsAt)}, the seat goes to someone else.`;
  return {
    text: `Do you still need your ${typeName} license? Answer by ${notice.graceEndsAt.toISOString()}.`,
    blocks: [
      section(sentence),
      {
        type: 'actions',
        block_id: ids.reclaim.askBlock,
        elements: [button(ids.reclaim.keep, 'Keep my license', value, 'primary'), button(ids.reclaim.release, 'Release it', value)],
      },
    ],
  };
}

/** Replaces the question once answered. */
export function buildReclaimAnsweredMessage(outcome: ReclaimAnswerOutcome): Message {
  const sentence =
    outcome.answer === 'keep'
      ? `Thanks — you keep your ${escapeMrkdwn(outcome.typeName)} license${outcome.exemptUntil ? `; we will not ask again before ${slackDate(outcome.exemptUntil)}` : ''}.`
      : `Thanks — your ${escapeMrkdwn(outcome.typeName)} seat was released for someone else. Ask your learning admin if you need it again.`;
  return { text: sentence.replace(/<[^>]+>/g, ''), blocks: [section(`:white_check_mark: ${sentence}`)] };
}

/** The weekly summary in REPORT_CHANNEL_ID. */
export function buildReclaimWeekMessage(week: ReclaimWeek): Message {
  const idle = week.idle.types.map(
    (t) => `• ${escapeMrkdwn(t.type.name)}: ${n(t.idle)} idle${t.yearlyCost !== null ? ` (${money(t.yearlyCost)} a year)` : ''}`,
  );
  const reclaimed = week.reclaimed.map(
    (r) => `• ${escapeMrkdwn(r.name)}: ${n(r.seats)} seats${r.value !== null ? ` (${money(r.value)} a year)` : ''}`,
  );
  const total = week.reclaimed.reduce((sum, r) => sum + r.seats, 0);
  return {
    text: `Weekly seat summary: ${n(week.idle.seats)} idle seats, ${n(total)} reclaimed this week`,
    blocks: [
      section(
        `*Weekly seat summary*\n*Idle now* (more than ${n(week.idle.idleDays)} days or never started): ${n(week.idle.seats)} seats${week.idle.yearlyCost ? `, ${money(week.idle.yearlyCost)} a year` : ''}\n${idle.join('\n') || 'none'}`,
      ),
      section(`*Reclaimed since ${slackDate(week.since)}*: ${n(total)} seats\n${reclaimed.join('\n') || 'none'}`),
      context('`/license reclaim` to reclaim idle seats · `/license report` for the chart'),
    ],
  };
}

/** After a usage import (CLI or a file in the bot's DM). */
export function buildUsageImportedMessage(fileName: string, summary: UsageImportSummary): Message {
  const format = {
    linkedin_learner_summary: 'LinkedIn Learning Learner Summary',
    linkedin_learner_detail: 'LinkedIn Learning Learner Detail',
    generic: 'usage CSV',
  }[summary.format];
  const unknown = summary.unknownEmails.length
    ? `\n${n(summary.unknownEmails.length)} emails are not learners here and were skipped${summary.unknownEmails.length <= 5 ? `: ${summary.unknownEmails.map(escapeMrkdwn).join(', ')}` : ''}.`
    : '';
  const sentence = `Imported usage from *${escapeMrkdwn(fileName)}* (${format}): ${n(summary.rows)} rows, ${n(summary.matched)} learners updated, ${n(summary.active)} active in the period.${unknown}`;
  return {
    text: sentence.replace(/\*/g, ''),
    blocks: [section(`:white_check_mark: ${sentence}`), context('`/license reclaim` shows the idle seats.')],
  };
}

/** The usage report's columns, in a sentence (the form and the DM help share it). */
const USAGE_HOW =
  'Export the *Learner Summary* (or *Learner Detail*) report from LinkedIn Learning as CSV, as it is. Other platforms: a CSV with `email` and `lastActiveAt` (or `hoursViewed`, `daysLoggedIn`). The whole file is checked first; nothing is written if a row is wrong.';

function latestImports(imports: readonly UsageImportRecord[]): KnownBlock {
  const lines = imports.map(
    (i) =>
      `• ${slackDate(i.importedAt)} ${escapeMrkdwn(i.fileName)}: ${n(i.matched)} learners${i.status === 'running' ? ' (unfinished)' : ''}`,
  );
  return section(lines.length ? `*Latest imports*\n${lines.join('\n')}` : 'No usage imported yet.');
}

/** How to send a usage report by DM (a CSV dropped into the bot's DM also works), and the latest imports. */
export function buildUsageHelpMessage(imports: readonly UsageImportRecord[]): Message {
  return {
    text: 'Send me the usage report as a CSV file in this DM.',
    blocks: [
      section(`*Import usage*: ${USAGE_HOW} Drop the file into my DM (Apps → license-bot → Messages), or use \`/license usage\`.`),
      latestImports(imports),
    ],
  };
}

/** `/license usage`: a form with one CSV upload (Slack takes up to 10 MB), and the latest imports. */
export function buildUsageModal(imports: readonly UsageImportRecord[]): ModalView {
  return {
    type: 'modal',
    callback_id: ids.usageModal.callback,
    title: plainText('Import usage', 24),
    submit: plainText('Import', 24),
    close: plainText('Cancel', 24),
    blocks: [
      section(USAGE_HOW),
      {
        type: 'input',
        block_id: ids.usageModal.fileBlock,
        label: plainText('Usage report (CSV)'),
        element: { type: 'file_input', action_id: ids.usageModal.fileInput, filetypes: ['csv'], max_files: 1 },
      },
      context('I import it as soon as you press Import and tell you the outcome in my DM. Larger files than 10 MB: drop them into my DM.'),
      latestImports(imports),
    ],
  };
}

/** The comment of the seat report's upload. */
export function buildReportComment(report: SeatReport): string {
  const last = report.days.length - 1;
  const types = report.types.map((t) => `${t.name}: ${n(t.inUse[last] ?? 0)}${t.capacity !== null ? ` of ${n(t.capacity)}` : ''} in use`);
  const reclaimed = report.reclaimed.reduce((sum, r) => sum + r.seats, 0);
  const value = report.reclaimed.reduce((sum, r) => sum + (r.value ?? 0), 0);
  const groups = report.topGroups.slice(0, 5).map((g) => `${g.group} (${n(g.holders)})`);
  return [
    `Seat report, ${report.days[0]} to ${report.days[last]}`,
    types.join(' · '),
    `Reclaimed: ${n(reclaimed)} seats${value ? ` (${money(value)} a year)` : ''}`,
    groups.length ? `Top groups: ${groups.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
