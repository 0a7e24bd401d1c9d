import type { AdminChange } from '../model.js';
import type { MessageRef } from '../ports.js';

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
  /** Identifies the submission that made it: a replay of that submission finds this request. */
  submissionKey?: string;
  /** The review message with Confirm and Cancel, once posted. */
  reviewMessage?: MessageRef;
}

/** Review-message change requests; implemented by db/. */
export interface ChangeRequestStore {
  /**
   * Stores a new pending request; with a `submissionKey` already used, stores nothing and returns
   * the request that key made (`created: false`), so a replayed submission makes one request.
   */
  createChangeRequest(request: Omit<ChangeRequest, 'id' | 'status'>): Promise<{ request: ChangeRequest; created: boolean }>;
  getChangeRequest(id: string): Promise<ChangeRequest | null>;
  findChangeRequestBySubmission(submissionKey: string): Promise<ChangeRequest | null>;
  setReviewMessage(id: string, ref: MessageRef): Promise<void>;
  /** pending → confirmed, or takes over a confirmed one whose lease ran out (a crashed process). */
  claimChangeRequest(id: string, actor: string, leaseMs: number, now: Date): Promise<ChangeRequest | null>;
  finishChangeRequest(id: string, status: 'applied' | 'failed' | 'scheduled', outcomeCode?: string): Promise<void>;
  cancelChangeRequest(id: string, actor: string, now: Date): Promise<ChangeRequest | null>;
}
