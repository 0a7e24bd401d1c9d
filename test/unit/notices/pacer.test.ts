import { type Clock, createPacer } from '../../../src/licensing/notices/pacer.js';

/** A clock that only moves when someone sleeps, so every start time is exact. */
function manualClock(): Clock & { starts: number[] } {
  let now = 0;
  const clock = {
    starts: [] as number[],
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
  return clock;
}

describe('the notice pacer', () => {
  it('spaces calls one interval apart', async () => {
    const clock = manualClock();
    const pacer = createPacer(600, clock); // 10 a second

    for (let i = 0; i < 5; i += 1) {
      await pacer.wait();
      clock.starts.push(clock.now());
    }

    expect(pacer.intervalMs).toBe(100);
    expect(clock.starts).toEqual([0, 100, 200, 300, 400]);
  });

  it('lets no call start before a Retry-After has passed, even one that already had its slot', async () => {
    const clock = manualClock();
    const pacer = createPacer(60, clock); // one a second
    await pacer.wait();
    clock.starts.push(clock.now());

    pacer.pauseFor(5_000);
    await pacer.wait();
    clock.starts.push(clock.now());
    await pacer.wait();
    clock.starts.push(clock.now());

    expect(clock.starts).toEqual([0, 5_000, 6_000]);
  });

  it('moves a caller already asleep behind a pause that came while it slept', async () => {
    let now = 0;
    const sleepers: (() => void)[] = [];
    const clock: Clock = {
      now: () => now,
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          sleepers.push(() => {
            now += ms;
            resolve();
          });
        }),
    };
    const pacer = createPacer(60, clock);
    await pacer.wait(); // slot 0, no sleep
    const second = pacer.wait(); // sleeps until 1,000
    pacer.pauseFor(10_000); // a 429 arrives meanwhile
    sleepers.shift()?.(); // wakes at 1,000: still paused
    await new Promise((resolve) => setImmediate(resolve));
    sleepers.shift()?.(); // sleeps to the end of the pause
    await second;

    expect(now).toBeGreaterThanOrEqual(10_000);
  });

  it('refuses a pace that is not a positive rate', () => {
    expect(() => createPacer(0)).toThrow('positive');
  });
});
