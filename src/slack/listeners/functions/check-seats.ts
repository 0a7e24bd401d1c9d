import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { checkSeatsFromWorkflow } from '../../../licensing/workflow/steps.js';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { parseCheckSeatsInputs, STEP_INPUTS_SENTENCE } from '../../parsers/workflow.js';
import { userSentence } from '../../support/respond.js';

/** Output of an unlimited type's capacity and free seats (number outputs cannot be empty). */
export const UNLIMITED = -1;

/** The *Check seats* workflow step: a type's capacity, seats in use and free seats, for admins. */
export function handleCheckSeatsStep(deps: SlackDeps) {
  return async ({ event, inputs, complete, fail }: SlackEventMiddlewareArgs<'function_executed'> & AllMiddlewareArgs) => {
    const input = parseCheckSeatsInputs(inputs);
    if (!input) {
      await fail({ error: STEP_INPUTS_SENTENCE.replace('a learner email, ', '') });
      return;
    }
    try {
      const seats = await checkSeatsFromWorkflow(
        deps.services,
        { executionId: event.function_execution_id, workflowExecutionId: event.workflow_execution_id, runAs: input.runAs },
        input.licenseType,
      );
      await complete({
        outputs: {
          license_type: seats.type.name,
          capacity: seats.capacity ?? UNLIMITED,
          in_use: seats.inUse,
          free: seats.free ?? UNLIMITED,
          unlimited: seats.capacity === null,
        },
      });
    } catch (error) {
      await fail({ error: userSentence(error, deps.logger, { step: ids.workflow.checkSeats, user: input.runAs }) });
    }
  };
}
