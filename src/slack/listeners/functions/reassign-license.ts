import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { describeTypes } from '../../../licensing/model.js';
import { reassignFromWorkflow } from '../../../licensing/workflow/steps.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { parseReassignInputs, STEP_INPUTS_SENTENCE } from '../../parsers/workflow.js';
import { userSentence } from '../../support/respond.js';

/**
 * The *Reassign a license* workflow step. Runs as the workflow's initiator (`run_as`): an admin's
 * run reassigns through the engine and completes with the new licenses; anyone else's fails with
 * a sentence. Bolt acks the event before this runs.
 */
export function handleReassignLicenseStep(deps: SlackDeps) {
  return async ({ event, inputs, complete, fail }: SlackEventMiddlewareArgs<'function_executed'> & AllMiddlewareArgs) => {
    const input = parseReassignInputs(inputs);
    if (!input) {
      await fail({ error: STEP_INPUTS_SENTENCE });
      return;
    }
    try {
      const result = await reassignFromWorkflow(
        deps.services,
        { executionId: event.function_execution_id, workflowExecutionId: event.workflow_execution_id, runAs: input.runAs },
        input,
      );
      const names = new Map((await deps.services.store.listLicenseTypes()).map((t) => [t.key, t.name]));
      await complete({ outputs: { new_licenses: describeTypes(result.licenses, names), status: result.status } });
      deps.homes.staffChanged();
      deps.homes.learnersChanged([input.learnerEmail]);
    } catch (error) {
      await fail({ error: userSentence(error, deps.logger, { step: ids.workflow.reassign, user: input.runAs }) });
    }
  };
}
