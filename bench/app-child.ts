/**
 * One bench app process: boots the whole bot with `startApp` (Slack app in HTTP mode, Agenda,
 * sweeps) against the bench database and the parent's fake Slack, then waits for the parent.
 * Each measured job runs in its own process, so `maxRSS` is the peak of that job alone.
 *
 * Parent → child messages: `{ type: 'usage' }` (answered with the CPU time used so far) and
 * `{ type: 'stop' }`. Child → parent: `{ type: 'ready', port, rssMb }`, `{ type: 'usage', cpuMs }`,
 * then `{ type: 'stopped', maxRssMb, … }`.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startApp, tuneProcessForServing } from '../src/main.js';

export interface ChildSettings {
  mongodbUri: string;
  dbName: string;
  slackApiUrl: string;
  signingSecret: string;
  admins: string[];
  approvers: string[];
  /** Time every database command by name and collection (BENCH_PROFILE=1). */
  profileCommands?: boolean;
  /** More settings for this app (LEARNER_NOTICES, NOTICES_PER_MINUTE, …), as the environment would give them. */
  env?: Record<string, string>;
}

/** How long the event loop was blocked (what delays every request), in ms. */
export interface LoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Peaks of the process's memory parts, sampled every 250 ms (MB), and the heap after a full GC at the end if exposed. */
export interface MemoryPeaks {
  heapTotalMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  heapUsedAfterGcMb?: number;
  /** RSS every 250 ms: [ms since the epoch, MB]. */
  rssSamples: [number, number][];
}

/** Database time of one kind of command: count and total round-trip milliseconds. */
export type CommandProfile = Record<string, { count: number; ms: number }>;

export type ChildMessage =
  | { type: 'ready'; port: number; rssMb: number }
  | { type: 'usage'; cpuMs: number }
  | {
      type: 'stopped';
      maxRssMb: number;
      rssMb: number;
      loopDelay: LoopDelay;
      memory: MemoryPeaks;
      cpuMs: number;
      commands?: CommandProfile;
    }
  | { type: 'failed'; error: string };

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  // What `license-bot serve` does to its process before starting the app.
  tuneProcessForServing();
  const settings = JSON.parse(process.env.BENCH_CHILD ?? '{}') as ChildSettings;
  const send = (message: ChildMessage) => process.send?.(message);
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: settings.signingSecret,
    SLACK_API_URL: settings.slackApiUrl,
    MONGODB_URI: settings.profileCommands ? withOption(settings.mongodbUri, 'monitorCommands=true') : settings.mongodbUri,
    PORT: '0',
    LICENSE_ADMINS: settings.admins.join(','),
    LICENSE_APPROVERS: settings.approvers.join(','),
    LOG_LEVEL: 'warn',
    // The product's defaults for everything else (batch size, progress interval, job polling).
    ...settings.env,
  });
  const logger = createLogger('warn', { service: 'bench-app' }, (line) => process.stderr.write(`${line}\n`));
  const running = await startApp(config, { logger, dbName: settings.dbName });
  const commands: CommandProfile = {};
  if (settings.profileCommands) {
    const client = running.db.connection.getClient();
    const keys = new Map<number, string>();
    client.on('commandStarted', (event) => {
      const target = event.command[event.commandName] as unknown;
      keys.set(event.requestId, `${event.commandName}${typeof target === 'string' ? ` ${target}` : ''}`);
    });
    client.on('commandSucceeded', (event) => {
      const key = keys.get(event.requestId) ?? event.commandName;
      keys.delete(event.requestId);
      commands[key] ??= { count: 0, ms: 0 };
      const entry = commands[key];
      entry.count += 1;
      entry.ms += event.duration;
    });
  }
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const peaks: MemoryPeaks = { heapTotalMb: 0, heapUsedMb: 0, externalMb: 0, arrayBuffersMb: 0, rssSamples: [] };
  const sample = () => {
    const usage = process.memoryUsage();
    peaks.heapTotalMb = Math.max(peaks.heapTotalMb, mb(usage.heapTotal));
    peaks.heapUsedMb = Math.max(peaks.heapUsedMb, mb(usage.heapUsed));
    peaks.externalMb = Math.max(peaks.externalMb, mb(usage.external));
    peaks.arrayBuffersMb = Math.max(peaks.arrayBuffersMb, mb(usage.arrayBuffers));
    peaks.rssSamples.push([Date.now(), mb(usage.rss)]);
  };
  const sampler = setInterval(sample, 250);
  const cpuMsNow = () => {
    const cpu = process.cpuUsage();
    return Math.round((cpu.user + cpu.system) / 1000);
  };
  send({ type: 'ready', port: running.port, rssMb: mb(process.memoryUsage().rss) });
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'usage') send({ type: 'usage', cpuMs: cpuMsNow() });
    if (message.type !== 'stop') return;
    void (async () => {
      const cpuMs = cpuMsNow();
      delay.disable();
      clearInterval(sampler);
      sample();
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc) {
        gc();
        peaks.heapUsedAfterGcMb = mb(process.memoryUsage().heapUsed);
      }
      const ms = (ns: number) => Math.round(ns / 1e5) / 10;
      const loopDelay = { p50Ms: ms(delay.percentile(50)), p99Ms: ms(delay.percentile(99)), maxMs: ms(delay.max) };
      await running.stop();
      // ru_maxrss is in kilobytes on Linux.
      send({
        type: 'stopped',
        maxRssMb: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
        rssMb: mb(process.memoryUsage().rss),
        loopDelay,
        memory: peaks,
        cpuMs,
        ...(settings.profileCommands ? { commands } : {}),
      });
      process.disconnect?.();
      // Exits even if a library left a handle open; unref'd, so a clean exit is not delayed.
      setTimeout(() => process.exit(0), 2_000).unref();
    })();
  });
}

function withOption(uri: string, option: string): string {
  return uri.includes('?') ? `${uri}&${option}` : `${uri.replace(/\/?$/, '/')}?${option}`;
}

main().catch((error: unknown) => {
  process.send?.({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ChildMessage);
  process.exitCode = 1;
});
