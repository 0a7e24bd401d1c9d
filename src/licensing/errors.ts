/** Every domain error code, each with the one sentence a user sees. */
export const errorMessages = {
  learner_not_found: 'No learner matches that name or email.',
  learner_ambiguous: 'Several learners match that text; pick one from the list.',
  learner_deactivated: 'That learner is deactivated, so their licenses cannot be changed.',
  already_on_type: 'That learner already holds that license type.',
  no_licenses: 'That learner holds no license to revoke.',
  not_on_type: 'That learner does not hold the license type being replaced.',
  no_seats_left: 'No seats are left on that license type.',
  unknown_license_type: 'That license type does not exist.',
  not_admin: 'Only license admins can change licenses. Ask an admin to add you with /license admins add.',
  change_already_done: 'This change was already handled.',
  change_not_found: 'This change request no longer exists.',
  not_review_owner: 'Only the admin who started this change can confirm or cancel it.',
  learner_changed: 'That learner’s licenses changed since the request was made; nothing was changed. Please start again.',
  last_admin: 'That is the last admin; add another admin before removing this one.',
  cannot_remove_config_admin: 'That admin is set in LICENSE_ADMINS and can only be removed there.',
  database_unavailable: 'The license database is unreachable right now. Nothing was changed; please try again in a minute.',
  invalid_input: 'That request was not understood.',
  seats_short: 'There are not enough free seats for this bulk change.',
  nothing_to_change: 'None of the selected learners would change, so nothing was submitted.',
  reason_required: 'Please give a reason.',
  bulk_request_not_found: 'That bulk request no longer exists.',
  bulk_request_expired: 'That bulk request expired before it was approved; submit it again if it is still needed.',
  not_lead: 'Only team leads can approve or reject bulk changes.',
  lead_out_of_scope: 'This bulk change reaches learners outside your groups, so another team lead must decide it.',
  own_bulk_request: 'You cannot decide your own bulk request; another team lead must.',
  not_requester: 'Only the person who requested this bulk change, or an admin, can cancel it.',
  reclaim_round_closed: 'This question has closed: the grace period is over, so nothing was changed by your answer.',
  not_your_seat: 'This question was meant for someone else, so your answer was not recorded.',
  reclaim_answered: 'You already answered this question.',
  changed_since: 'Changed since, not restored: their licenses changed after the job.',
  already_restored: 'Already back to what they held before the job.',
  undo_window_passed: 'This change is too old to undo (see UNDO_WINDOW_DAYS); change the learners back with /license bulk instead.',
  undo_of_undo: 'An undo cannot be undone; make the change again with /license bulk if it is needed.',
  not_undoable: 'Only a completed or cancelled bulk job, or an applied single change, can be undone.',
  nothing_to_undo: 'Nothing to undo: every learner the job changed has changed since (or the job changed nobody).',
  already_undone: 'This change was already undone (or an undo of it is waiting for approval).',
  schedule_in_past: 'That time has already passed; pick a moment in the future to apply the change.',
  until_in_past: 'That end has already passed; pick an end in the future.',
  until_before_apply: 'The end must come after the moment the change applies.',
  until_not_for_revoke: 'Only reassignments and added licenses can have an end; revoking cannot.',
  grant_too_long:
    'That end is further away than MAX_GRANT_DAYS allows; grant it for less, and Extend later (a team lead approves longer grants).',
  grant_not_found: 'That time-bound license has already ended or no longer exists.',
  grant_ending: 'That license is being ended right now, so it can no longer be extended.',
  not_your_grant: 'Only the learner who holds this license can ask for more time.',
  extension_not_found: 'That extension request no longer exists.',
  extension_expired: 'That extension request was not decided before the license ended.',
  approval_escalating: 'This request reached its deadline and is being escalated to more approvers; try again in a moment.',
  already_approved: 'You already approved this request; another team lead must approve it too.',
  not_a_learner:
    'Your Slack email matches no learner on the learning platform, so there is no license to ask for or give back. Ask a license admin.',
  not_holding: 'You do not hold that license (any more), so there is nothing to release.',
  license_request_not_found: 'That license request no longer exists.',
  license_request_pending: 'You already asked for that license; an admin will decide soon.',
  no_one_to_ask: 'No admin or requests channel is set up to receive license requests yet. Ask your Slack admin to set REQUESTS_CHANNEL_ID.',
} as const;

export type ErrorCode = keyof typeof errorMessages;

/** A rule of the domain was not met; `code` is stable, `message` is for people. */
export class LicenseError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = errorMessages[code],
  ) {
    super(message);
    this.name = 'LicenseError';
  }
}

/**
 * Another process holds the operation's lease (it is running it, or died and the lease has not run
 * out yet). Callers that must see the operation settled wait and try again.
 */
export class OperationLeasedError extends Error {
  constructor(readonly opId: string) {
    super(`operation ${opId} is being run by another process`);
    this.name = 'OperationLeasedError';
  }
}

/** True for a LicenseError with one of the given codes (any code when none are given). */
export function isLicenseError(error: unknown, ...codes: ErrorCode[]): error is LicenseError {
  return error instanceof LicenseError && (codes.length === 0 || codes.includes(error.code));
}
