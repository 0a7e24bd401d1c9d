import { parseChangeModalMetadata, parseRequestRef, readChangeModalState } from '../../src/slack/parsers/payloads.js';

const id = '0123456789abcdef01234567';

describe('untrusted payload parsing', () => {
  it('accepts well-formed private_metadata and rejects anything else', () => {
    expect(parseChangeModalMetadata(JSON.stringify({ mode: 'reassign', channelId: 'C123', learnerId: id }))).toEqual({
      mode: 'reassign',
      channelId: 'C123',
      learnerId: id,
    });
    expect(parseChangeModalMetadata('{"mode":"delete-everything"}')).toBeNull();
    expect(parseChangeModalMetadata(JSON.stringify({ mode: 'add', extra: 1 }))).toBeNull();
    expect(parseChangeModalMetadata('not json')).toBeNull();
    expect(parseChangeModalMetadata(undefined)).toBeNull();
  });

  it('accepts only an object id in button values', () => {
    expect(parseRequestRef(JSON.stringify({ requestId: id }))).toEqual({ requestId: id });
    expect(parseRequestRef(JSON.stringify({ requestId: { $ne: null } }))).toBeNull();
    expect(parseRequestRef('{"requestId":"abc"}')).toBeNull();
  });

  it('reads the change modal state and drops malformed values', () => {
    const values = {
      learner_block: { learner_select: { type: 'external_select', selected_option: { value: id } } },
      license_type_block: { license_type_select: { type: 'static_select', selected_option: { value: 'pro' } } },
      reason_block: { reason_input: { type: 'plain_text_input', value: '  promotion  ' } },
    };
    expect(readChangeModalState(values)).toEqual({ learnerId: id, to: 'pro', reason: 'promotion' });
    expect(readChangeModalState({ learner_block: { learner_select: { selected_option: { value: '$where' } } } })).toEqual({ reason: '' });
    expect(readChangeModalState('garbage')).toEqual({ reason: '' });
  });
});
