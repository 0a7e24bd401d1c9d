import { stringify } from 'csv-stringify/sync';
import { requireAdmin } from '../../../licensing/admins.js';
import { spreadsheetSafe } from '../../../licensing/report/csv-cells.js';
import { buildSeatReport, seatReportRows } from '../../../licensing/report/seat-report.js';
import { buildNotice } from '../../views/blocks.js';
import { buildReportComment } from '../../views/reclaim.js';
import type { CommandContext } from './context.js';

/** `/license report`: the seat report as a PNG chart and a CSV, uploaded to the channel (or the admin's DM). */
export async function handleReportCommand(ctx: CommandContext): Promise<void> {
  const { services, chart } = ctx.deps;
  await requireAdmin(services, ctx.actor, 'report');
  await ctx.reply(buildNotice('Building the seat report; it will appear here in a moment.'));
  const report = await buildSeatReport(services);
  const image = await chart.renderSeatChart(report);
  const stamp = report.days[report.days.length - 1] ?? 'today';
  const csv = stringify(seatReportRows(report).map((row) => row.map(spreadsheetSafe)));
  const upload = (channel: string) =>
    ctx.client.files.uploadV2({
      channel_id: channel,
      initial_comment: buildReportComment(report),
      file_uploads: [
        { file: image.png, filename: `seat-report-${stamp}.png`, title: `Seat use, last ${report.days.length} days` },
        { file: Buffer.from(csv, 'utf8'), filename: `seat-report-${stamp}.csv`, title: 'Seat report numbers' },
      ],
    });
  try {
    await upload(ctx.actor.channelId ?? ctx.actor.userId);
  } catch (error) {
    // Not in that channel: the admin's DM with the app instead.
    if (!ctx.actor.channelId) throw error;
    const dm = await ctx.client.conversations.open({ users: ctx.actor.userId });
    await upload(dm.channel?.id ?? ctx.actor.userId);
  }
}
