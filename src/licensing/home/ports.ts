import type { BulkDeps } from '../bulk/ports.js';
import type { NoticeStore } from '../notices/ports.js';
import type { IdentityStore } from '../people/ports.js';
import type { ReclaimDeps } from '../reclaim/ports.js';
import type { ScheduleDeps } from '../schedule/ports.js';
import type { SelfServiceDeps } from '../self-service/ports.js';
import type { SyncDeps } from '../sync/ports.js';
import type { UndoDeps } from '../undo/ports.js';

/**
 * Who has a Home with the bot, so changes refresh only the Homes they concern, and when each was
 * last published, so several processes publish a person's Home at most once per window.
 */
export interface HomeViewerStore {
  /** Remembers that the user has a Home (opened or just published), and whether it shows the staff (admin or lead) sections. */
  rememberHomeViewer(userId: string, staff: boolean, now: Date): Promise<void>;
  /** Users with a staff Home (at most `limit`). */
  staffHomeViewers(limit: number): Promise<string[]>;
  /** Those of `userIds` who have a Home with the bot. */
  homeViewersAmong(userIds: readonly string[]): Promise<string[]>;
  /**
   * Takes the right to publish the user's Home now: granted unless it was published less than
   * `windowMs` ago, in which case the time it was is returned.
   */
  claimHomePublish(userId: string, now: Date, windowMs: number): Promise<{ claimed: true } | { claimed: false; publishedAt: Date }>;
}

/** What the Home needs: everything its sections read (time-bound grants, undo's window and reclaim's count included). */
export interface HomeDeps
  extends BulkDeps,
    ReclaimDeps,
    SelfServiceDeps,
    Pick<SyncDeps, 'sync' | 'syncStates' | 'syncControl'>,
    Pick<ScheduleDeps, 'grants'>,
    Pick<UndoDeps, 'undoWindowDays'> {
  homeViewers: HomeViewerStore;
  identities: IdentityStore;
  notices: NoticeStore;
}

/**
 * Refreshes the App Homes that a change made outside anyone's click concerns (a bulk job, a grant
 * ending); implemented by the Slack layer. Each call returns at once: who has a Home is looked up
 * in the background, publishes are coalesced per person, and failures are logged, never thrown.
 */
export interface HomeRefresher {
  /** Seats, jobs or approvals changed: the admins' and leads' Homes. */
  staffChanged(): void;
  /** These learners' licenses changed (any number of emails, looked up a chunk at a time). */
  learnersChanged(emails: readonly string[]): void;
  /** A job's learners, batch by batch: walked in the background one batch at a time, never loaded whole. */
  learnerBatchesChanged(batches: AsyncIterable<readonly string[]>): void;
}
