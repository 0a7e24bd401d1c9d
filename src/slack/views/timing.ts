import { formatInZone, wallTimeIn } from '../../licensing/schedule/time.js';
import { ids } from '../ids.js';
import { context, escapeMrkdwn, type KnownBlock, plainText } from './blocks.js';

const t = ids.timing;

/** An instant as its reader picked it: in their zone, named; or Slack's own token (each reader's zone). */
export function shownIn(instant: Date, timeZone?: string): string {
  if (timeZone) return escapeMrkdwn(formatInZone(instant, timeZone));
  const seconds = Math.floor(instant.getTime() / 1000);
  return `<!date^${seconds}^{date_short_pretty} {time}|${instant.toISOString()}>`;
}

function picker(input: {
  dateBlock: string;
  dateAction: string;
  timeBlock: string;
  timeAction: string;
  label: string;
  optional: boolean;
  initial?: { date: string; time: string };
}): KnownBlock[] {
  return [
    {
      type: 'input',
      block_id: input.dateBlock,
      optional: input.optional,
      label: plainText(`${input.label} (date)`, 2000),
      element: {
        type: 'datepicker',
        action_id: input.dateAction,
        placeholder: plainText('Pick a date', 150),
        ...(input.initial ? { initial_date: input.initial.date } : {}),
      },
    },
    {
      type: 'input',
      block_id: input.timeBlock,
      optional: input.optional,
      label: plainText(`${input.label} (time)`, 2000),
      element: {
        type: 'timepicker',
        action_id: input.timeAction,
        placeholder: plainText('Pick a time', 150),
        ...(input.initial ? { initial_time: input.initial.time } : {}),
      },
    },
  ];
}

/**
 * The optional "apply at" and "until" pickers of a change, with the zone they are read in (the
 * admin's Slack time zone) said once below them.
 */
export function buildTimingBlocks(input: { apply: boolean; until: boolean; timeZone: string }): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (input.apply)
    blocks.push(
      ...picker({
        dateBlock: t.applyDateBlock,
        dateAction: t.applyDate,
        timeBlock: t.applyTimeBlock,
        timeAction: t.applyTime,
        label: 'Apply at',
        optional: true,
      }),
    );
  if (input.until)
    blocks.push(
      ...picker({
        dateBlock: t.untilDateBlock,
        dateAction: t.untilDate,
        timeBlock: t.untilTimeBlock,
        timeAction: t.untilTime,
        label: 'Until',
        optional: true,
      }),
    );
  if (blocks.length) {
    const what = [
      input.apply ? '*Apply at* schedules the change (empty: now)' : '',
      input.until ? '*Until* gives the license back at that moment (empty: for good)' : '',
    ].filter(Boolean);
    blocks.push(context(`${what.join('; ')}. Times are in ${escapeMrkdwn(input.timeZone)}, your Slack time zone.`));
  }
  return blocks;
}

/** The required "until" pickers of the extend modal, starting at the current end. */
export function buildUntilPicker(current: Date, timeZone: string): KnownBlock[] {
  return picker({
    dateBlock: t.untilDateBlock,
    dateAction: t.untilDate,
    timeBlock: t.untilTimeBlock,
    timeAction: t.untilTime,
    label: 'New end',
    optional: false,
    initial: wallTimeIn(current, timeZone),
  });
}

/** ":calendar: Applies Tue 10 Nov 2026, 09:00 (…). :hourglass: Until …, then taken back." for a scheduled or time-bound change. */
export function bulkTimingLine(request: { applyAt?: Date; until?: Date; timeZone?: string }): string {
  const parts: string[] = [];
  if (request.applyAt) parts.push(`:calendar: Applies ${shownIn(request.applyAt, request.timeZone)}.`);
  if (request.until) parts.push(`:hourglass: Until ${shownIn(request.until, request.timeZone)}, then taken back.`);
  return parts.join(' ');
}
