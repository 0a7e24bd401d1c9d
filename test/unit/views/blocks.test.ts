import { ids } from '../../../src/slack/ids.js';
import { encodeRequestRef, parseRequestRef } from '../../../src/slack/parsers/payloads.js';
import {
  approvalButtons,
  buildErrorMessage,
  buildNotice,
  button,
  context,
  escapeMrkdwn,
  option,
  plainText,
  section,
  slackDate,
  truncate,
} from '../../../src/slack/views/blocks.js';
import { blockAt, buttonIn, contextText, sectionText } from './block-queries.js';

const requestId = '0123456789abcdef01234567';

describe('escapeMrkdwn', () => {
  it('turns angle brackets and ampersands into entities so mentions and links cannot be injected', () => {
    expect(escapeMrkdwn('<!channel> <@U123> & <https://evil.example|click>')).toBe(
      '&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;https://evil.example|click&gt;',
    );
  });

  it('keeps *bold*, _italic_, ~strike~ and `code` in a name from rendering, with look-alike characters', () => {
    const escaped = escapeMrkdwn('*Bold* _it_ ~gone~ `code` **x**');
    expect(escaped).not.toMatch(/[*_~`]/);
    expect(escaped).toBe('\u2217Bold\u2217 \u02CDit\u02CD \u223Cgone\u223C \u02CBcode\u02CB \u2217\u2217x\u2217\u2217');
  });

  it('leaves a marker between letters alone, where Slack never formats: snake_case and emails stay copyable', () => {
    expect(escapeMrkdwn('john_doe@example.com a*b o~k')).toBe('john_doe@example.com a*b o~k');
  });

  it('escapes an ampersand that already looks like an entity, so it shows literally', () => {
    expect(escapeMrkdwn('&lt;b&gt;')).toBe('&amp;lt;b&amp;gt;');
  });

  it('leaves text without special characters unchanged', () => {
    expect(escapeMrkdwn('Ada Lovelace · ada@example.com')).toBe('Ada Lovelace · ada@example.com');
  });
});

describe('truncate and plain text', () => {
  it('keeps text at the limit and cuts longer text to the limit with an ellipsis', () => {
    expect(truncate('abcde', 5)).toBe('abcde');
    expect(truncate('abcdef', 5)).toBe('abcd…');
    expect(truncate('abcdef', 5)).toHaveLength(5);
  });

  it('caps a plain-text object at the given length and allows emoji', () => {
    expect(plainText('x'.repeat(30), 24)).toEqual({ type: 'plain_text', text: `${'x'.repeat(23)}…`, emoji: true });
  });

  it('caps an option label at 75 characters and keeps the value whole', () => {
    const long = option('L'.repeat(100), 'v'.repeat(100));
    expect(long.text.text).toHaveLength(75);
    expect(long.text.text.endsWith('…')).toBe(true);
    expect(long.value).toBe('v'.repeat(100));
  });
});

describe('section, context and button', () => {
  it('builds a mrkdwn section with a block id only when one is given', () => {
    expect(section('hello', 'greeting_block')).toEqual({
      type: 'section',
      block_id: 'greeting_block',
      text: { type: 'mrkdwn', text: 'hello' },
    });
    expect(section('hello')).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'hello' } });
  });

  it('cuts section and context text to Slack’s 3,000 characters', () => {
    expect(sectionText(section('s'.repeat(3500)))).toHaveLength(3000);
    expect(contextText(context('c'.repeat(3500)))).toHaveLength(3000);
  });

  it('leaves out the value and style of a button when none are given', () => {
    expect(button('some_action', 'Go')).toEqual({ type: 'button', action_id: 'some_action', text: plainText('Go', 75) });
    expect(button('some_action', 'Go', '{"x":1}', 'danger')).toEqual({
      type: 'button',
      action_id: 'some_action',
      text: plainText('Go', 75),
      value: '{"x":1}',
      style: 'danger',
    });
  });
});

describe('approvalButtons', () => {
  it('puts Approve (primary) and Reject (danger) in one actions block, both carrying the request', () => {
    const block = approvalButtons(ids.bulkRequest.actionsBlock, encodeRequestRef(requestId));
    const actions = blockAt([block], 0, 'actions');
    expect(actions.block_id).toBe(ids.bulkRequest.actionsBlock);
    const approve = buttonIn(actions, ids.bulkRequest.approve);
    const reject = buttonIn(actions, ids.bulkRequest.reject);
    expect([approve.text.text, approve.style]).toEqual(['Approve', 'primary']);
    expect([reject.text.text, reject.style]).toEqual(['Reject', 'danger']);
    expect(parseRequestRef(approve.value)).toEqual({ requestId });
    expect(parseRequestRef(reject.value)).toEqual({ requestId });
  });
});

describe('slackDate', () => {
  it('renders a date token in whole seconds with the ISO time as fallback', () => {
    const at = new Date('2024-05-01T12:34:56.789Z');
    expect(slackDate(at)).toBe(`<!date^${Math.floor(at.getTime() / 1000)}^{date_short_pretty} {time}|2024-05-01T12:34:56.789Z>`);
  });
});

describe('buildNotice', () => {
  it('shows the sentence as one section and strips mention brackets from the fallback text', () => {
    const notice = buildNotice('<@U123ABC> is now a license admin.');
    expect(notice.text).toBe('U123ABC is now a license admin.');
    expect(notice.blocks).toHaveLength(1);
    expect(sectionText(blockAt(notice.blocks, 0, 'section'))).toBe('<@U123ABC> is now a license admin.');
  });
});

describe('buildErrorMessage', () => {
  it('shows the sentence with a warning, escaped in the blocks and in the notification text alike', () => {
    const message = buildErrorMessage('No learner called <!channel> & co.');
    expect(message.text).toBe('No learner called &lt;!channel&gt; &amp; co.');
    expect(message.blocks).toHaveLength(1);
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(':warning: No learner called &lt;!channel&gt; &amp; co.');
  });
});
