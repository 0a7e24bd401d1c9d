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
  },
  review: {
    confirm: 'review_confirm',
    cancel: 'review_cancel',
  },
  card: {
    reassign: 'learner_card_reassign',
    add: 'learner_card_add',
    revoke: 'learner_card_revoke',
  },
} as const;

/** The single-learner flows that share the change modal. */
export const changeModes = ['reassign', 'add', 'revoke'] as const;
export type ChangeMode = (typeof changeModes)[number];
