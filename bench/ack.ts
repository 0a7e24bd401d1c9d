import type { FakeSlack } from '../test/support/fake-slack.js';
import { sendSlashCommand } from '../test/support/slack-requests.js';
import { ADMIN, CHANNEL, SIGNING_SECRET } from './bulk.js';
import { latencySummary } from './stats.js';

/** Slash-command ack latencies measured while a bulk job runs. */
export interface AckRun {
  requests: number;
  concurrency: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** When the last ack arrived, for checking the load overlapped the job. */
  finishedAt: number;
}

/** Everyday commands, each acked at once and answered through its response_url. */
const COMMANDS = ['seats', 'jobs', 'help', 'show ada', 'requests'];

/**
 * Sends `count` signed `/license` commands, `concurrency` at a time, and times each until the
 * app's HTTP answer (the ack: Bolt answers Slack when the listener calls `ack()`).
 */
export async function runAckLoad(baseUrl: string, slack: FakeSlack, count: number, concurrency: number): Promise<AckRun> {
  const samples: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const started = performance.now();
      const res = await sendSlashCommand(baseUrl, SIGNING_SECRET, {
        text: COMMANDS[i % COMMANDS.length] ?? 'help',
        user_id: ADMIN,
        channel_id: CHANNEL,
        response_url: slack.responseUrl(),
      });
      samples.push(performance.now() - started);
      if (res.status !== 200) throw new Error(`/license answered HTTP ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { requests: count, concurrency, ...latencySummary(samples), finishedAt: Date.now() };
}
