import type { webApi } from '@slack/bolt';
import { isAdmin } from '../../licensing/admins.js';
import { leadOf } from '../../licensing/bulk/leads.js';
import { homeFor } from '../../licensing/home/home.js';
import type { HomeDeps, HomeRefresher } from '../../licensing/home/ports.js';
import { createReclaimCount, type ReclaimCount } from '../../licensing/home/reclaim-count.js';
import type { PeopleDirectory } from '../../licensing/people/ports.js';
import type { Logger } from '../../logger.js';
import { buildHomeView } from '../views/home.js';

/** Keeps people's App Homes current: rebuilt when opened, refreshed after the changes that concern them. */
export interface HomePublisher extends HomeRefresher {
  /** `app_home_opened`: remembers the viewer and publishes their Home (at once, unless it was just published). */
  opened(userId: string): Promise<void>;
  /** Usage came in: idle seats are counted again at once, and admins' Homes refreshed. */
  usageChanged(): void;
  /** These people's own Homes changed (their licenses, their requests, their role). */
  usersChanged(userIds: readonly string[]): void;
  /** Shutdown: publishes nothing new and waits for the publishes, look-ups (and the idle-seat count) under way. */
  flush(): Promise<void>;
}

/** Staff Homes refreshed after one change at most (the rest see it when they next open it). */
const STAFF_REFRESHED = 200;
/** Learners' emails (then their Slack users) looked up per query: a 20,000-learner job is 20 pairs of indexed reads. */
const LOOKUP_CHUNK = 1_000;
/**
 * Homes built and published at once. A job that changes many Home viewers queues their publishes
 * here instead of building them all at once; a Home being opened goes first.
 */
const PUBLISHING_AT_ONCE = 4;

interface Entry {
  /** When the latest change this Home must show was noted (ms). */
  dirtyAt: number;
  timer?: NodeJS.Timeout;
  inflight?: Promise<void>;
  /** Opened by its viewer: published before the refreshes waiting for a slot. */
  urgent?: boolean;
}

/**
 * Publishes Homes with `views.publish`, coalesced: at most one publish per person per `windowMs`
 * (across processes: the right to publish is one conditional update), and a change that comes
 * while a Home was just published is shown by one more publish when the window ends. Many changes
 * in a row (the batches of a bulk job) cost each Home one publish per window, not one per change.
 */
