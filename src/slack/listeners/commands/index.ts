import type { App } from '@slack/bolt';
import type { SlackDeps } from '../../deps.js';
import { ids } from '../../ids.js';
import { handleLicenseCommand } from './license-command.js';

/** Registers `/license` (one command; its subcommands each have a handler file here). */
export function register(app: App, deps: SlackDeps): void {
  app.command(ids.command, handleLicenseCommand(deps));
}
