import { type Message, section } from './blocks.js';

/** `/license admins list`. */
export function buildAdminsMessage(admins: readonly { userId: string; fromConfig: boolean }[]): Message {
  if (admins.length === 0)
    return { text: 'No license admins yet.', blocks: [section('No license admins yet. Set LICENSE_ADMINS to bootstrap the first one.')] };
  const lines = admins.map((a) => `• <@${a.userId}>${a.fromConfig ? ' _(from LICENSE_ADMINS)_' : ''}`);
  return { text: `License admins: ${admins.map((a) => a.userId).join(', ')}`, blocks: [section(`*License admins*\n${lines.join('\n')}`)] };
}
