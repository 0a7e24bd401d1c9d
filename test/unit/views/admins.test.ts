import { buildAdminsMessage } from '../../../src/slack/views/admins.js';
import { blockAt, sectionText } from './block-queries.js';

function admin(userId: string, fromConfig = false): { userId: string; fromConfig: boolean } {
  return { userId, fromConfig };
}

describe('buildAdminsMessage', () => {
  it('says there are no admins yet and how to bootstrap one', () => {
    const message = buildAdminsMessage([]);
    expect(message.text).toBe('No license admins yet.');
    expect(sectionText(blockAt(message.blocks, 0, 'section'))).toBe(
      'No license admins yet. Set LICENSE_ADMINS to bootstrap the first one.',
    );
  });

  it('mentions every admin and marks those set in LICENSE_ADMINS', () => {
    const message = buildAdminsMessage([admin('UADMIN1', true), admin('UADMIN2')]);
    expect(message.blocks).toHaveLength(1);
    expect(sectionText(blockAt(message.blocks, 0, 'section')).split('\n')).toEqual([
      '*License admins*',
      '• <@UADMIN1> _(from LICENSE_ADMINS)_',
      '• <@UADMIN2>',
    ]);
    expect(message.text).toBe('License admins: UADMIN1, UADMIN2');
  });
});
