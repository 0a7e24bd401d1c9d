import type { BulkDeps, BulkNotifier, BulkRequest, MessageRef } from '../bulk/ports.js';

/** Where an approval request goes when nobody decided it in time (APPROVAL_ESCALATE_TO). */
export type EscalationTarget = { users: string[] } | { channelId: string };

/**
 * How bulk approvals are chased: leads are reminded at half of APPROVAL_TTL_HOURS; at the deadline
 * the request expires, or is escalated once (with a fresh deadline) and then expires; above
 * `quorum.threshold` learners `quorum.approvals` distinct leads must approve.
 */
export interface ApprovalPolicy {
  escalateTo?: EscalationTarget;
  quorum?: { threshold: number; approvals: number };
}

/** Tells people about approvals waiting; implemented in slack/ (thread replies, DMs). */
export interface ApprovalNotifier {
  /** A reply in the approval message's thread mentioning the leads who can still decide. */
  reminded(request: BulkRequest, leads: readonly string[]): Promise<void>;
  /** Posts the request to the escalation target; returns the messages posted (so decisions update them). */
  escalated(request: BulkRequest, target: EscalationTarget): Promise<MessageRef[]>;
}

/** What the policy use cases need. */
export interface PolicyDeps extends BulkDeps {
  approvalPolicy?: ApprovalPolicy;
}

/** The notifiers the policy jobs use: bulk expiry notices and reminders/escalations. */
export interface PolicyNotifiers {
  bulk: Pick<BulkNotifier, 'expired'>;
  approvals: ApprovalNotifier;
}
