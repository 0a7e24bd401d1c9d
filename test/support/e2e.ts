import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { modelsFor } from '../../src/db/models/index.js';
import { createLogger } from '../../src/logger.js';
import { type RunningApp, startApp } from '../../src/main.js';
import { type FakeSlack, type FakeSlackOptions, startFakeSlack } from './fake-slack.js';
import {
  type EventInput,
  type InteractionPayload,
  type SendOptions,
  sendEvent,
  sendInteraction,
  sendSlashCommand,
} from './slack-requests.js';

export const SIGNING_SECRET = 'e2e-signing-secret-0123456789';
export const ADMIN = 'UADMIN1';

/** The real app in HTTP mode on a free port, a fake Slack Web API, and a fresh database. */
export interface E2E {
  running: RunningApp;
  slack: FakeSlack;
  baseUrl: string;
  models: ReturnType<typeof modelsFor>;
  /** Log lines the app wrote, parsed. */
  logs: Record<string, unknown>[];
  command(text: string, user?: string, options?: SendOptions & { channel?: string }): Promise<{ status: number; responseUrl: string }>;
  interact(payload: InteractionPayload, options?: SendOptions): ReturnType<typeof sendInteraction>;
  /** Sends a signed Events API event (app_home_opened, function_executed, …). */
  event(event: EventInput, options?: SendOptions): ReturnType<typeof sendEvent>;
  stop(): Promise<void>;
}

/**
 * Boots the whole app the way `license-bot serve` does, pointed at local fakes. `fakes.slack`
 * configures the fake Web API (e.g. the Socket Mode URL when `env` sets SLACK_APP_TOKEN).
 */
export async function bootE2E(
  env: Record<string, string> = {},
  options: Omit<Parameters<typeof startApp>[1] & object, 'logger' | 'dbName'> = {},
  fakes: { slack?: FakeSlackOptions } = {},
): Promise<E2E> {
  const uri = process.env.MONGODB_URI;
  if (!uri) throw new Error('MONGODB_URI is not set: the jest global setup should have set it');
  const slack = await startFakeSlack(fakes.slack);
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-e2e-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    MONGODB_URI: uri,
    PORT: '0',
    LICENSE_ADMINS: ADMIN,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger(config.logLevel, {}, (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const running = await startApp(config, { logger, dbName: `e2e_${randomBytes(6).toString('hex')}`, ...options });
  const baseUrl = `http://127.0.0.1:${running.port}`;
  return {
    running,
    slack,
    baseUrl,
    models: modelsFor(running.db.connection),
    logs,
    async command(text, user = ADMIN, options = {}) {
      const responseUrl = slack.responseUrl();
      const res = await sendSlashCommand(
        baseUrl,
        SIGNING_SECRET,
        { text, user_id: user, channel_id: options.channel ?? 'C0GENERAL', response_url: responseUrl },
        options,
      );
      return { status: res.status, responseUrl };
    },
    interact: (payload, options) => sendInteraction(baseUrl, SIGNING_SECRET, payload, options),
    event: (event, options) => sendEvent(baseUrl, SIGNING_SECRET, event, options),
    async stop() {
      await running.db.connection.dropDatabase().catch(() => undefined);
      await running.stop();
      await slack.close();
    },
  };
}
