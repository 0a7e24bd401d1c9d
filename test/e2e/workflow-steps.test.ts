import { ids } from '../../src/slack/ids.js';
import { waitFor } from '../support/bulk-agenda.js';
import { ADMIN, bootE2E, type E2E } from '../support/e2e.js';
import { expectSeatInvariant, givenLearners, givenLicenseTypes } from '../support/fixtures.js';
import { functionExecutedEvent } from '../support/slack-requests.js';

const NOT_ADMIN = 'UPLAIN1';
const TOKEN = 'xwfp-workflow-token';

let e2e: E2E;

beforeEach(async () => {
  e2e = await bootE2E();
  await givenLicenseTypes(e2e.running.db, [
    { key: 'pro', name: 'Learning Pro', capacity: 10 },
    { key: 'core', name: 'Learning Core', capacity: null },
  ]);
  await givenLearners(e2e.running.db, [
    { email: 'ana@example.com', name: 'Ana Lima', licenseTypes: ['core'] },
    { email: 'bo@example.com', name: 'Bo Park', licenseTypes: ['pro'] },
  ]);
});
afterEach(async () => {
  await e2e.stop();
});

const completions = (executionId: string) =>
  e2e.slack.calls.filter(
    (c) =>
      (c.method === 'functions.completeSuccess' || c.method === 'functions.completeError') && c.body.function_execution_id === executionId,
  );

/** Runs a step as Workflow Builder does (a signed function_executed event) and returns the step's completion call. */
async function runStep(callbackId: string, inputs: Record<string, unknown>, executionId = `Fx${Math.random().toString(36).slice(2, 10)}`) {
  const before = completions(executionId).length;
  const res = await e2e.event(
    functionExecutedEvent({ callback_id: callbackId, inputs, function_execution_id: executionId, bot_access_token: TOKEN }),
  );
  expect(res.status).toBe(200);
  const done = await waitFor(async () => completions(executionId)[before], 10_000, `the completion of ${executionId}`);
  return done;
}

describe('Workflow Builder steps', () => {
  it('reassigns a license for an admin and completes with the new licenses, audited with the workflow as source', async () => {
    const done = await runStep(ids.workflow.reassign, {
      learner_email: 'Ana@Example.com',
      license_type: 'Learning Pro',
      reason: 'onboarding workflow',
      run_as: ADMIN,
    });

    expect(done.method).toBe('functions.completeSuccess');
    expect(done.body.outputs).toEqual({ new_licenses: 'Learning Pro', status: 'applied' });
    expect(done.token).toBe(TOKEN);
    expect((await e2e.models.Learner.findOne({ email: 'ana@example.com' }).lean())?.licenseTypes).toEqual(['pro']);
    const row = await e2e.models.Assignment.findOne({ licenseType: 'pro', email: 'ana@example.com' }).lean();
    expect(row).toMatchObject({ actor: ADMIN, source: 'workflow', reason: 'onboarding workflow' });
    expect(await e2e.models.Audit.findOne({ learnerEmail: 'ana@example.com', outcome: 'applied' }).lean()).toMatchObject({
      action: 'reassign',
      actor: ADMIN,
      source: 'workflow',
      from: ['core'],
      to: ['pro'],
    });
    await expectSeatInvariant(e2e.running.db);
  });

  it('changes the learner once when Slack delivers the same execution twice', async () => {
    const inputs = { learner_email: 'ana@example.com', license_type: 'pro', reason: 'retry', run_as: ADMIN };
    await runStep(ids.workflow.reassign, inputs, 'FxSAME');
    await runStep(ids.workflow.reassign, inputs, 'FxSAME');

    expect(await e2e.models.Assignment.countDocuments({ licenseType: 'pro', email: 'ana@example.com' })).toBe(1);
    expect(e2e.slack.callsTo('functions.completeSuccess')).toHaveLength(2);
    await expectSeatInvariant(e2e.running.db);
  });

  it('fails with a sentence when the workflow runs as someone who is not an admin, and audits the refusal', async () => {
    const failed = await runStep(ids.workflow.reassign, { learner_email: 'ana@example.com', license_type: 'pro', run_as: NOT_ADMIN });

    expect(failed.method).toBe('functions.completeError');
    expect(failed.body.error).toBe('Only license admins can change licenses. Ask an admin to add you with /license admins add.');
    expect((await e2e.models.Learner.findOne({ email: 'ana@example.com' }).lean())?.licenseTypes).toEqual(['core']);
    expect(await e2e.models.Audit.findOne({ actor: NOT_ADMIN }).lean()).toMatchObject({
      outcome: 'refused',
      code: 'not_admin',
      source: 'workflow',
    });
  });

  it('fails with the reason when the learner or the license type is unknown, or the inputs are missing', async () => {
    const unknown = await runStep(ids.workflow.reassign, { learner_email: 'nobody@example.com', license_type: 'pro', run_as: ADMIN });
    const badType = await runStep(ids.workflow.reassign, { learner_email: 'ana@example.com', license_type: 'Platinum', run_as: ADMIN });
    const missing = await runStep(ids.workflow.reassign, { license_type: 'pro' });

    expect([unknown.body.error, badType.body.error]).toEqual([
      'No learner matches that name or email.',
      'That license type does not exist.',
    ]);
    expect(String(missing.body.error)).toContain('This step needs a learner email');
  });

  it('checks seats for an admin: capacity, in use and free, with -1 for unlimited', async () => {
    const pro = await runStep(ids.workflow.checkSeats, { license_type: 'pro', run_as: ADMIN });
    const core = await runStep(ids.workflow.checkSeats, { license_type: 'Learning Core', run_as: ADMIN });
    const refused = await runStep(ids.workflow.checkSeats, { license_type: 'pro', run_as: NOT_ADMIN });

    expect(pro.body.outputs).toEqual({ license_type: 'Learning Pro', capacity: 10, in_use: 1, free: 9, unlimited: false });
    expect(core.body.outputs).toEqual({ license_type: 'Learning Core', capacity: -1, in_use: 1, free: -1, unlimited: true });
    expect(refused.method).toBe('functions.completeError');
    expect(await e2e.models.Audit.countDocuments({ action: 'seats.check', source: 'workflow', outcome: 'applied' })).toBe(2);
  });
});
