import type { ViewOutput } from '@slack/bolt';
import { ADMIN_CACHE_MS } from '../../src/licensing/admins.js';
import { ids } from '../../src/slack/ids.js';
import { ADMIN, bootE2E, type E2E, SIGNING_SECRET } from '../support/e2e.js';
import type { SlackCall } from '../support/fake-slack.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import {
  blockActionsPayload,
  blockSuggestionPayload,
  externalSelectAction,
  sendSlashCommand,
  stateValue,
  viewOutput,
  viewSubmissionPayload,
} from '../support/slack-requests.js';

let e2e: E2E;
let ada: string;
let grace: string;

beforeEach(async () => {
  e2e = await bootE2E();
  const db = e2e.running.db;
  await givenLicenseTypes(db, [
    { key: 'pro', name: 'Learning Pro', capacity: 5 },
    { key: 'core', name: 'Learning Core', capacity: null },
    { key: 'coaching', name: 'Coaching', capacity: 0 },
  ]);
  [ada, grace] = (await givenLearners(db, [
    { email: 'ada.lovelace@example.com', name: 'Ada Lovelace', licenseTypes: ['core'], groups: ['Engineering'] },
    { email: 'grace.hopper@example.com', name: 'Grace Hopper', licenseTypes: ['core'] },
    { email: 'o.brien@example.com', name: 'Olive Brien', licenseTypes: [] },
    { email: 'oxbow@example.com', name: 'Oscar Bow', licenseTypes: [], status: 'deactivated' },
  ])) as [string, string];
});

afterEach(async () => {
  await e2e.stop();
});

const blocksText = (call: SlackCall): string => JSON.stringify(call.body.blocks ?? call.body.view ?? '');

/** Opens the modal with `/license reassign <text>` and returns the view the app sent to views.open. */
async function openModal(text: string) {
  const res = await e2e.command(text);
  expect(res.status).toBe(200);
  const open = await e2e.slack.waitFor('views.open');
  return open.body.view as {
    callback_id: string;
    private_metadata: string;
    blocks: {
      block_id?: string;
      element?: { initial_option?: { value: string }; options?: { value: string; text: { text: string } }[] };
    }[];
  };
}

/** Submits the change modal as Slack would, returning the app's HTTP answer. */
async function submit(
  opened: string | { private_metadata: string; blocks: unknown[] },
  values: Record<string, Record<string, ReturnType<typeof stateValue.option>>>,
) {
  const view =
    typeof opened === 'string'
      ? { private_metadata: opened }
      : { private_metadata: opened.private_metadata, blocks: opened.blocks as ViewOutput['blocks'] };
  return e2e.interact(viewSubmissionPayload({ user_id: ADMIN, callback_id: ids.changeModal.callback, values, view }));
}

