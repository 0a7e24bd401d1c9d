import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { LicenseError } from '../../../licensing/errors.js';
import { type Actor, slackActor } from '../../../licensing/model.js';
import { parseRequestRef } from '../../parsers/payloads.js';

/** What Bolt hands a button listener. */
export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** The clicker, in the channel the button was in. */
export function actorOf(body: BlockAction): Actor {
  return slackActor(body.user.id, body.channel?.id);
}

/** The request id a button carries; `invalid_input` for anything else. */
export function requestIdOf(action: ButtonAction): string {
  const ref = parseRequestRef(action.value);
  if (!ref) throw new LicenseError('invalid_input');
  return ref.requestId;
}
