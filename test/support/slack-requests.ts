import { createHmac, randomBytes } from 'node:crypto';
import type {
  BlockAction,
  BlockElementAction,
  BlockSuggestion,
  ButtonAction,
  ExternalSelectAction,
  SlashCommand,
  StaticSelectAction,
  ViewClosedAction,
  ViewOutput,
  ViewStateValue,
  ViewSubmitAction,
} from '@slack/bolt';

/**
 * Builders for the requests Slack sends to the app's `POST /slack/events`, signed the way Slack signs
 * them, and a sender that reports what the app answered. Payload shapes follow Bolt's own types, so
 * the compiler checks that they stay realistic.
 */

/** The workspace every factory uses unless told otherwise (matches the fake Slack's auth.test). */
export const TEST_TEAM = Object.freeze({ id: 'T1', domain: 'fake-workspace' });
export const TEST_APP_ID = 'A1';
/** Slack stopped checking this legacy field; it is sent anyway because Slack still includes it. */
const LEGACY_VERIFICATION_TOKEN = 'legacy-verification-token-unused';
// A response_url nobody listens on: fails fast instead of reaching the internet if a test forgot one.
const UNREACHABLE_RESPONSE_URL = 'http://127.0.0.1:9/respond/none';

/** What the app answered. `json` is set when the body parses as JSON. */
export interface SlackRequestResult {
  status: number;
  body: string;
  json?: unknown;
  headers: Record<string, string>;
}

/** Knobs for negative tests: extra headers (X-Slack-Retry-Num), an old timestamp, a forged signature. */
export interface SendOptions {
  headers?: Record<string, string>;
  /** Seconds since the epoch to sign with and send; defaults to now. */
  timestamp?: number;
  /** Sent instead of the computed signature, e.g. `'v0=forged'`. */
  signature?: string;
  /** Path on the app; defaults to `/slack/events`. */
  path?: string;
}

/** Slack's request signature: `v0=` + HMAC-SHA256 hex of `v0:{timestamp}:{raw body}`, as headers. */
export function signRequest(
  body: string,
  secret: string,
  timestamp: number = nowSeconds(),
): { 'x-slack-signature': string; 'x-slack-request-timestamp': string } {
  const digest = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': String(timestamp) };
}

/** Posts a raw body, signed with `secret`, to the app and returns its answer. */
export async function sendSignedRequest(
  baseUrl: string,
  secret: string,
  rawBody: string,
  contentType: string,
  options: SendOptions = {},
): Promise<SlackRequestResult> {
  const signed = signRequest(rawBody, secret, options.timestamp);
  const headers: Record<string, string> = {
    'content-type': contentType,
    ...signed,
    ...(options.signature !== undefined ? { 'x-slack-signature': options.signature } : {}),
    ...options.headers,
  };
  const response = await fetch(`${baseUrl.replace(/\/+$/, '')}${options.path ?? '/slack/events'}`, {
    method: 'POST',
    headers,
    body: rawBody,
  });
  const body = await response.text();
  return { status: response.status, body, ...parseJson(body), headers: Object.fromEntries(response.headers.entries()) };
}

/** The fields a test usually cares about in a slash command; the rest get realistic defaults. */
export interface SlashCommandInput {
  command?: string;
  text: string;
  user_id: string;
  channel_id: string;
  user_name?: string;
  channel_name?: string;
  trigger_id?: string;
  response_url?: string;
  team_id?: string;
}

/** A slash command exactly as Slack posts it (every field a string). */
export function slashCommandPayload(input: SlashCommandInput): SlashCommand {
  return {
    token: LEGACY_VERIFICATION_TOKEN,
    team_id: input.team_id ?? TEST_TEAM.id,
    team_domain: TEST_TEAM.domain,
    channel_id: input.channel_id,
    channel_name: input.channel_name ?? (input.channel_id.startsWith('D') ? 'directmessage' : 'general'),
    user_id: input.user_id,
    user_name: input.user_name ?? input.user_id.toLowerCase(),
    command: input.command ?? '/license',
    text: input.text,
    api_app_id: TEST_APP_ID,
    is_enterprise_install: 'false',
    response_url: input.response_url ?? UNREACHABLE_RESPONSE_URL,
    trigger_id: input.trigger_id ?? newTriggerId(),
  };
}

/** Sends a signed slash command, form-encoded like Slack does. */
export async function sendSlashCommand(
  baseUrl: string,
  secret: string,
  input: SlashCommandInput,
  options?: SendOptions,
): Promise<SlackRequestResult> {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(slashCommandPayload(input))) {
    if (typeof value === 'string') form.set(key, value);
  }
  return sendSignedRequest(baseUrl, secret, form.toString(), 'application/x-www-form-urlencoded', options);
}