describe('reassigning one learner from Slack', () => {
  it('opens a pre-filled modal, posts a review, applies on Confirm and replaces the message', async () => {
    const view = await openModal('reassign ada.lovelace@example.com');
    expect(view.callback_id).toBe(ids.changeModal.callback);
    const learnerBlock = view.blocks.find((b) => b.block_id === ids.changeModal.learnerBlock);
    expect(learnerBlock?.element?.initial_option?.value).toBe(ada);
    expect(JSON.stringify(view.blocks)).toContain('Current licenses:* Learning Core');
    const typeOptions = view.blocks.find((b) => b.block_id === ids.changeModal.typeBlock)?.element?.options ?? [];
    expect(typeOptions.map((o) => o.text.text)).toEqual(['Coaching — no seats free', 'Learning Pro — 5 of 5 free']);

    const ack = await submit(view, {
      [ids.changeModal.learnerBlock]: { [ids.changeModal.learnerSelect]: stateValue.option(ada, 'Ada', 'external_select') },
      [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('pro') },
      [ids.changeModal.reasonBlock]: { [ids.changeModal.reasonInput]: stateValue.text('Promotion') },
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');

    const review = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN);
    expect(review.body.text).toBe(
      'Move Ada Lovelace (ada.lovelace@example.com) from Learning Core to Learning Pro. They lose access to content on Learning Core; prior usage stays on reports.',
    );
    // Nothing changes before Confirm.
    expect((await e2e.models.Learner.findById(ada).lean())?.licenseTypes).toEqual(['core']);

    const confirm = (review.body.blocks as { elements?: { action_id: string; value: string }[] }[])
      .flatMap((b) => b.elements ?? [])
      .find((el) => el.action_id === ids.review.confirm)!;
    const responseUrl = e2e.slack.responseUrl();
    const click = await e2e.interact(
      blockActionsPayload({
        user_id: ADMIN,
        channel_id: 'DADMIN1',
        response_url: responseUrl,
        actions: [{ action_id: confirm.action_id, block_id: 'review_actions', value: confirm.value }],
      }),
    );
    expect(click.status).toBe(200);
    // The outcome replaces the review message in place.
    const outcome = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === (review.response as { ts: string }).ts);
    expect(outcome.body.channel).toBe((review.response as { channel: string }).channel);
    expect(outcome.body.text).toContain('Moved Ada Lovelace');
    expect(e2e.slack.callsTo('response_url')).toHaveLength(0);

    const learner = await e2e.models.Learner.findById(ada).lean();
    expect(learner?.licenseTypes).toEqual(['pro']);
    const history = await e2e.models.Assignment.find({ learnerId: ada }).lean();
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ licenseType: 'pro', actor: ADMIN, source: 'slack', reason: 'Promotion', revokedAt: null });
    expect(await e2e.models.Audit.countDocuments({ action: 'reassign', outcome: 'applied', learnerId: ada })).toBe(1);
    await expectSeatInvariant(e2e.running.db);

    // The same Confirm again, and a Slack redelivery of it, change nothing and say so.
    const again = e2e.slack.responseUrl();
    await e2e.interact(
      blockActionsPayload({
        user_id: ADMIN,
        response_url: again,
        actions: [{ action_id: confirm.action_id, block_id: 'review_actions', value: confirm.value }],
      }),
      {
        headers: { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' },
      },
    );
    const second = await e2e.slack.waitFor('response_url', (c) => c.url === again);
    expect(second.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(second.body.text).toContain('was already applied');
    expect(await e2e.models.Assignment.countDocuments({ learnerId: ada })).toBe(1);
    expect((await e2e.models.Learner.findById(ada).lean())?.version).toBe(1);
  });

  it('serves typeahead options by name or email prefix, case-insensitively', async () => {
    const suggest = (value: string) =>
      e2e.interact(
        blockSuggestionPayload({
          user_id: ADMIN,
          action_id: ids.changeModal.learnerSelect,
          block_id: ids.changeModal.learnerBlock,
          value,
          view: viewOutput({ callback_id: ids.changeModal.callback }),
        }),
      );
    const byLastName = await suggest('HOP');
    expect(byLastName.status).toBe(200);
    expect(byLastName.json).toEqual({
      options: [{ text: { type: 'plain_text', text: 'Grace Hopper · grace.hopper@example.com', emoji: true }, value: grace }],
    });
    const byEmail = (await suggest('ada.l')).json as { options: { value: string }[] };
    expect(byEmail.options.map((o) => o.value)).toEqual([ada]);
    const twoWords = (await suggest('grace h')).json as { options: { value: string }[] };
    expect(twoWords.options.map((o) => o.value)).toEqual([grace]);
  });

  it('matches regex metacharacters in a search literally', async () => {
    const suggest = async (value: string) =>
      (
        (
          await e2e.interact(
            blockSuggestionPayload({
              user_id: ADMIN,
              action_id: ids.changeModal.learnerSelect,
              block_id: ids.changeModal.learnerBlock,
              value,
            }),
          )
        ).json as { options: { text: { text: string } }[] }
      ).options.map((o) => o.text.text);
    expect(await suggest('o.b')).toEqual(['Olive Brien · o.brien@example.com']);
    expect(await suggest('.*')).toEqual([]);
    expect(await suggest('(')).toEqual([]);
    expect(await suggest('[a-z]')).toEqual([]);
  });

  it('shows field errors in the modal and changes nothing when no seat is left', async () => {
    const view = await openModal('reassign grace.hopper@example.com');
    const ack = await submit(view, {
      [ids.changeModal.learnerBlock]: { [ids.changeModal.learnerSelect]: stateValue.option(grace, 'Grace', 'external_select') },
      [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('coaching') },
    });
    expect(ack.json).toEqual({
      response_action: 'errors',
      errors: { [ids.changeModal.typeBlock]: 'No seats are left on that license type.' },
    });
    expect(e2e.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect((await e2e.models.Learner.findById(grace).lean())?.licenseTypes).toEqual(['core']);
    expect(await e2e.models.Audit.countDocuments({ outcome: 'refused', code: 'no_seats_left' })).toBe(1);
  });

  it('asks for the missing fields instead of failing', async () => {
    const view = await openModal('reassign');
    const ack = await submit(view, {});
    expect(ack.json).toEqual({
      response_action: 'errors',
      errors: { [ids.changeModal.learnerBlock]: 'Pick a learner.', [ids.changeModal.typeBlock]: 'Pick a license type.' },
    });
  });

  it('rejects a tampered private_metadata with a clear message', async () => {
    const ack = await submit('{"mode":"reassign","learnerId":{"$gt":""}}', {});
    expect(ack.json).toEqual({
      response_action: 'errors',
      errors: { [ids.changeModal.learnerBlock]: 'This form is out of date. Close it and run /license again.' },
    });
  });

  it('updates the modal with the learner’s licenses when one is picked', async () => {
    const view = await openModal('reassign');
    const modal = viewOutput({ callback_id: ids.changeModal.callback, private_metadata: view.private_metadata });
    await e2e.interact(
      blockActionsPayload({
        user_id: ADMIN,
        view: modal,
        actions: [externalSelectAction({ action_id: ids.changeModal.learnerSelect, block_id: ids.changeModal.learnerBlock, value: ada })],
      }),
    );
    const update = await e2e.slack.waitFor('views.update');
    expect(update.body).toMatchObject({ view_id: modal.id, hash: modal.hash });
    expect(blocksText(update)).toContain('Current licenses:* Learning Core');
    expect(JSON.parse((update.body.view as { private_metadata: string }).private_metadata)).toMatchObject({ learnerId: ada });
  });

  it('discards a change on Cancel', async () => {
    const view = await openModal('add grace.hopper@example.com');
    await submit(view, {
      [ids.changeModal.learnerBlock]: { [ids.changeModal.learnerSelect]: stateValue.option(grace, 'Grace', 'external_select') },
      [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('pro') },
    });
    const review = await e2e.slack.waitFor('chat.postMessage');
    expect(review.body.text).toContain('Give Grace Hopper (grace.hopper@example.com) Learning Pro in addition to Learning Core.');
    const cancel = (review.body.blocks as { elements?: { action_id: string; value: string }[] }[])
      .flatMap((b) => b.elements ?? [])
      .find((el) => el.action_id === ids.review.cancel)!;
    const url = e2e.slack.responseUrl();
    await e2e.interact(
      blockActionsPayload({
        user_id: ADMIN,
        response_url: url,
        actions: [{ action_id: cancel.action_id, block_id: 'review_actions', value: cancel.value }],
      }),
    );
    const reply = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === (review.response as { ts: string }).ts);
    expect(reply.body.text).toContain('cancelled');
    expect((await e2e.models.Learner.findById(grace).lean())?.licenseTypes).toEqual(['core']);
  });
});

