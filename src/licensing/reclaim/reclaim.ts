import { requireAdmin } from '../admins.js';
import { audit } from '../audit.js';
import type { BulkSelectionInput } from '../bulk/ports.js';
import { type BulkSubmission, submitBulkRequest } from '../bulk/requests.js';
import { normalizeSelection } from '../bulk/selection.js';
import { LicenseError } from '../errors.js';
import type { Actor, AdminChange, LicenseType } from '../model.js';
import type { UsageImportRecord } from '../usage/ports.js';
import type { ReclaimDeps, ReclaimRound, ReclaimSettings, ReclaimWeek } from './ports.js';

export const DAY_MS = 86_400_000;

/** The selection of a type's idle holders now: the one definition the list, the request and a round use. */
export function reclaimSelection(
  settings: Pick<ReclaimSettings, 'idleDays' | 'excludeGroups' | 'excludeEmails'>,
  type: string,
  now: Date,
  extra: { round?: string; neverOnly?: boolean; idleBefore?: Date } = {},
): BulkSelectionInput {
  return {
    licenseTypes: [type],
    status: 'active',
    excludeEmails: [...settings.excludeEmails],
    idle: {
      before: extra.idleBefore ?? new Date(now.getTime() - settings.idleDays * DAY_MS),
      at: now,
      excludeGroups: [...settings.excludeGroups],
      ...(extra.round ? { round: extra.round } : {}),
      ...(extra.neverOnly ? { neverOnly: true } : {}),
    },
  };
}

/** One license type's idle seats. */
export interface ReclaimTypeSummary {
  type: LicenseType;
  /** Holders idle longer than RECLAIM_IDLE_DAYS, never-started ones included. */
  idle: number;
  neverStarted: number;
  /** SEAT_PRICE_<TYPE>, yearly; null when not set. */
  price: number | null;
  /** idle × price; null when the price is not set. */
  yearlyCost: number | null;
}

/** What `/license reclaim` (and App Home) shows. */
export interface ReclaimSummary {
  idleDays: number;
  askFirst: boolean;
  types: ReclaimTypeSummary[];
  seats: number;
  /** Sum over the priced types. */
  yearlyCost: number;
  lastImport: UsageImportRecord | null;
  openRounds: ReclaimRound[];
}

/** Per license type in use: holders idle more than RECLAIM_IDLE_DAYS or never started, with the yearly cost of their seats. */
export async function reclaimSummary(deps: ReclaimDeps): Promise<ReclaimSummary> {
  const now = deps.now();
  const settings = deps.reclaimSettings;
  const [types, imports, openRounds] = await Promise.all([
    deps.store.listLicenseTypes(),
    deps.usage.listUsageImports(1),
    deps.reclaim.openRounds(10),
  ]);
  const rows = await Promise.all(
    types
      .filter((type) => type.seatsInUse > 0)
      .map(async (type): Promise<ReclaimTypeSummary> => {
        const { idle, neverStarted } = await deps.reclaim.countCandidates(normalizeSelection(reclaimSelection(settings, type.key, now)));
        const price = settings.seatPrices.get(type.key) ?? null;
        return { type, idle, neverStarted, price, yearlyCost: price === null ? null : idle * price };
      }),
  );
  return {
    idleDays: settings.idleDays,
    askFirst: settings.askFirst,
    types: rows,
    seats: rows.reduce((sum, row) => sum + row.idle, 0),
    yearlyCost: rows.reduce((sum, row) => sum + (row.yearlyCost ?? 0), 0),
    lastImport: imports[0] ?? null,
    openRounds,
  };
}

export type ReclaimStart =
  /** A bulk request of the idle holders, through the usual approval. */
  | { kind: 'submitted'; submission: BulkSubmission }
  /** RECLAIM_ASK_FIRST: the learners are being asked; the silent ones are reclaimed after the grace period. */
  | { kind: 'asking'; round: ReclaimRound };

/**
 * Reclaims a type's idle seats: revoke, or reassign to `to` (a cheaper type). Without ask-first it
 * is a bulk request like any other (approval above the threshold); with it, the learners are
 * asked first and the request is made for the silent ones when the grace period ends.
 */
export async function startReclaim(
  deps: ReclaimDeps,
  actor: Actor,
  input: { type: string; to?: string | null; reason?: string },
): Promise<ReclaimStart> {
  await requireAdmin(deps, actor, 'reclaim.start');
  const settings = deps.reclaimSettings;
  const type = await deps.store.getLicenseType(input.type);
  if (!type) throw new LicenseError('unknown_license_type');
  if (input.to) {
    if (input.to === input.type) throw new LicenseError('invalid_input', 'Reclaiming to the same license type changes nothing.');
    if (!(await deps.store.getLicenseType(input.to))) throw new LicenseError('unknown_license_type');
  }
  const change: AdminChange = input.to ? { kind: 'reassign', from: input.type, to: input.to } : { kind: 'revoke' };
  const reason = input.reason?.trim() || `Reclaim: ${type.name} seats idle more than ${settings.idleDays} days or never started`;
  const now = deps.now();
  if (!settings.askFirst) {
    const submission = await submitBulkRequest(deps, actor, {
      selection: reclaimSelection(settings, type.key, now),
      change,
      reason,
      ...(actor.channelId ? { channelId: actor.channelId } : {}),
      reclaim: { type: type.key },
    });
    return { kind: 'submitted', submission };
  }
  const idleBefore = new Date(now.getTime() - settings.idleDays * DAY_MS);
  const round = await deps.reclaim.createRound({
    type: type.key,
    change,
    reason,
    requestedBy: actor.userId,
    ...(actor.channelId ? { channelId: actor.channelId } : {}),
    createdAt: now,
    idleBefore,
    graceEndsAt: new Date(now.getTime() + settings.graceDays * DAY_MS),
    status: 'asking',
    asked: 0,
    sent: 0,
    noSlack: 0,
    failed: 0,
    kept: 0,
    released: 0,
  });
  const asked = await deps.reclaim.markAsked(round.id, normalizeSelection(reclaimSelection(settings, type.key, now, { idleBefore })), now);
  if (asked === 0) {
    await deps.reclaim.moveRound(round.id, 'asking', 'nothing_left');
    await audit(deps, actor, 'reclaim.start', { details: { type: type.key, roundId: round.id } }, { refused: 'nothing_to_change' });
    throw new LicenseError('nothing_to_change');
  }
  await audit(deps, actor, 'reclaim.start', { details: { type: type.key, roundId: round.id, asked, askFirst: true } }, 'applied');
  return { kind: 'asking', round: { ...round, asked } };
}

/** Idle seats now and the seats reclaimed in the last seven days (jobs and learners who released), with their value. */
export async function reclaimWeek(deps: ReclaimDeps): Promise<ReclaimWeek> {
  const since = new Date(deps.now().getTime() - 7 * DAY_MS);
  const [idle, jobs, released, types] = await Promise.all([
    reclaimSummary(deps),
    deps.bulk.reclaimJobsFinishedSince(since, 1_000),
    deps.reclaim.releasedSince(since),
    deps.store.listLicenseTypes(),
  ]);
  const seats = new Map(released);
  for (const job of jobs) if (job.reclaim) seats.set(job.reclaim.type, (seats.get(job.reclaim.type) ?? 0) + job.progress.done);
  const names = new Map(types.map((t) => [t.key, t.name]));
  const reclaimed = [...seats.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, n]) => {
      const price = deps.reclaimSettings.seatPrices.get(type);
      return { type, name: names.get(type) ?? type, seats: n, value: price === undefined ? null : n * price };
    });
  return { idle, reclaimed, since };
}