/** Any interaction payload; a plain record lets tests send malformed ones on purpose. */
export type InteractionPayload = BlockAction | BlockSuggestion | ViewSubmitAction | ViewClosedAction | Record<string, unknown>;

/** Sends a signed interaction (`payload=<json>`, form-encoded) like Slack does. */
export async function sendInteraction(
  baseUrl: string,
  secret: string,
  payload: InteractionPayload,
  options?: SendOptions,
): Promise<SlackRequestResult> {
  const form = new URLSearchParams({ payload: JSON.stringify(payload) });
  return sendSignedRequest(baseUrl, secret, form.toString(), 'application/x-www-form-urlencoded', options);
}

/** A modal as Slack reports it back in interactions; override any field. */
export function viewOutput(overrides: Partial<ViewOutput> = {}): ViewOutput {
  const id = overrides.id ?? `V${randomId(10)}`;
  return {
    id,
    team_id: TEST_TEAM.id,
    app_id: TEST_APP_ID,
    app_installed_team_id: TEST_TEAM.id,
    bot_id: 'B1',
    type: 'modal',
    callback_id: '',
    private_metadata: '',
    title: { type: 'plain_text', text: 'License', emoji: true },
    submit: { type: 'plain_text', text: 'Submit', emoji: true },
    close: { type: 'plain_text', text: 'Cancel', emoji: true },
    blocks: [],
    state: { values: {} },
    hash: `${nowSeconds()}.${randomId(8)}`,
    root_view_id: id,
    previous_view_id: null,
    clear_on_close: false,
    notify_on_close: false,
    external_id: '',
    ...overrides,
  };
}

/** Input for a `block_suggestion` (an external_select asking for options as the user types). */
export interface BlockSuggestionInput {
  user_id: string;
  action_id: string;
  block_id: string;
  value: string;
  team_id?: string;
  /** The modal the menu lives in; omit for a menu in a message (then `channel_id` is used). */
  view?: ViewOutput;
  channel_id?: string;
}

/** A `block_suggestion` payload as Slack sends it to the options load URL. */
export function blockSuggestionPayload(input: BlockSuggestionInput): BlockSuggestion {
  const teamId = input.team_id ?? TEST_TEAM.id;
  const base = {
    type: 'block_suggestion' as const,
    user: { id: input.user_id, name: input.user_id.toLowerCase(), team_id: teamId },
    team: { id: teamId, domain: TEST_TEAM.domain },
    api_app_id: TEST_APP_ID,
    token: LEGACY_VERIFICATION_TOKEN,
    action_id: input.action_id,
    block_id: input.block_id,
    value: input.value,
    action_ts: actionTs(),
  };
  if (input.view) {
    return { ...base, view: input.view, container: { type: 'view', view_id: input.view.id } };
  }
  const channelId = input.channel_id ?? 'C0GENERAL';
  return {
    ...base,
    channel: { id: channelId, name: 'general' },
    container: { type: 'message', channel_id: channelId, message_ts: actionTs(), is_ephemeral: false },
  };
}

/** Input for a `view_submission`: the modal's identity and the values the user entered. */
export interface ViewSubmissionInput {
  user_id: string;
  callback_id: string;
  /** `state.values`: block_id → action_id → value; see the `stateValue` helpers. */
  values: ViewOutput['state']['values'];
  private_metadata?: string;
  team_id?: string;
  trigger_id?: string;
  /** The rest of the view (id, hash, blocks, ...), e.g. from the fake Slack's views.open answer. */
  view?: Partial<ViewOutput>;
}

/** A `view_submission` payload as Slack sends it when the user presses the modal's submit button. */
export function viewSubmissionPayload(input: ViewSubmissionInput): ViewSubmitAction {
  const teamId = input.team_id ?? TEST_TEAM.id;
  return {
    type: 'view_submission',
    team: { id: teamId, domain: TEST_TEAM.domain },
    user: { id: input.user_id, name: input.user_id.toLowerCase(), team_id: teamId },
    api_app_id: TEST_APP_ID,
    token: LEGACY_VERIFICATION_TOKEN,
    trigger_id: input.trigger_id ?? newTriggerId(),
    view: viewOutput({
      ...input.view,
      callback_id: input.callback_id,
      private_metadata: input.private_metadata ?? input.view?.private_metadata ?? '',
      state: { values: input.values },
    }),
    response_urls: [],
    is_enterprise_install: false,
  };
}

/** A button press described by its ids; `blockActionsPayload` turns it into a Slack ButtonAction. */
export interface ButtonInput {
  action_id: string;
  block_id: string;
  value?: string;
  text?: string;
}