describe('the learner typeahead', () => {
  const suggest = async (value: string) =>
    (
      (
        await e2e.interact(
          blockSuggestionPayload({
            user_id: ADMIN,
            action_id: ids.changeModal.learnerSelect,
            block_id: ids.changeModal.learnerBlock,
            value,
          }),
        )
      ).json as { options: { text: { text: string } }[] }
    ).options.map((o) => o.text.text.split(' · ')[0]);

  beforeEach(async () => {
    await givenLearners(e2e.running.db, [
      { email: 'conan.obrien@example.com', name: "Conan O'Brien" },
      { email: 'jlp@example.com', name: 'Jean-Luc Picard' },
      { email: 'amd@example.com', name: 'Anne-Marie Duval' },
      { email: 'jrrt@example.com', name: 'J.R.R. Tolkien' },
      { email: 'ana.silva@example.com', name: 'Ana (Annie) Silva' },
      { email: 'zoe.k@example.com', name: 'Zoë Kravitz' },
      { email: 'oyvind@example.com', name: 'Øyvind Ødegård' },
      { email: 'thomas@example.com', name: 'Thomas Müller' },
      { email: 'fh@example.com', name: 'François Hollande' },
      { email: 'maria@example.com', name: 'María García' },
      { email: 'yamada@example.com', name: '山田 太郎' },
      { email: 'ann@example.com', name: 'Ann' },
      { email: 'ann.smith@example.com', name: 'Ann Smith' },
      { email: 'annabel@example.com', name: 'Annabel Jones' },
      { email: 'mary.ann@example.com', name: 'Mary Ann' },
      { email: 'joanne@example.com', name: 'Joanne Annis' },
    ]);
  });

  it.each([
    ["Conan O'B", "Conan O'Brien"],
    ['Jean-Luc', 'Jean-Luc Picard'],
    ['picard jean', 'Jean-Luc Picard'],
    ['Anne-Marie', 'Anne-Marie Duval'],
    ['J.R.R', 'J.R.R. Tolkien'],
    ['(Annie', 'Ana (Annie) Silva'],
    ['zoe', 'Zoë Kravitz'],
    ['Ødegård', 'Øyvind Ødegård'],
    ['odegard', 'Øyvind Ødegård'],
    ['muller', 'Thomas Müller'],
    ['Müller', 'Thomas Müller'],
    ['francois', 'François Hollande'],
    ['maria', 'María García'],
    ['山田太', '山田 太郎'],
    ['太郎', '山田 太郎'],
  ])('finds “%s” as it is shown', async (typed, name) => {
    expect(await suggest(typed)).toEqual([name]);
  });

  it('finds an apostrophe typed or left out, in names and emails alike', async () => {
    // Olive Brien's email is o.brien@example.com.
    expect(await suggest("O'Brien")).toEqual(["Conan O'Brien", 'Olive Brien']);
    expect(await suggest('obrien')).toEqual(["Conan O'Brien", 'Olive Brien']);
  });

  it('ranks the exact name first, then names starting with the text, then whole words, then the rest', async () => {
    expect(await suggest('ann')).toEqual([
      'Ann',
      'Ann Smith',
      'Annabel Jones',
      'Anne-Marie Duval',
      'Mary Ann',
      'Ana (Annie) Silva',
      'Joanne Annis',
    ]);
  });

  it('matches nothing for operators and regular expressions', async () => {
    for (const typed of ['.*', '^a', '[a-z]', '$where', '{"$gt":""}', '\\w+'])
      expect({ typed, found: await suggest(typed) }).toEqual({ typed, found: [] });
  });
});

