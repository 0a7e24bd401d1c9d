import { isAdmin, listAdmins } from '../admins.js';
import { blockerFor, leadOf } from '../bulk/leads.js';
import { type BulkRequest, FINAL_BULK_STATUSES } from '../bulk/ports.js';
import type { Learner, LicenseType } from '../model.js';
import { learnerOfSlackUser } from '../people/learners.js';
import type { PeopleDirectory } from '../people/ports.js';
import type { RecentChange } from '../ports.js';
import type { Grant } from '../schedule/ports.js';
import { isScheduledChange } from '../schedule/scheduled.js';
import type { LicenseRequest } from '../self-service/ports.js';
import { undoOffered } from '../undo/undo.js';
import type { HomeDeps } from './ports.js';
import type { HomeReclaim, ReclaimCount } from './reclaim-count.js';

/** Where sync stands, for the admins' Home (only when a platform is synced). */
export interface HomeSync {
  description: string;
  paused: boolean;
  pauseReason?: string;
  pending: number;
  dead: number;
  oldestPendingSince?: Date;
}

/** What an admin sees: seats, what waits for them, what runs, what changed. */
export interface AdminHome {
  types: LicenseType[];
  /** Bulk changes waiting for a lead; `canDecide` when the viewer is a lead who may decide it. */
  approvals: { request: BulkRequest; canDecide: boolean }[];
  /** Learners' own requests waiting for an admin. */
  licenseRequests: LicenseRequest[];
  /** Approved changes waiting for their "apply at", soonest first (each can be cancelled). */
  scheduled: BulkRequest[];
  /** Jobs about to start or running. */
  activeJobs: BulkRequest[];
  /** Finished jobs, newest first; `undoable` while Undo is offered (UNDO_WINDOW_DAYS, not undone yet). */
  recentJobs: { job: BulkRequest; undoable: boolean }[];
  /** Time-bound licenses ending within ENDING_WITHIN_DAYS. */
  endingSoon: EndingSoon;
  changes: RecentChange[];
  sync?: HomeSync;
  /** Idle seats per type (a count made in the background; absent when the Home was built without one). */
  reclaim?: HomeReclaim;
}

/**
 * Grants ending soon, soonest first: a learner's own grant, or the grants of one bulk change
 * together (`learners` of them, extended together), as the grant notices group them.
 */
export interface EndingSoon {
  groups: { grant: Grant; learners: number }[];
  /** More end within the window than are shown. */
  more: boolean;
  withinDays: number;
}

/** What a team lead sees: the bulk changes they may decide, and the groups they lead (empty: any). */
export interface LeadHome {
  approvals: BulkRequest[];
  groups: string[];
}

/** A license a learner holds, since when (the open history row), and the grant that ends it, if time-bound. */
export interface HeldLicense {
  key: string;
  since?: Date;
  grant?: Grant;
}

/** What a learner sees: their licenses, their open requests, what they could ask for. */
export interface LearnerHome {
  learner: Learner;
  licenses: HeldLicense[];
  openRequests: LicenseRequest[];
  requestable: LicenseType[];
}

/** One person's Home: a section per role they have; `about` when they have none. */
export interface Home {
  userId: string;
  typeNames: Map<string, string>;
  admin?: AdminHome;
  lead?: LeadHome;
  learner?: LearnerHome;
  about?: { admins: string[] };
}

const APPROVALS_SHOWN = 10;
const JOBS_SHOWN = 5;
const CHANGES_SHOWN = 10;
/** Grants ending within this many days are listed for admins (the first warning comes 7 days before). */
export const ENDING_WITHIN_DAYS = 7;
const ENDINGS_SHOWN = 5;
/** Grants read to find the first ENDINGS_SHOWN learners or bulk changes (one bulk change's grants end together). */
const ENDINGS_READ = 100;
const DAY_MS = 86_400_000;

/**
 * Reads what the user's Home shows, by role. Every list is a bounded, indexed query (counts come
 * from the seat counters, never from loading learners), run at once, so the admins' Home costs
 * the same with 100 learners or 100,000.
 */
export async function homeFor(
  deps: HomeDeps,
  people: PeopleDirectory,
  userId: string,
  options: { reclaim?: ReclaimCount } = {},
): Promise<Home> {
  const [admin, lead, learner, types] = await Promise.all([
    isAdmin(deps, userId),
    leadOf(deps, userId),
    // Slack unreachable for users.info (and nothing remembered): the Home shows the other roles.
    learnerOfSlackUser(deps, people, userId).catch(() => null),
    deps.store.listLicenseTypes(),
  ]);
  const typeNames = new Map(types.map((t) => [t.key, t.name]));
  const [adminHome, leadHome, learnerHome] = await Promise.all([
    admin ? adminSections(deps, userId, lead, types, options.reclaim) : undefined,
    lead && !admin ? leadSections(deps, userId, lead) : undefined,
    learner ? learnerSections(deps, learner, types) : undefined,
  ]);
  const home: Home = {
    userId,
    typeNames,
    ...(adminHome ? { admin: adminHome } : {}),
    ...(leadHome ? { lead: leadHome } : {}),
    ...(learnerHome ? { learner: learnerHome } : {}),
  };
  if (admin || lead || learner) return home;
  return { ...home, about: { admins: (await listAdmins(deps)).map((a) => a.userId) } };
}

