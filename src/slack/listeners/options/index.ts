import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { handleLearnerOptions } from './learner-options.js';

/** Registers the typeaheads (external selects load their options here). */
export function register(app: App, deps: SlackDeps): void {
  app.options({ action_id: ids.changeModal.learnerSelect }, handleLearnerOptions(deps));
  app.options({ action_id: ids.bulkPreview.excludeSelect }, handleLearnerOptions(deps));
}