/** Input for `block_actions`: who clicked what, and where (a message or a modal). */
export interface BlockActionsInput {
  user_id: string;
  actions: (ButtonInput | BlockElementAction)[];
  team_id?: string;
  trigger_id?: string;
  response_url?: string;
  /** Channel of the message holding the element; ignored when `view` is given. */
  channel_id?: string;
  /** The message holding the element (its ts is needed to chat.update it). */
  message?: { ts: string; text?: string; blocks?: unknown[]; user?: string; thread_ts?: string };
  /** The modal holding the element, for actions inside a view. */
  view?: ViewOutput;
}

/** A `block_actions` payload as Slack sends it for a button press or a menu choice. */
export function blockActionsPayload(input: BlockActionsInput): BlockAction {
  const teamId = input.team_id ?? TEST_TEAM.id;
  const actions = input.actions.map((action): BlockElementAction => ('type' in action ? action : buttonAction(action)));
  const base = {
    type: 'block_actions' as const,
    user: { id: input.user_id, username: input.user_id.toLowerCase(), name: input.user_id.toLowerCase(), team_id: teamId },
    team: { id: teamId, domain: TEST_TEAM.domain },
    api_app_id: TEST_APP_ID,
    token: LEGACY_VERIFICATION_TOKEN,
    trigger_id: input.trigger_id ?? newTriggerId(),
    response_url: input.response_url ?? UNREACHABLE_RESPONSE_URL,
    actions,
    is_enterprise_install: false,
  };
  if (input.view) {
    return {
      ...base,
      view: input.view,
      state: input.view.state,
      container: { type: 'view', view_id: input.view.id },
    };
  }
  const channelId = input.channel_id ?? 'C0GENERAL';
  const message = input.message ?? { ts: actionTs() };
  return {
    ...base,
    channel: { id: channelId, name: channelId.startsWith('D') ? 'directmessage' : 'general' },
    message: { type: 'message', user: 'UBOT', bot_id: 'B1', text: '', ...message },
    container: { type: 'message', message_ts: message.ts, channel_id: channelId, is_ephemeral: false },
    state: { values: {} },
  };
}

/**
 * A click on a button of an App Home, as Slack sends it: from the Home view, with no channel and no
 * `response_url` (so the app must answer in a DM).
 */
export function homeBlockActionsPayload(input: { user_id: string; actions: ButtonInput[]; blocks: unknown[] }): InteractionPayload {
  const { response_url: _none, ...payload } = blockActionsPayload({
    user_id: input.user_id,
    actions: input.actions,
    view: viewOutput({ type: 'home', blocks: input.blocks as ViewOutput['blocks'] }),
  });
  return payload;
}

/** A button action as Slack reports it inside `block_actions`. */
export function buttonAction(input: ButtonInput): ButtonAction {
  return {
    type: 'button',
    action_id: input.action_id,
    block_id: input.block_id,
    ...(input.value !== undefined ? { value: input.value } : {}),
    text: { type: 'plain_text', text: input.text ?? input.action_id, emoji: true },
    action_ts: actionTs(),
  };
}

/** A static_select choice as Slack reports it inside `block_actions`. */
export function staticSelectAction(input: { action_id: string; block_id: string; value: string; text?: string }): StaticSelectAction {
  return {
    type: 'static_select',
    action_id: input.action_id,
    block_id: input.block_id,
    selected_option: { text: { type: 'plain_text', text: input.text ?? input.value, emoji: true }, value: input.value },
    action_ts: actionTs(),
  };
}

/** An external_select choice as Slack reports it inside `block_actions`. */
export function externalSelectAction(input: { action_id: string; block_id: string; value: string; text?: string }): ExternalSelectAction {
  return {
    type: 'external_select',
    action_id: input.action_id,
    block_id: input.block_id,
    selected_option: { text: { type: 'plain_text', text: input.text ?? input.value, emoji: true }, value: input.value },
    action_ts: actionTs(),
  };
}