export function createHomePublisher(input: {
  client: webApi.WebClient;
  deps: HomeDeps;
  people: PeopleDirectory;
  logger: Logger;
  windowMs?: number;
  /** The admins' idle-seat count (made in the background); by default one counted at most every few minutes. */
  reclaim?: ReclaimCount;
}): HomePublisher {
  const { client, deps, people, logger } = input;
  const windowMs = input.windowMs ?? 5_000;
  const reclaim =
    input.reclaim ??
    createReclaimCount(deps, { onError: (error) => logger.warn('could not count idle seats for the App Home', { error }) });
  const entries = new Map<string, Entry>();
  const slots = createSlots(PUBLISHING_AT_ONCE);
  /** Look-ups under way (a job's learners walked batch by batch), awaited on shutdown. */
  const background = new Set<Promise<void>>();
  let staffPending: Promise<void> | undefined;
  let staffTimer: NodeJS.Timeout | undefined;
  let staffLookedUpAt = 0;
  /** The first staff change not yet looked up. */
  let staffChangedAt: number | undefined;
  let closing = false;

  const schedule = (userId: string, entry: Entry, delayMs: number) => {
    entry.timer = setTimeout(
      () => {
        entry.timer = undefined;
        run(userId, entry);
      },
      Math.max(0, delayMs),
    );
    entry.timer.unref?.();
  };

  const run = (userId: string, entry: Entry) => {
    let startedAt = Date.now();
    let retryAt: number | undefined;
    const urgent = entry.urgent ?? false;
    entry.urgent = false;
    entry.inflight = (async () => {
      await slots.acquire(urgent);
      try {
        // Changes noted while waiting for the slot are shown by this publish.
        startedAt = Date.now();
        if (!closing) await publish(userId, entry, startedAt, (at) => (retryAt = at));
      } finally {
        slots.release();
      }
    })()
      .catch((error: unknown) => logger.warn('could not publish an App Home', { user: userId, error }))
      .finally(() => {
        entry.inflight = undefined;
        if (closing) entries.delete(userId);
        else if (retryAt !== undefined) schedule(userId, entry, retryAt - Date.now());
        else if (entry.dirtyAt > startedAt) schedule(userId, entry, startedAt + windowMs - Date.now());
        else entries.delete(userId);
      });
  };

  /** Claims the right to publish, then builds and publishes the Home; `retryAt` when someone published it before the change. */
  const publish = async (userId: string, entry: Entry, startedAt: number, retryAt: (at: number) => void) => {
    const claim = await deps.homeViewers.claimHomePublish(userId, new Date(startedAt), windowMs);
    if (!claim.claimed) {
      // Published by someone (maybe another process) within the window: if that was after the
      // change, it shows it; otherwise publish again when the window ends.
      const publishedAt = claim.publishedAt.getTime();
      if (publishedAt < entry.dirtyAt) retryAt(publishedAt + windowMs);
      return;
    }
    const home = await homeFor(deps, people, userId, { reclaim });
    await client.views.publish({ user_id: userId, view: buildHomeView(home) });
    // The idle seats were being counted (never on this path: it reads every holder): shown again when counted.
    if (home.admin?.reclaim?.counting) void reclaim.settled().then((counted) => counted && request(userId));
    // Roles change (an admin added, a lead removed): staff refreshes follow the Home as it is now.
    await deps.homeViewers.rememberHomeViewer(userId, Boolean(home.admin || home.lead), deps.now());
  };

  /** `changedAt`: when the change to show happened (default now); a Home published since needs no publish for it. */
  const request = (userId: string, urgent = false, changedAt = Date.now()) => {
    if (closing) return;
    let entry = entries.get(userId);
    if (!entry) {
      entry = { dirtyAt: changedAt };
      entries.set(userId, entry);
    } else {
      entry.dirtyAt = Math.max(entry.dirtyAt, changedAt);
    }
    if (urgent) entry.urgent = true;
    // A timer or a publish under way will show this change (the publish checks dirtyAt when it ends).
    if (entry.timer || entry.inflight) return;
    schedule(userId, entry, 0);
  };

  /**
   * One look-up of the staff Homes for a burst of changes, and at most one per window: a job reports
   * progress after every batch, and each Home is published once a window anyway. Changes that come
   * while a look-up runs get one more when it ends.
   */
  const scheduleStaffLookup = () => {
    if (staffPending || staffTimer || closing || staffChangedAt === undefined) return;
    const lookUp = () => {
      staffTimer = undefined;
      staffLookedUpAt = Date.now();
      const changedAt = staffChangedAt ?? staffLookedUpAt;
      staffChangedAt = undefined;
      staffPending = (async () => {
        for (const userId of await deps.homeViewers.staffHomeViewers(STAFF_REFRESHED)) request(userId, false, changedAt);
      })()
        .catch((error: unknown) => logger.warn('could not refresh App Homes (staff)', { error }))
        .finally(() => {
          staffPending = undefined;
          scheduleStaffLookup();
        });
    };
    staffTimer = setTimeout(lookUp, Math.max(0, staffLookedUpAt + windowMs - Date.now()));
    staffTimer.unref?.();
  };

  const safely = (what: string, work: () => Promise<void>) => {
    const done: Promise<void> = work()
      .catch((error: unknown) => logger.warn(`could not refresh App Homes (${what})`, { error }))
      .finally(() => background.delete(done));
    background.add(done);
  };

  /** The Homes of these learners' Slack users, for those who have one: a chunk of emails per pair of queries. */
  const refreshLearners = async (emails: readonly string[]) => {
    for (let at = 0; at < emails.length && !closing; at += LOOKUP_CHUNK) {
      const identities = await deps.identities.identitiesByEmails(emails.slice(at, at + LOOKUP_CHUNK));
      const userIds = identities.flatMap((identity) => (identity.slackUserId ? [identity.slackUserId] : []));
      for (const userId of await deps.homeViewers.homeViewersAmong(userIds)) request(userId);
    }
  };

  return {
    async opened(userId) {
      const [admin, lead] = await Promise.all([isAdmin(deps, userId), leadOf(deps, userId)]);
      await deps.homeViewers.rememberHomeViewer(userId, admin || lead !== null, deps.now());
      request(userId, true);
    },
    staffChanged() {
      // Seats moved: idle seats are counted again, at most once a minute.
      reclaim.changed();
      // The look-up may come a window later: Homes published after the change already show it.
      staffChangedAt ??= Date.now();
      scheduleStaffLookup();
    },
    usageChanged() {
      reclaim.changed({ now: true });
      this.staffChanged();
    },
    usersChanged(userIds) {
      safely('users', async () => {
        for (const userId of await deps.homeViewers.homeViewersAmong(userIds)) request(userId);
      });
    },
    learnersChanged(emails) {
      if (emails.length === 0) return;
      safely('learners', () => refreshLearners(emails));
    },
    learnerBatchesChanged(batches) {
      safely('a job’s learners', async () => {
        for await (const emails of batches) {
          // Leaving the loop closes the walk (its cursor) too.
          if (closing) break;
          await refreshLearners(emails);
        }
      });
    },
    async flush() {
      closing = true;
      clearTimeout(staffTimer);
      staffTimer = undefined;
      for (const entry of entries.values()) clearTimeout(entry.timer);
      await Promise.all([...background]);
      await staffPending;
      await reclaim.settled();
      await Promise.all([...entries.values()].map((entry) => entry.inflight));
    },
  };
}

/** A fixed number of slots; urgent waiters are served before the others. */
function createSlots(size: number): { acquire(urgent: boolean): Promise<void>; release(): void } {
  let free = size;
  const urgent: (() => void)[] = [];
  const others: (() => void)[] = [];
  return {
    acquire(first) {
      if (free > 0) {
        free -= 1;
        return Promise.resolve();
      }
      return new Promise((resolve) => (first ? urgent : others).push(resolve));
    },
    release() {
      // The slot passes straight to the next waiter, so nobody overtakes it.
      const next = urgent.shift() ?? others.shift();
      if (next) next();
      else free += 1;
    },
  };
}
