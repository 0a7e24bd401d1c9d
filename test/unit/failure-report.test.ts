import { failureReportLine } from '../../src/slack/notifiers/bulk-notifier.js';

describe('the failures CSV of a bulk job', () => {
  it('quotes cells as RFC 4180 says and neutralises any a spreadsheet would run as a formula', () => {
    expect(failureReportLine(['=cmd@example.com', 'That learner is deactivated, so "no"', 'learner_deactivated'])).toBe(
      '\'=cmd@example.com,"That learner is deactivated, so ""no""",learner_deactivated\n',
    );
    expect(failureReportLine(['+1@example.com', '-reason', '@code'])).toBe("'+1@example.com,'-reason,'@code\n");
  });
});
