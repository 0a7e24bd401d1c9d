import type { MessageRef } from '../bulk/ports.js';
import type { LicensingDeps } from '../deps.js';
import type { NoticeStore } from '../notices/ports.js';
import type { IdentityStore } from '../people/ports.js';

/** Where a learner's own license request stands; `approving` while an admin's Approve is being applied. */
export type LicenseRequestStatus = 'pending' | 'approving' | 'approved' | 'denied' | 'failed';

/** A learner asking for a license type from their App Home ("Request a license"). */
export interface LicenseRequest {
  id: string;
  status: LicenseRequestStatus;
  learnerId: string;
  learnerEmail: string;
  /** The learner's Slack user: who asked, and who is told of the decision. */
  requestedBy: string;
  licenseType: string;
  reason: string;
  createdAt: Date;
  /** Approvals tried so far: attempt n applies through the operation `license-request:<id>:<n>`. */
  attempt: number;
  decidedBy?: string;
  decidedAt?: Date;
  decisionReason?: string;
  /** Why approving failed (an error code), with status `failed`. */
  outcomeCode?: string;
  /** The message in the requests channel, updated when it is decided. */
  message?: MessageRef;
}

/** Learners' license requests; implemented by db/. */
export interface LicenseRequestStore {
  /** Stores a pending request; null when the learner already has one open for that type. */
  createLicenseRequest(request: Omit<LicenseRequest, 'id' | 'status' | 'attempt'>): Promise<LicenseRequest | null>;
  getLicenseRequest(id: string): Promise<LicenseRequest | null>;
  /** The learner's open (pending or approving) request for the type, if any. */
  openLicenseRequest(learnerId: string, licenseType: string): Promise<LicenseRequest | null>;
  /** Pending requests, oldest first (the admins' queue). */
  listPendingLicenseRequests(limit: number): Promise<LicenseRequest[]>;
  /** The learner's open requests, newest first. */
  listOpenLicenseRequestsOf(learnerId: string, limit: number): Promise<LicenseRequest[]>;
  /** pending → approving, or takes over an approving one whose claim ran out (a crashed process); null otherwise. */
  claimLicenseRequest(id: string, by: string, now: Date, leaseMs: number): Promise<LicenseRequest | null>;
  /** approving → pending with the next attempt (seats ran out while applying): it may be approved again later. */
  reopenLicenseRequest(id: string, attempt: number): Promise<void>;
  /** approving → approved / failed. */
  finishLicenseRequest(
    id: string,
    result: { status: 'approved' | 'failed'; by: string; at: Date; code?: string },
  ): Promise<LicenseRequest | null>;
  /** pending → denied; null when it was not pending (decided or being approved). */
  denyLicenseRequest(id: string, by: string, at: Date, reason?: string): Promise<LicenseRequest | null>;
  setLicenseRequestMessage(id: string, ref: MessageRef): Promise<void>;
}

/** What self-service needs on top of the licensing services. */
export interface SelfServiceDeps extends LicensingDeps {
  licenseRequests: LicenseRequestStore;
  notices: NoticeStore;
  identities: IdentityStore;
}