/** Builders for the entries of `view.state.values[block_id][action_id]`, one per input element. */
export const stateValue = {
  /** A plain_text_input; `null` is what Slack sends for an empty optional field. */
  text: (value: string | null): ViewStateValue => ({ type: 'plain_text_input', value }),
  /** A static_select or external_select; `null` for nothing chosen. */
  option: (value: string | null, text?: string, type: 'static_select' | 'external_select' = 'static_select'): ViewStateValue => ({
    type,
    selected_option: value === null ? null : { text: { type: 'plain_text', text: text ?? value, emoji: true }, value },
  }),
  /** A multi_static_select or multi_external_select. */
  options: (values: string[], type: 'multi_static_select' | 'multi_external_select' = 'multi_static_select'): ViewStateValue => ({
    type,
    selected_options: values.map((value) => ({ text: { type: 'plain_text', text: value, emoji: true }, value })),
  }),
  /** A users_select. */
  user: (userId: string | null): ViewStateValue => ({ type: 'users_select', selected_user: userId }),
  /** A multi_users_select. */
  users: (userIds: string[]): ViewStateValue => ({ type: 'multi_users_select', selected_users: userIds }),
  /** A conversations_select. */
  conversation: (channelId: string | null): ViewStateValue => ({ type: 'conversations_select', selected_conversation: channelId }),
  /** A radio_buttons group. */
  radio: (value: string | null, text?: string): ViewStateValue => ({
    type: 'radio_buttons',
    selected_option: value === null ? null : { text: { type: 'plain_text', text: text ?? value, emoji: true }, value },
  }),
  /** A checkboxes group. */
  checkboxes: (values: string[]): ViewStateValue => ({
    type: 'checkboxes',
    selected_options: values.map((value) => ({ text: { type: 'plain_text', text: value, emoji: true }, value })),
  }),
  /** A datepicker (YYYY-MM-DD). */
  date: (date: string | null): ViewStateValue => ({ type: 'datepicker', selected_date: date }),
};

/** A trigger_id shaped like Slack's; it is only ever echoed back to the fake Slack's views.open. */
export function newTriggerId(): string {
  return `${nowSeconds()}.${Math.floor(Math.random() * 1e12)}.${randomId(32).toLowerCase()}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function actionTs(): string {
  const now = Date.now();
  return `${Math.floor(now / 1000)}.${String((now % 1000) * 1000 + Math.floor(Math.random() * 1000)).padStart(6, '0')}`;
}

function randomId(length: number): string {
  return randomBytes(length).toString('hex').toUpperCase().slice(0, length);
}

function parseJson(body: string): { json?: unknown } {
  if (body.trim() === '') return {};
  try {
    return { json: JSON.parse(body) as unknown };
  } catch {
    return {};
  }
}

/** An Events API event as a test describes it; the envelope is added by `eventEnvelope`. */
export type EventInput = { type: string } & Record<string, unknown>;

/** The Events API envelope Slack posts to `/slack/events` around an event. */
export function eventEnvelope(event: EventInput, options: { team_id?: string; event_id?: string } = {}): Record<string, unknown> {
  const teamId = options.team_id ?? TEST_TEAM.id;
  return {
    token: LEGACY_VERIFICATION_TOKEN,
    team_id: teamId,
    api_app_id: TEST_APP_ID,
    event,
    type: 'event_callback',
    event_id: options.event_id ?? `Ev${randomId(10)}`,
    event_time: nowSeconds(),
    authorizations: [{ enterprise_id: null, team_id: teamId, user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  };
}

/** Sends a signed Events API event (JSON, like Slack does). */
export async function sendEvent(
  baseUrl: string,
  secret: string,
  event: EventInput,
  options?: SendOptions & { event_id?: string },
): Promise<SlackRequestResult> {
  const body = JSON.stringify(eventEnvelope(event, options?.event_id ? { event_id: options.event_id } : {}));
  return sendSignedRequest(baseUrl, secret, body, 'application/json', options);
}

/** `app_home_opened` for the Home tab (or the Messages tab). */
export function appHomeOpenedEvent(user: string, tab: 'home' | 'messages' = 'home'): EventInput {
  return { type: 'app_home_opened', user, channel: `D${user}`, tab, event_ts: actionTs() };
}

/** Input for `function_executed`: which step, with which inputs, in which execution. */
export interface FunctionExecutedInput {
  callback_id: string;
  inputs: Record<string, unknown>;
  function_execution_id?: string;
  workflow_execution_id?: string;
  /** The workflow token Slack hands the step (Bolt calls functions.complete* with it). */
  bot_access_token?: string;
}

/** `function_executed`: Workflow Builder running one of the app's custom steps. */
export function functionExecutedEvent(input: FunctionExecutedInput): EventInput {
  const executionId = input.function_execution_id ?? `Fx${randomId(10)}`;
  return {
    type: 'function_executed',
    function: {
      id: `Fn${randomId(10)}`,
      callback_id: input.callback_id,
      title: input.callback_id,
      type: 'app',
      input_parameters: [],
      output_parameters: [],
      app_id: TEST_APP_ID,
      date_created: nowSeconds(),
      date_updated: nowSeconds(),
      date_deleted: 0,
    },
    inputs: input.inputs,
    function_execution_id: executionId,
    workflow_execution_id: input.workflow_execution_id ?? `Wx${randomId(10)}`,
    event_ts: actionTs(),
    bot_access_token: input.bot_access_token ?? `xwfp-${randomId(20).toLowerCase()}`,
  };
}
