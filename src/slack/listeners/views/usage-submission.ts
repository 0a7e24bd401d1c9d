import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { importUsageFromSlack, looksLikeCsv } from '../../flows/import-usage-file.js';
import { ids } from '../../ids.js';
import { readUsageModalFiles } from '../../parsers/files.js';

type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The `/license usage` form: a CSV is required (said in the form, next to the upload); then the
 * form closes at once and the import runs, its outcome told in the admin's DM (a big file takes
 * longer than Slack waits for an answer). Who may import is checked again there.
 */
export function handleUsageSubmission(deps: SlackDeps) {
  return async ({ ack, body, view, client }: ViewArgs) => {
    const file = readUsageModalFiles(view.state.values)[0];
    if (!file || !looksLikeCsv(file)) {
      await ack({
        response_action: 'errors',
        errors: { [ids.usageModal.fileBlock]: file ? 'That is not a CSV file; export the report as CSV.' : 'Add the usage report (CSV).' },
      });
      return;
    }
    await ack();
    await importUsageFromSlack(client, deps, body.user.id, file);
  };
}