describe('the learner typeahead under load and faults', () => {
  const suggestAs = async (user: string, value: string) =>
    (
      await e2e.interact(
        blockSuggestionPayload({ user_id: user, action_id: ids.changeModal.learnerSelect, block_id: ids.changeModal.learnerBlock, value }),
      )
    ).json as { options: { text: { text: string }; value: string }[] };
  const adminsCommand = async (text: string) => {
    const { responseUrl } = await e2e.command(`admins ${text}`);
    await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl);
  };

  it('answers 300 simultaneous requests of an admin added from Slack with one read of who is admin', async () => {
    await adminsCommand('add <@UADMIN2|second>');
    let adminReads = 0;
    e2e.running.db.connection.set('debug', (collection: string) => {
      if (collection === 'admins') adminReads += 1;
    });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => suggestAs('UADMIN2', ['ada', 'gra', 'o', 'hop'][i % 4]!)));
    e2e.running.db.connection.set('debug', false);
    expect(answers.every((a) => a.options.length > 0)).toBe(true);
    // One read, and one more per cache lifetime a slow machine takes to answer them all.
    expect(adminReads).toBeLessThanOrEqual(1 + Math.floor((Date.now() - started) / ADMIN_CACHE_MS));
  });

  it('forgets a removed admin at once and knows an added one at once', async () => {
    expect((await suggestAs('UADMIN2', 'ada')).options).toEqual([]);
    await adminsCommand('add <@UADMIN2|second>');
    expect((await suggestAs('UADMIN2', 'ada')).options.map((o) => o.value)).toEqual([ada]);
    await adminsCommand('remove <@UADMIN2>');
    expect((await suggestAs('UADMIN2', 'ada')).options).toEqual([]);
  });

  it('answers at once with a sentence and no learners while the database is down', async () => {
    await suggestAs(ADMIN, 'ada');
    await e2e.running.db.connection.close();
    const answer = await suggestAs(ADMIN, 'ada');
    expect(answer.options).toEqual([
      {
        text: { type: 'plain_text', text: 'The license database is unreachable; try again in a minute.', emoji: true },
        value: 'unavailable',
      },
    ]);
  });
});

