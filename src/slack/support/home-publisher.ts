import type { webApi } from '@slack/bolt';
import { isAdmin } from '../../licensing/admins.js';
import { leadOf } from '../../licensing/bulk/leads.js';
import { homeFor } from '../../licensing/home/home.js';
import type { HomeDeps } from '../../licensing/home/ports.js';
import { createReclaimCount, type ReclaimCount } from '../../licensing/home/reclaim-count.js';
import type { PeopleDirectory } from '../../licensing/people/ports.js';
import type { Logger } from '../../logger.js';
import { buildHomeView } from '../views/home.js';

/** Keeps people's App Homes current: rebuilt when opened, refreshed after the changes that concern them. */
export interface HomePublisher {
  /** `app_home_opened`: remembers the viewer and publishes their Home (at once, unless it was just published). */
  opened(userId: string): Promise<void>;
  /** Something every admin's and lead's Home shows changed (seats, approvals, jobs, requests). */
  staffChanged(): void;
  /** Usage came in: idle seats are counted again at once, and admins' Homes refreshed. */
  usageChanged(): void;
  /** These people's own Homes changed (their licenses, their requests, their role). */
  usersChanged(userIds: readonly string[]): void;
  /** These learners' licenses changed: the Homes of their Slack users, when known. */
  learnersChanged(emails: readonly string[]): void;
  /** Shutdown: publishes nothing new and waits for the publishes (and the idle-seat count) under way. */
  flush(): Promise<void>;
}

/** Staff Homes refreshed after one change at most (the rest see it when they next open it). */
const STAFF_REFRESHED = 200;

interface Entry {
  /** When the latest change this Home must show was noted (ms). */
  dirtyAt: number;
  timer?: NodeJS.Timeout;
  inflight?: Promise<void>;
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
  let staffPending: Promise<void> | undefined;
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
    const startedAt = Date.now();
    let retryAt: number | undefined;
    entry.inflight = (async () => {
      const claim = await deps.homeViewers.claimHomePublish(userId, new Date(startedAt), windowMs);
      if (!claim.claimed) {
        // Published by someone (maybe another process) within the window: if that was after the
        // change, it shows it; otherwise publish again when the window ends.
        const publishedAt = claim.publishedAt.getTime();
        if (publishedAt < entry.dirtyAt) retryAt = publishedAt + windowMs;
        return;
      }
      const home = await homeFor(deps, people, userId, { reclaim });
      await client.views.publish({ user_id: userId, view: buildHomeView(home) });
      // The idle seats were being counted (never on this path: it reads every holder): shown again when counted.
      if (home.admin?.reclaim?.counting) void reclaim.settled().then((counted) => counted && request(userId));
      // Roles change (an admin added, a lead removed): staff refreshes follow the Home as it is now.
      await deps.homeViewers.rememberHomeViewer(userId, Boolean(home.admin || home.lead), deps.now());
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

  const request = (userId: string) => {
    if (closing) return;
    let entry = entries.get(userId);
    if (!entry) {
      entry = { dirtyAt: Date.now() };
      entries.set(userId, entry);
    } else {
      entry.dirtyAt = Date.now();
    }
    // A timer or a publish under way will show this change (the publish checks dirtyAt when it ends).
    if (entry.timer || entry.inflight) return;
    schedule(userId, entry, 0);
  };

  const safely = (what: string, work: () => Promise<void>) => {
    void work().catch((error: unknown) => logger.warn(`could not refresh App Homes (${what})`, { error }));
  };

  return {
    async opened(userId) {
      const [admin, lead] = await Promise.all([isAdmin(deps, userId), leadOf(deps, userId)]);
      await deps.homeViewers.rememberHomeViewer(userId, admin || lead !== null, deps.now());
      request(userId);
    },
    staffChanged() {
      // Seats moved: idle seats are counted again, at most once a minute.
      reclaim.changed();
      // One look-up of the staff Homes for a burst of changes.
      if (staffPending) return;
      staffPending = (async () => {
        await new Promise((resolve) => setImmediate(resolve));
        staffPending = undefined;
        for (const userId of await deps.homeViewers.staffHomeViewers(STAFF_REFRESHED)) request(userId);
      })().catch((error: unknown) => logger.warn('could not refresh App Homes (staff)', { error }));
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
      safely('learners', async () => {
        const identities = await Promise.all(emails.slice(0, 50).map((email) => deps.identities.identityByEmail(email)));
        const userIds = identities.flatMap((identity) => (identity?.slackUserId ? [identity.slackUserId] : []));
        for (const userId of await deps.homeViewers.homeViewersAmong(userIds)) request(userId);
      });
    },
    async flush() {
      closing = true;
      for (const entry of entries.values()) clearTimeout(entry.timer);
      await staffPending;
      await reclaim.settled();
      await Promise.all([...entries.values()].map((entry) => entry.inflight));
    },
  };
}
