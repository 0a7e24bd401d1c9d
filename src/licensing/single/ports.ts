import type { AdminChange } from '../model.js';

/** `scheduled`: confirmed with an "apply at"; it became a scheduled job (a bulk request of one learner, same id). */
export type ChangeRequestStatus = 'pending' | 'confirmed' | 'applied' | 'failed' | 'cancelled' | 'scheduled';

/** A single-learner change waiting for its requester's Confirm (the review message). */
export interface ChangeRequest {
  id: string;
  status: ChangeRequestStatus;
  learnerId: string;
  change: AdminChange;
  reason: string;
  requestedBy: string;
  channelId?: string;
  createdAt: Date;
  decidedBy?: string;
  decidedAt?: Date;
  outcomeCode?: string;
  /** Apply at this moment (a scheduled change) instead of on Confirm. */
  applyAt?: Date;
  /** Take the change back at this moment (a time-bound grant). */
  until?: Date;
  /** The admin's time zone the times were picked in. */
  timeZone?: string;
}

/** Review-message change requests; implemented by db/. */
export interface ChangeRequestStore {
  createChangeRequest(request: Omit<ChangeRequest, 'id' | 'status'>): Promise<ChangeRequest>;
  getChangeRequest(id: string): Promise<ChangeRequest | null>;
  /** pending → confirmed, or takes over a confirmed one whose lease ran out (a crashed process). */
  claimChangeRequest(id: string, actor: string, leaseMs: number, now: Date): Promise<ChangeRequest | null>;
  finishChangeRequest(id: string, status: 'applied' | 'failed' | 'scheduled', outcomeCode?: string): Promise<void>;
  cancelChangeRequest(id: string, actor: string, now: Date): Promise<ChangeRequest | null>;
}
