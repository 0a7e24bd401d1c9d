/** Every Slack callback_id, block_id and action_id the app uses, declared once. */
export const ids = {
  command: '/license',
  changeModal: {
    callback: 'change_modal',
    learnerBlock: 'learner_block',
    learnerSelect: 'learner_select',
    currentBlock: 'current_block',
    fromBlock: 'from_block',
    fromSelect: 'from_select',
    typeBlock: 'license_type_block',
    typeSelect: 'license_type_select',
    reasonBlock: 'reason_block',
    reasonInput: 'reason_input',
    bulkInstead: 'change_modal_bulk',
    actionsBlock: 'change_modal_actions',
  },
  bulkModal: {
    callback: 'bulk_modal',
    groupsBlock: 'bulk_groups_block',
    groupsSelect: 'bulk_groups_select',
    typesBlock: 'bulk_types_block',
    typesSelect: 'bulk_types_select',
    statusBlock: 'bulk_status_block',
    statusSelect: 'bulk_status_select',
    textBlock: 'bulk_text_block',
    textInput: 'bulk_text_input',
    emailsBlock: 'bulk_emails_block',
    emailsInput: 'bulk_emails_input',
    actionBlock: 'bulk_action_block',
    actionSelect: 'bulk_action_select',
    targetBlock: 'bulk_target_block',
    targetSelect: 'bulk_target_select',
    reasonBlock: 'bulk_reason_block',
    reasonInput: 'bulk_reason_input',
  },
  bulkPreview: {
    callback: 'bulk_preview_modal',
    summaryBlock: 'bulk_summary_block',
    excludeBlock: 'bulk_exclude_block',
    excludeSelect: 'bulk_exclude_select',
    excludeEmailsBlock: 'bulk_exclude_emails_block',
    excludeEmailsInput: 'bulk_exclude_emails_input',
  },
  bulkRequest: {
    approve: 'bulk_request_approve',
    reject: 'bulk_request_reject',
    cancelJob: 'bulk_job_cancel',
    /** The Approve / Reject row of an approval message. */
    actionsBlock: 'bulk_request_actions',
    /** The Cancel row of a progress message. */
    jobActionsBlock: 'bulk_job_actions',
  },
  bulkReject: {
    callback: 'bulk_reject_modal',
    reasonBlock: 'bulk_reject_reason_block',
    reasonInput: 'bulk_reject_reason_input',
  },
  review: {
    confirm: 'review_confirm',
    cancel: 'review_cancel',
    actionsBlock: 'review_actions',
  },
  sync: {
    retryDead: 'sync_retry_dead',
    pushOurs: 'sync_push_ours',
    acceptTheirs: 'sync_accept_theirs',
    pushNow: 'sync_push_now',
    actionsBlock: 'sync_actions',
    driftActionsBlock: 'sync_drift_actions',
  },
  reclaim: {
    start: 'reclaim_start',
    keep: 'reclaim_keep',
    release: 'reclaim_release',
    /** The Keep / Release row of a learner's question. */
    askBlock: 'reclaim_ask_actions',
  },
  /** `/license usage`: the form to upload a usage report. */
  usageModal: {
    callback: 'usage_modal',
    fileBlock: 'usage_file_block',
    fileInput: 'usage_file_input',
  },
  undo: {
    /** On a completed or cancelled bulk job's notice. */
    job: 'bulk_job_undo',
    /** On a single change's outcome message. */
    single: 'review_undo',
    jobActionsBlock: 'bulk_job_undo_actions',
    singleActionsBlock: 'review_undo_actions',
  },
  card: {
    reassign: 'learner_card_reassign',
    add: 'learner_card_add',
    revoke: 'learner_card_revoke',
    actionsBlock: 'learner_card_actions',
  },
  /** "Apply at" and "until" pickers, shared by the change modal, the bulk form and the extend modal. */
  timing: {
    applyDateBlock: 'timing_apply_date_block',
    applyDate: 'timing_apply_date',
    applyTimeBlock: 'timing_apply_time_block',
    applyTime: 'timing_apply_time',
    untilDateBlock: 'timing_until_date_block',
    untilDate: 'timing_until_date',
    untilTimeBlock: 'timing_until_time_block',
    untilTime: 'timing_until_time',
  },
  grant: {
    /** An admin's Extend on a grant notice or a learner card: opens the extend modal. */
    extend: 'grant_extend',
    /** A learner's Extend on their notice: asks the admin who granted it. */
    askExtend: 'grant_ask_extend',
    actionsBlock: 'grant_actions',
  },
  extendModal: {
    callback: 'grant_extend_modal',
    summaryBlock: 'grant_extend_summary_block',
    reasonBlock: 'grant_extend_reason_block',
    reasonInput: 'grant_extend_reason_input',
  },
  extension: {
    approve: 'grant_extension_approve',
    reject: 'grant_extension_reject',
    actionsBlock: 'grant_extension_actions',
  },
  home: {
    /** The admin's row of buttons at the top of their Home. */
    adminActionsBlock: 'home_admin_actions',
    reassign: 'home_reassign',
    bulk: 'home_bulk',
    exportLearners: 'home_export_learners',
    seatsBlock: 'home_seats',
    approvalsBlock: 'home_approvals',
    licenseRequestsBlock: 'home_license_requests',
    jobsBlock: 'home_jobs',
    scheduledBlock: 'home_scheduled',
    recentJobsBlock: 'home_recent_jobs',
    /** Time-bound licenses ending soon, for admins. */
    endingBlock: 'home_ending',
    /** Idle seats per type, for admins. */
    reclaimBlock: 'home_reclaim',
    changesBlock: 'home_changes',
    syncBlock: 'home_sync',
    leadBlock: 'home_lead',
    learnerBlock: 'home_learner',
    /** The learner's Request a license button. */
    learnerActionsBlock: 'home_learner_actions',
    requestLicense: 'home_request_license',
    releaseLicense: 'home_release_license',
    aboutBlock: 'home_about',
  },
  licenseRequest: {
    approve: 'license_request_approve',
    deny: 'license_request_deny',
    actionsBlock: 'license_request_actions',
  },
  requestModal: {
    callback: 'license_request_modal',
    typeBlock: 'license_request_type_block',
    typeSelect: 'license_request_type_select',
    reasonBlock: 'license_request_reason_block',
    reasonInput: 'license_request_reason_input',
  },
  /** Workflow Builder steps: the callback ids of manifest.yml's `functions`. */
  workflow: {
    reassign: 'reassign_license',
    checkSeats: 'check_seats',
  },
} as const;

