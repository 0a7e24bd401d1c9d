import { freeSeats, type LicenseType } from '../../licensing/model.js';
import { context, escapeMrkdwn, type KnownBlock, type Message, section } from './blocks.js';

/** `/license seats`: every license type with capacity, in use and free. */
export function buildSeatsMessage(types: readonly LicenseType[]): Message {
  if (types.length === 0) {
    return {
      text: 'No license types yet.',
      blocks: [section('No license types yet. Import them with `license-bot import license-types FILE.csv`.')],
    };
  }
  // A section holds 3,000 characters; a message 50 blocks: group rows so any number of types fit.
  const rows = types.map((t) => {
    const capacity = t.capacity === null ? 'unlimited' : String(t.capacity);
    const free = t.capacity === null ? '∞' : String(freeSeats(t));
    return `*${escapeMrkdwn(t.name)}* (\`${t.key}\`) — capacity ${capacity} · in use ${t.seatsInUse} · free ${free}`;
  });
  const blocks: KnownBlock[] = [section('*Seats by license type*')];
  let chunk: string[] = [];
  for (const row of rows) {
    if (chunk.join('\n').length + row.length > 2900) {
      blocks.push(section(chunk.join('\n')));
      chunk = [];
    }
    chunk.push(row);
  }
  if (chunk.length) blocks.push(section(chunk.join('\n')));
  if (blocks.length > 49)
    blocks.splice(48, blocks.length - 48, context('More license types exist; export them with `license-bot export`.'));
  return { text: rows.join('\n').replace(/[*`]/g, ''), blocks };
}
