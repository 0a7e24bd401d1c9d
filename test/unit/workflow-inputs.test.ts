import { ids } from '../../src/slack/ids.js';
import { parseAppHomeOpened } from '../../src/slack/parsers/events.js';
import { readLicenseRequestState } from '../../src/slack/parsers/payloads.js';
import { parseCheckSeatsInputs, parseReassignInputs } from '../../src/slack/parsers/workflow.js';

describe('untrusted inputs of the new surfaces', () => {
  it('reads a Reassign step’s inputs, lower-casing the email and unwrapping a Slack mailto link', () => {
    expect(
      parseReassignInputs({ learner_email: '<mailto:Ana@Example.com|Ana@Example.com>', license_type: ' Learning Pro ', run_as: 'UADMIN1' }),
    ).toEqual({ learnerEmail: 'ana@example.com', licenseType: 'Learning Pro', reason: '', runAs: 'UADMIN1' });
  });

  it('refuses a step whose inputs are missing or malformed', () => {
    expect(parseReassignInputs({ learner_email: 'ana@example.com', license_type: 'pro' })).toBeNull();
    expect(parseReassignInputs({ learner_email: 'not an email', license_type: 'pro', run_as: 'U1' })).toBeNull();
    expect(parseReassignInputs({ learner_email: 'a@b.co', license_type: 'pro', run_as: 'u1; drop' })).toBeNull();
    expect(parseCheckSeatsInputs({ license_type: '', run_as: 'UADMIN1' })).toBeNull();
    expect(parseCheckSeatsInputs({ license_type: 'pro', run_as: 'UADMIN1' })).toEqual({ licenseType: 'pro', runAs: 'UADMIN1' });
  });

  it('reads who opened which tab from app_home_opened, and nothing from a malformed event', () => {
    expect(parseAppHomeOpened({ type: 'app_home_opened', user: 'U1AB', channel: 'D1', tab: 'home' })).toEqual({
      user: 'U1AB',
      tab: 'home',
    });
    expect(parseAppHomeOpened({ type: 'app_home_opened', user: '<@U1>' })).toBeNull();
    expect(parseAppHomeOpened({ type: 'message', user: 'U1AB' })).toBeNull();
  });

  it('reads the request form, keeping only a valid license key and a trimmed reason', () => {
    const r = ids.requestModal;
    const values = (type: string | null, reason: string | null) => ({
      [r.typeBlock]: { [r.typeSelect]: { type: 'static_select', selected_option: type === null ? null : { value: type } } },
      [r.reasonBlock]: { [r.reasonInput]: { type: 'plain_text_input', value: reason } },
    });
    expect(readLicenseRequestState(values('coach', '  pilot  '))).toEqual({ licenseType: 'coach', reason: 'pilot' });
    expect(readLicenseRequestState(values('Coach; $where', 'x'))).toEqual({ reason: 'x' });
    expect(readLicenseRequestState(values(null, null))).toEqual({ reason: '' });
    expect(readLicenseRequestState('garbage')).toEqual({ reason: '' });
  });
});
