import type { Learner, LicenseType } from '../../licensing/model.js';
import { describeTypes, freeSeats } from '../../licensing/model.js';
import { type ChangeMode, ids } from '../ids.js';
import { type ChangeModalMetadata, encodeChangeModalMetadata } from '../parsers/payloads.js';
import { button, context, escapeMrkdwn, type KnownBlock, type ModalView, option, plainText, section } from './blocks.js';
import { buildTimingBlocks } from './timing.js';

const titles: Record<ChangeMode, { title: string; submit: string; intro: string }> = {
  reassign: { title: 'Reassign license', submit: 'Review', intro: 'Move a learner to another license type.' },
  add: { title: 'Add a license', submit: 'Review', intro: 'Grant a learner an additional license type.' },
  revoke: { title: 'Revoke licenses', submit: 'Review', intro: 'Remove every license a learner holds.' },
};

/** The label of a license type with its free seats, e.g. "Learning Pro — 12 of 100 free". */
export function licenseTypeLabel(type: LicenseType): string {
  if (type.capacity === null) return `${type.name} — unlimited`;
  const free = freeSeats(type);
  return `${type.name} — ${free === 0 ? 'no seats free' : `${free} of ${type.capacity} free`}`;
}

/**
 * The single-learner change modal: learner picker (typeahead), their current licenses, and for
 * reassign/add the license-type select; optional "apply at" and "until" (in the admin's time
 * zone) and reason.
 */
export function buildChangeModal(input: {
  metadata: ChangeModalMetadata;
  learner: Learner | null;
  types: readonly LicenseType[];
}): ModalView {
  const { metadata, learner, types } = input;
  const m = ids.changeModal;
  const names = new Map(types.map((t) => [t.key, t.name]));
  const blocks: KnownBlock[] = [section(titles[metadata.mode].intro)];
  if (metadata.mode === 'reassign' && !learner) {
    blocks.push({ type: 'actions', block_id: m.actionsBlock, elements: [button(m.bulkInstead, 'Change many learners instead')] });
  }

  blocks.push({
    type: 'input',
    block_id: m.learnerBlock,
    dispatch_action: true,
    label: { type: 'plain_text', text: 'Learner' },
    element: {
      type: 'external_select',
      action_id: m.learnerSelect,
      placeholder: { type: 'plain_text', text: 'Type a name or email' },
      min_query_length: 1,
      ...(learner ? { initial_option: learnerOption(learner) } : {}),
    },
  });

  if (learner) {
    const status = learner.status === 'active' ? '' : ' · :no_entry: *deactivated*';
    blocks.push({
      type: 'section',
      block_id: m.currentBlock,
      text: { type: 'mrkdwn', text: `*Current licenses:* ${escapeMrkdwn(describeTypes(learner.licenseTypes, names))}${status}` },
    });
    if (metadata.mode === 'reassign' && learner.licenseTypes.length > 1) {
      blocks.push({
        type: 'input',
        block_id: m.fromBlock,
        label: { type: 'plain_text', text: 'License to replace' },
        element: {
          type: 'static_select',
          action_id: m.fromSelect,
          options: learner.licenseTypes.slice(0, 100).map((key) => option(names.get(key) ?? key, key)),
          initial_option: option(names.get(learner.licenseTypes[0] ?? '') ?? learner.licenseTypes[0] ?? '', learner.licenseTypes[0] ?? ''),
        },
      });
    }
  }

  if (metadata.mode !== 'revoke') {
    const choices = types.filter((t) => !learner?.licenseTypes.includes(t.key)).slice(0, 100);
    blocks.push(
      choices.length === 0
        ? context('No other license type exists yet. Import some with `license-bot import license-types`.')
        : {
            type: 'input',
            block_id: m.typeBlock,
            label: { type: 'plain_text', text: metadata.mode === 'reassign' ? 'New license type' : 'License type to add' },
            element: {
              type: 'static_select',
              action_id: m.typeSelect,
              placeholder: { type: 'plain_text', text: 'Choose a license type' },
              options: choices.map((t) => option(licenseTypeLabel(t), t.key)),
            },
          },
    );
  }

  // Scheduling and an end need the admin's zone to read the pickers in; revoking has no end.
  if (metadata.timeZone) blocks.push(...buildTimingBlocks({ apply: true, until: metadata.mode !== 'revoke', timeZone: metadata.timeZone }));

  blocks.push({
    type: 'input',
    block_id: m.reasonBlock,
    optional: true,
    label: { type: 'plain_text', text: 'Reason' },
    element: {
      type: 'plain_text_input',
      action_id: m.reasonInput,
      max_length: 500,
      placeholder: { type: 'plain_text', text: 'Shown in history and audit' },
    },
  });

  return {
    type: 'modal',
    callback_id: m.callback,
    private_metadata: encodeChangeModalMetadata(metadata),
    title: plainText(titles[metadata.mode].title, 24),
    submit: plainText(titles[metadata.mode].submit, 24),
    close: plainText('Cancel', 24),
    blocks,
  };
}

/** A learner as an option of the typeahead. */
export function learnerOption(learner: Pick<Learner, 'id' | 'name' | 'email' | 'status'>) {
  const suffix = learner.status === 'active' ? '' : ' (deactivated)';
  return option(`${learner.name} · ${learner.email}${suffix}`, learner.id);
}

/** The typeahead's answer: at most 100 learner options. */
export function buildLearnerOptions(learners: readonly Learner[]) {
  return { options: learners.slice(0, 100).map(learnerOption) };
}

/** The value of the one option a typeahead shows when it cannot search: never a learner id. */
export const UNAVAILABLE_OPTION_VALUE = 'unavailable';

/**
 * What the typeahead shows when it cannot search — the database is down, or the search took too
 * long to answer in time: no learners, and the sentence as the only option, since an options list
 * has no room for a message.
 */
export function buildUnavailableOptions(why: 'database_down' | 'too_slow') {
  const sentence =
    why === 'database_down'
      ? 'The license database is unreachable; try again in a minute.'
      : 'Searching took too long; type one more letter.';
  return { options: [option(sentence, UNAVAILABLE_OPTION_VALUE)] };
}
