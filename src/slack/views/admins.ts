import { section, type KnownBlock } from './blocks.js';

/** `/license admins list`. */
export function buildAdminsMessage(admins: readonly { userId: string; fromConfig: boolean }[]): { text: string; blocks: KnownBlock[] } {
  if (admins.length === 0) return { text: 'No license admins yet.', blocks: [section('No license admins yet. Set LICENSE_ADMINS to bootstrap the first one.')] };
  const lines = admins.map((a) => `• <@${a.userId}>${a.fromConfig ? ' _(from LICENSE_ADMINS)_' : ''}`);
  return { text: `License admins: ${admins.map((a) => a.userId).join(', ')}`, blocks: [section(`*License admins*\n${lines.join('\n')}`)] };
}

/** A one-line confirmation. */
export function buildNotice(sentence: string): { text: string; blocks: KnownBlock[] } {
  return { text: sentence.replace(/<@([A-Z0-9]+)>/g, '$1'), blocks: [section(sentence)] };
}
