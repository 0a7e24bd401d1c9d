import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage, ChildSettings, CommandProfile, LoopDelay, MemoryPeaks } from './app-child.js';

/** A running bench app process. */
export interface AppChild {
  port: number;
  baseUrl: string;
  /** RSS right after boot, before any work. */
  bootRssMb: number;
  /** CPU time the process has used so far (user + system, ms). */
  cpuMs(): Promise<number>;
  /** Stops the app (drains Agenda) and reports the process's peak resident memory and the rest. */
  stop(): Promise<{ maxRssMb: number; loopDelay: LoopDelay; memory: MemoryPeaks; cpuMs: number; commands?: CommandProfile }>;
}

/** Forks `app-child` (same loader flags as this process, so it also runs under tsx) and waits until it listens. */
export async function startAppChild(settings: ChildSettings, extraExecArgv: string[] = []): Promise<AppChild> {
  const script = fileURLToPath(new URL(`./app-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
  const child = fork(script, [], {
    env: { ...process.env, BENCH_CHILD: JSON.stringify(settings) },
    // BENCH_CHILD_FLAGS adds Node flags to the app processes (e.g. --expose-gc, --max-semi-space-size=…).
    execArgv: [...process.execArgv, ...extraExecArgv, ...(process.env.BENCH_CHILD_FLAGS ?? '').split(' ').filter(Boolean)],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends ChildMessage['type']>(type: T) =>
    new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
      const onMessage = (message: ChildMessage) => {
        if (message.type === 'failed') {
          cleanup();
          reject(new Error(`bench app failed: ${message.error}`));
        } else if (message.type === type) {
          cleanup();
          resolve(message as Extract<ChildMessage, { type: T }>);
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`bench app exited with code ${code} before '${type}'`));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
    });
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const ready = await next('ready');
  return {
    port: ready.port,
    baseUrl: `http://127.0.0.1:${ready.port}`,
    bootRssMb: ready.rssMb,
    async cpuMs() {
      if (exited()) throw new Error('the bench app has exited');
      const usage = next('usage');
      child.send({ type: 'usage' });
      return (await usage).cpuMs;
    },
    async stop() {
      if (exited()) throw new Error('the bench app has exited');
      const stopped = next('stopped');
      child.send({ type: 'stop' });
      const { maxRssMb, loopDelay, memory, cpuMs, commands } = await stopped;
      if (!exited()) await new Promise((resolve) => child.once('exit', resolve));
      return { maxRssMb, loopDelay, memory, cpuMs, ...(commands ? { commands } : {}) };
    },
  };
}