describe('who may do what', () => {
  it('refuses a non-admin with an ephemeral sentence, audits it and opens nothing', async () => {
    const { responseUrl } = await e2e.command('reassign ada.lovelace@example.com', 'UBYSTANDER');
    const reply = await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl);
    expect(reply.body).toMatchObject({ response_type: 'ephemeral' });
    expect(reply.body.text).toContain('Only license admins can change licenses');
    expect(e2e.slack.callsTo('views.open')).toHaveLength(0);
    expect(await e2e.models.Audit.findOne({ actor: 'UBYSTANDER' }).lean()).toMatchObject({
      outcome: 'refused',
      code: 'not_admin',
      action: 'reassign',
    });
  });

  it('refuses a forged Confirm from a non-admin even with a valid request id', async () => {
    const view = await openModal('reassign ada.lovelace@example.com');
    await submit(view, {
      [ids.changeModal.learnerBlock]: { [ids.changeModal.learnerSelect]: stateValue.option(ada, 'Ada', 'external_select') },
      [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('pro') },
    });
    const review = await e2e.slack.waitFor('chat.postMessage');
    const confirm = (review.body.blocks as { elements?: { action_id: string; value: string }[] }[])
      .flatMap((b) => b.elements ?? [])
      .find((el) => el.action_id === ids.review.confirm)!;
    const url = e2e.slack.responseUrl();
    await e2e.interact(
      blockActionsPayload({
        user_id: 'UINTRUDER',
        response_url: url,
        actions: [{ action_id: confirm.action_id, block_id: 'review_actions', value: confirm.value }],
      }),
    );
    const reply = await e2e.slack.waitFor('response_url', (c) => c.url === url);
    expect(reply.body.text).toContain('Only license admins');
    expect((await e2e.models.Learner.findById(ada).lean())?.licenseTypes).toEqual(['core']);
    expect(await e2e.models.Audit.countDocuments({ actor: 'UINTRUDER', outcome: 'refused' })).toBe(1);
  });

  it('lets only the admin who started a review confirm or cancel it, and tells another admin whose it is', async () => {
    const add = await e2e.command('admins add <@UADMIN2|second>');
    await e2e.slack.waitFor('response_url', (c) => c.url === add.responseUrl);
    const view = await openModal('reassign ada.lovelace@example.com');
    await submit(view, {
      [ids.changeModal.learnerBlock]: { [ids.changeModal.learnerSelect]: stateValue.option(ada, 'Ada', 'external_select') },
      [ids.changeModal.typeBlock]: { [ids.changeModal.typeSelect]: stateValue.option('pro') },
      [ids.changeModal.reasonBlock]: { [ids.changeModal.reasonInput]: stateValue.text('Promotion asked by UADMIN1') },
    });
    const review = await e2e.slack.waitFor('chat.postMessage', (c) => c.body.channel === ADMIN);
    const buttons = (review.body.blocks as { elements?: { action_id: string; value: string }[] }[]).flatMap((b) => b.elements ?? []);
    const press = async (user: string, actionId: string) => {
      const url = e2e.slack.responseUrl();
      const value = buttons.find((el) => el.action_id === actionId)!.value;
      await e2e.interact(
        blockActionsPayload({ user_id: user, response_url: url, actions: [{ action_id: actionId, block_id: 'review_actions', value }] }),
      );
      return e2e.slack.waitFor('response_url', (c) => c.url === url);
    };
    for (const actionId of [ids.review.confirm, ids.review.cancel]) {
      const reply = await press('UADMIN2', actionId);
      expect(reply.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
      expect(JSON.stringify(reply.body.blocks)).toContain('This change was started by <@UADMIN1>; only they can confirm or cancel it.');
    }
    expect((await e2e.models.Learner.findById(ada).lean())?.licenseTypes).toEqual(['core']);
    expect(await e2e.models.ChangeRequest.findOne({ learnerId: ada }).lean()).toMatchObject({ status: 'pending' });
    expect(await e2e.models.Audit.countDocuments({ actor: 'UADMIN2', outcome: 'refused', code: 'not_review_owner' })).toBe(2);

    await e2e.interact(
      blockActionsPayload({
        user_id: ADMIN,
        actions: [
          {
            action_id: ids.review.confirm,
            block_id: 'review_actions',
            value: buttons.find((el) => el.action_id === ids.review.confirm)!.value,
          },
        ],
      }),
    );
    const outcome = await e2e.slack.waitFor('chat.update', (c) => c.body.ts === (review.response as { ts: string }).ts);
    expect(outcome.body.text).toContain('Moved Ada Lovelace');
    // History names the admin who asked, with their own reason.
    expect(await e2e.models.Assignment.findOne({ learnerId: ada, licenseType: 'pro' }).lean()).toMatchObject({
      actor: ADMIN,
      reason: 'Promotion asked by UADMIN1',
    });
  });

  it('answers 401 to a bad signature or a request older than five minutes, and changes nothing', async () => {
    const forged = await sendSlashCommand(
      e2e.baseUrl,
      SIGNING_SECRET,
      { text: 'admins add <@UEVIL01|evil>', user_id: ADMIN, channel_id: 'C1' },
      { signature: 'v0=0000' },
    );
    expect(forged.status).toBe(401);
    const wrongSecret = await sendSlashCommand(e2e.baseUrl, 'not-the-secret', {
      text: 'admins add <@UEVIL01|evil>',
      user_id: ADMIN,
      channel_id: 'C1',
    });
    expect(wrongSecret.status).toBe(401);
    const stale = await sendSlashCommand(
      e2e.baseUrl,
      SIGNING_SECRET,
      { text: 'admins add <@UEVIL01|evil>', user_id: ADMIN, channel_id: 'C1' },
      { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 },
    );
    expect(stale.status).toBe(401);
    expect(await e2e.models.Admin.countDocuments({})).toBe(0);
    expect(e2e.slack.calls.filter((c) => c.method !== 'auth.test')).toHaveLength(0);
  });

  it('lets admins add, list and remove admins', async () => {
    const add = await e2e.command('admins add <@UNEW001|newbie>');
    expect((await e2e.slack.waitFor('response_url', (c) => c.url === add.responseUrl)).body.text).toContain(
      'UNEW001 is now a license admin',
    );
    const list = await e2e.command('admins list', 'UNEW001');
    const listed = await e2e.slack.waitFor('response_url', (c) => c.url === list.responseUrl);
    expect(blocksText(listed)).toContain('<@UADMIN1>');
    expect(blocksText(listed)).toContain('<@UNEW001>');
    const removeConfig = await e2e.command('admins remove <@UADMIN1>', 'UNEW001');
    expect((await e2e.slack.waitFor('response_url', (c) => c.url === removeConfig.responseUrl)).body.text).toContain('LICENSE_ADMINS');
    const remove = await e2e.command('admins remove <@UNEW001>');
    expect((await e2e.slack.waitFor('response_url', (c) => c.url === remove.responseUrl)).body.text).toContain('no longer a license admin');
    expect(await e2e.models.Admin.countDocuments({})).toBe(0);
    expect(await e2e.models.Audit.countDocuments({ action: { $in: ['admins.add', 'admins.remove'] }, outcome: 'applied' })).toBe(2);
  });
});