async function adminSections(
  deps: HomeDeps,
  userId: string,
  lead: Awaited<ReturnType<typeof leadOf>>,
  types: LicenseType[],
  reclaim: ReclaimCount | undefined,
): Promise<AdminHome> {
  const now = deps.now();
  const [pending, licenseRequests, scheduled, active, recent, endings, changes, sync] = await Promise.all([
    deps.bulk.listPendingBulkRequests(now, APPROVALS_SHOWN),
    deps.licenseRequests.listPendingLicenseRequests(APPROVALS_SHOWN),
    deps.bulk.listScheduledBulkRequests(JOBS_SHOWN),
    // Scheduled ones are approved too: read enough to leave JOBS_SHOWN others.
    deps.bulk.listActiveBulkRequests(JOBS_SHOWN * 2),
    deps.bulk.listBulkRequests(JOBS_SHOWN * 2),
    endingSoon(deps, now),
    deps.store.recentChanges(CHANGES_SHOWN),
    syncSection(deps),
  ]);
  return {
    types,
    approvals: pending.map((request) => ({ request, canDecide: blockerFor(lead, userId, request) === null })),
    licenseRequests,
    scheduled,
    activeJobs: active.filter((r) => !isScheduledChange(r)).slice(0, JOBS_SHOWN),
    recentJobs: recent
      .filter((r) => FINAL_BULK_STATUSES.includes(r.status))
      .slice(0, JOBS_SHOWN)
      // As on the job's notice: offered until someone asks for the undo (the click checks everything again).
      .map((job) => ({ job, undoable: !job.undoneBy && undoOffered(deps, job) })),
    endingSoon: endings,
    changes,
    ...(sync ? { sync } : {}),
    ...(reclaim ? { reclaim: reclaim.current() } : {}),
  };
}

/** The learners and bulk changes whose time-bound licenses end next, within ENDING_WITHIN_DAYS. */
async function endingSoon(deps: HomeDeps, now: Date): Promise<EndingSoon> {
  const grants = await deps.grants.activeGrantsEndingBetween(now, new Date(now.getTime() + ENDING_WITHIN_DAYS * DAY_MS), ENDINGS_READ);
  const firsts = new Map<string, Grant>();
  for (const grant of grants) {
    // One being ended right now is past extending.
    if (grant.endOpId) continue;
    const key = grant.requestId ? `request:${grant.requestId}` : `grant:${grant.id}`;
    if (!firsts.has(key)) firsts.set(key, grant);
  }
  const shown = [...firsts.values()].slice(0, ENDINGS_SHOWN);
  const groups = await Promise.all(
    shown.map(async (grant) => ({
      grant,
      learners: grant.requestId ? await deps.grants.countActiveGrantsFor({ requestId: grant.requestId }) : 1,
    })),
  );
  return { groups, more: firsts.size > ENDINGS_SHOWN || grants.length === ENDINGS_READ, withinDays: ENDING_WITHIN_DAYS };
}

async function syncSection(deps: HomeDeps): Promise<HomeSync | undefined> {
  if (deps.sync.target === 'none') return undefined;
  const [control, counts] = await Promise.all([deps.syncControl.get(), deps.syncStates.counts()]);
  return {
    description: deps.sync.description,
    paused: control.paused,
    ...(control.pauseReason ? { pauseReason: control.pauseReason } : {}),
    pending: counts.pending,
    dead: counts.dead,
    ...(counts.oldestPendingSince ? { oldestPendingSince: counts.oldestPendingSince } : {}),
  };
}

async function leadSections(deps: HomeDeps, userId: string, lead: NonNullable<Awaited<ReturnType<typeof leadOf>>>): Promise<LeadHome> {
  const pending = await deps.bulk.listPendingBulkRequests(deps.now(), APPROVALS_SHOWN * 2);
  return {
    approvals: pending.filter((request) => blockerFor(lead, userId, request) === null).slice(0, APPROVALS_SHOWN),
    groups: [...lead.groups],
  };
}

async function learnerSections(deps: HomeDeps, learner: Learner, types: LicenseType[]): Promise<LearnerHome> {
  const [history, openRequests, grants] = await Promise.all([
    deps.store.learnerHistory(learner.id, 20),
    deps.licenseRequests.listOpenLicenseRequestsOf(learner.id, 10),
    deps.grants.activeGrantsOf(learner.id),
  ]);
  const licenses = learner.licenseTypes.map((key) => {
    const open = history.find((row) => row.licenseType === key && row.revokedAt === null);
    // Soonest end first: the grant that takes this license back next.
    const grant = grants.find((g) => g.added.includes(key));
    return { key, ...(open ? { since: open.assignedAt } : {}), ...(grant ? { grant } : {}) };
  });
  const asked = new Set(openRequests.map((r) => r.licenseType));
  return {
    learner,
    licenses,
    openRequests,
    requestable: types.filter((t) => !learner.licenseTypes.includes(t.key) && !asked.has(t.key)),
  };
}
