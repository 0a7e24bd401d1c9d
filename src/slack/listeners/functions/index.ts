import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { handleCheckSeatsStep } from './check-seats.js';
import { handleReassignLicenseStep } from './reassign-license.js';

/** Registers the Workflow Builder steps (manifest.yml `functions`; Bolt acks `function_executed`). */
export function register(app: App, deps: SlackDeps): void {
  app.function(ids.workflow.reassign, handleReassignLicenseStep(deps));
  app.function(ids.workflow.checkSeats, handleCheckSeatsStep(deps));
}