describe('looking things up', () => {
  it('lists seats per license type', async () => {
    const { responseUrl } = await e2e.command('seats', 'UANYONE');
    const reply = await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl);
    expect(reply.body.text).toContain('Learning Pro (pro) — capacity 5 · in use 0 · free 5');
    expect(reply.body.text).toContain('Learning Core (core) — capacity unlimited · in use 2 · free ∞');
  });

  it('shows a learner card with history and buttons that open the flows pre-filled', async () => {
    const { responseUrl } = await e2e.command('show Ada Lovelace');
    const card = await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl);
    expect(card.body.text).toBe('Ada Lovelace (ada.lovelace@example.com): Learning Core');
    const buttons = (card.body.blocks as { elements?: { action_id: string; value: string }[] }[])
      .flatMap((b) => b.elements ?? [])
      .filter((el) => el.action_id?.startsWith('learner_card_'));
    expect(buttons.map((b) => b.action_id)).toEqual([ids.card.reassign, ids.card.add, ids.card.revoke]);
    // A click on an ephemeral card carries no message: only the trigger and response_url.
    await e2e.interact(
      blockActionsPayload({
        user_id: ADMIN,
        actions: [{ action_id: ids.card.revoke, block_id: 'learner_card_actions', value: buttons[2]!.value }],
      }),
    );
    const open = await e2e.slack.waitFor('views.open');
    expect(JSON.parse((open.body.view as { private_metadata: string }).private_metadata)).toEqual({
      mode: 'revoke',
      channelId: 'C0GENERAL',
      learnerId: ada,
      // The admin's Slack time zone, for the "apply at" picker (the fake Slack gives none: UTC).
      timeZone: 'UTC',
    });
  });

  it('says so when nobody matches', async () => {
    const { responseUrl } = await e2e.command('show nobody-here');
    expect((await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl)).body.text).toContain('No learner matches “nobody-here”');
  });

  it('explains an unknown subcommand with the help', async () => {
    const { responseUrl } = await e2e.command('frobnicate');
    const reply = await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl);
    expect(reply.body.text).toContain('frobnicate is not a /license command');
    expect(reply.body.text).toContain('/license reassign');
  });
});

describe('when the database is unreachable', () => {
  it('tells the user in a plain sentence and reports unhealthy', async () => {
    expect((await fetch(`${e2e.baseUrl}/healthz`)).status).toBe(200);
    await e2e.running.db.connection.close();
    const { responseUrl } = await e2e.command('seats');
    const reply = await e2e.slack.waitFor('response_url', (c) => c.url === responseUrl);
    expect(reply.body.text).toBe('The license database is unreachable right now. Nothing was changed; please try again in a minute.');
    expect((await fetch(`${e2e.baseUrl}/healthz`)).status).toBe(503);
  });
});
