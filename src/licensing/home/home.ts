import { isAdmin, listAdmins } from '../admins.js';
import { blockerFor, leadOf } from '../bulk/leads.js';
import { type BulkRequest, FINAL_BULK_STATUSES } from '../bulk/ports.js';
import type { Learner, LicenseType } from '../model.js';
import { learnerOfSlackUser } from '../people/learners.js';
import type { PeopleDirectory } from '../people/ports.js';
import type { RecentChange } from '../ports.js';
import type { LicenseRequest } from '../self-service/ports.js';
import type { HomeDeps } from './ports.js';

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
  activeJobs: BulkRequest[];
  recentJobs: BulkRequest[];
  changes: RecentChange[];
  sync?: HomeSync;
}

/** What a team lead sees: the bulk changes they may decide, and the groups they lead (empty: any). */
export interface LeadHome {
  approvals: BulkRequest[];
  groups: string[];
}

/** A license a learner holds, and since when (the open history row). */
export interface HeldLicense {
  key: string;
  since?: Date;
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

/**
 * Reads what the user's Home shows, by role. Every list is a bounded, indexed query (counts come
 * from the seat counters, never from loading learners), run at once, so the admins' Home costs
 * the same with 100 learners or 100,000.
 */
export async function homeFor(deps: HomeDeps, people: PeopleDirectory, userId: string): Promise<Home> {
  const [admin, lead, learner, types] = await Promise.all([
    isAdmin(deps, userId),
    leadOf(deps, userId),
    // Slack unreachable for users.info (and nothing remembered): the Home shows the other roles.
    learnerOfSlackUser(deps, people, userId).catch(() => null),
    deps.store.listLicenseTypes(),
  ]);
  const typeNames = new Map(types.map((t) => [t.key, t.name]));
  const [adminHome, leadHome, learnerHome] = await Promise.all([
    admin ? adminSections(deps, userId, lead, types) : undefined,
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
): Promise<AdminHome> {
  const now = deps.now();
  const [pending, licenseRequests, activeJobs, recent, changes, sync] = await Promise.all([
    deps.bulk.listPendingBulkRequests(now, APPROVALS_SHOWN),
    deps.licenseRequests.listPendingLicenseRequests(APPROVALS_SHOWN),
    deps.bulk.listActiveBulkRequests(JOBS_SHOWN),
    deps.bulk.listBulkRequests(JOBS_SHOWN * 2),
    deps.store.recentChanges(CHANGES_SHOWN),
    syncSection(deps),
  ]);
  return {
    types,
    approvals: pending.map((request) => ({ request, canDecide: blockerFor(lead, userId, request) === null })),
    licenseRequests,
    activeJobs,
    recentJobs: recent.filter((r) => FINAL_BULK_STATUSES.includes(r.status)).slice(0, JOBS_SHOWN),
    changes,
    ...(sync ? { sync } : {}),
  };
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
  const [history, openRequests] = await Promise.all([
    deps.store.learnerHistory(learner.id, 20),
    deps.licenseRequests.listOpenLicenseRequestsOf(learner.id, 10),
  ]);
  const licenses = learner.licenseTypes.map((key) => {
    const open = history.find((row) => row.licenseType === key && row.revokedAt === null);
    return { key, ...(open ? { since: open.assignedAt } : {}) };
  });
  const asked = new Set(openRequests.map((r) => r.licenseType));
  return {
    learner,
    licenses,
    openRequests,
    requestable: types.filter((t) => !learner.licenseTypes.includes(t.key) && !asked.has(t.key)),
  };
}
