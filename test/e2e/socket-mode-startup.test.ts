import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startApp } from '../../src/main.js';
import { type FakeSlack, startFakeSlack } from '../support/fake-slack.js';
import { type FakeSocketMode, startFakeSocketMode } from '../support/fake-socket-mode.js';

let slack: FakeSlack;
let socket: FakeSocketMode;

beforeEach(async () => {
  socket = await startFakeSocketMode();
  slack = await startFakeSlack({ socketModeUrl: socket.url });
});
afterEach(async () => {
  await slack.close();
  await socket.close();
});

function socketConfig(port: number) {
  return loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-e2e-token',
    SLACK_SIGNING_SECRET: 'socket-mode-secret',
    SLACK_APP_TOKEN: 'xapp-1-A1-0123456789-socketmodetoken',
    SLACK_API_URL: slack.apiUrl,
    MONGODB_URI: process.env.MONGODB_URI,
    PORT: String(port),
    LOG_LEVEL: 'error',
  });
}

const quiet = () => createLogger('error', {}, () => undefined);

describe('Socket Mode start-up', () => {
  it('serves /healthz on the port it really got when PORT is 0', async () => {
    const running = await startApp(socketConfig(0), {
      logger: quiet(),
      dbName: `e2e_${randomBytes(6).toString('hex')}`,
      lockLifetimeMs: 2_000,
    });
    try {
      expect(running.port).toBeGreaterThan(0);
      const res = await fetch(`http://127.0.0.1:${running.port}/healthz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, database: 'connected' });
    } finally {
      await running.db.connection.dropDatabase();
      await running.stop();
      await socket.waitForAllClosed();
    }
  });

  it('refuses to start with a clear error when PORT is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await expect(startApp(socketConfig(port), { logger: quiet(), dbName: `e2e_${randomBytes(6).toString('hex')}` })).rejects.toThrow(
        `cannot serve /healthz on port ${port}`,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