/** The Approve / Reject row of one request in a list of several (block ids are unique per message). */
export function requestActionsBlockId(requestId: string): string {
  return `${ids.bulkRequest.actionsBlock}_${requestId}`;
}

/** The Approve / Deny row of one learner's license request (unique per message or Home). */
export function licenseRequestActionsBlockId(requestId: string): string {
  return `${ids.licenseRequest.actionsBlock}_${requestId}`;
}

/** The Cancel row of one job: scheduled in `/license jobs`, running on the Home (block ids are unique per message). */
export function jobActionsBlockId(requestId: string): string {
  return `${ids.bulkRequest.jobActionsBlock}_${requestId}`;
}

/** The Undo of one finished job among several (App Home). */
export function undoJobBlockId(requestId: string): string {
  return `${ids.undo.jobActionsBlock}_${requestId}`;
}

/** An admin's Extend of one grant, or of a bulk change's grants, among several (App Home). */
export function extendBlockId(target: { grantId: string } | { requestId: string }): string {
  return `${ids.grant.extend}_${'grantId' in target ? target.grantId : `request_${target.requestId}`}`;
}

/**
 * A learner's Ask for more time on one of their grants (App Home). Not the admin's block id: an
 * admin who is also the learner sees both on one Home, and Slack refuses a view with a repeated id.
 */
export function askExtendBlockId(grantId: string): string {
  return `${ids.grant.askExtend}_${grantId}`;
}

/** The Release row of one of a learner's licenses on their Home. */
export function releaseBlockId(licenseType: string): string {
  return `${ids.home.releaseLicense}_${licenseType}`;
}

/** The single-learner flows that share the change modal. */
export const changeModes = ['reassign', 'add', 'revoke'] as const;
export type ChangeMode = (typeof changeModes)[number];
