import { z } from 'zod';

/** `/license` subcommands. */
export const subcommands = [
  'help',
  'reassign',
  'add',
  'revoke',
  'show',
  'seats',
  'admins',
  'bulk',
  'jobs',
  'requests',
  'leads',
  'sync',
  'reclaim',
  'undo',
  'usage',
  'report',
  'policy',
] as const;
export type Subcommand = (typeof subcommands)[number];

export type ParsedCommand =
  | { sub: 'help' }
  | { sub: 'reassign' | 'add' | 'revoke' | 'show'; query: string }
  | { sub: 'seats' | 'bulk' | 'jobs' | 'requests' | 'policy' }
  | { sub: 'leads'; action: 'list' }
  | { sub: 'leads'; action: 'remove'; userId: string }
  | { sub: 'leads'; action: 'add'; userId: string; groups: string[] }
  | { sub: 'sync'; action: 'status' | 'push' | 'retry' | 'verify' }
  | { sub: 'reclaim' | 'usage' | 'report' }
  | { sub: 'undo'; jobId: string }
  | { sub: 'admins'; action: 'list' }
  | { sub: 'admins'; action: 'add' | 'remove'; userId: string }
  | { sub: 'unknown'; word: string; problem?: string };

const userMention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$/;

/** Parses the text after `/license`; never throws. */
export function parseCommandText(raw: string): ParsedCommand {
  const text = raw.trim().replace(/\s+/g, ' ');
  const [first = '', ...rest] = text.split(' ');
  const word = first.toLowerCase();
  const query = rest.join(' ');
  switch (word) {
    case '':
    case 'help':
      return { sub: 'help' };
    case 'reassign':
    case 'add':
    case 'revoke':
    case 'show':
      return { sub: word, query };
    case 'seats':
    case 'bulk':
    case 'jobs':
    case 'requests':
    case 'policy':
      return { sub: word };
    case 'reclaim':
    case 'usage':
    case 'report':
      return { sub: word };
    case 'undo': {
      const jobId = (rest[0] ?? '').toLowerCase();
      if (/^[0-9a-f]{24}$/.test(jobId)) return { sub: 'undo', jobId };
      return {
        sub: 'unknown',
        word: 'undo',
        problem: 'Give the job to undo, as `/license jobs` lists it: `/license undo 65f0c1e2a3b4c5d6e7f80912`.',
      };
    }
    case 'leads': {
      const action = (rest[0] ?? 'list').toLowerCase();
      if (action === 'list') return { sub: 'leads', action: 'list' };
      if (action === 'add' || action === 'remove') {
        const match = userMention.exec(rest[1] ?? '');
        const userId = match?.[1] ?? match?.[2];
        if (!userId)
          return {
            sub: 'unknown',
            word: 'leads',
            problem: `Mention the team lead to ${action}, for example \`/license leads ${action} @jane${action === 'add' ? ' Sales' : ''}\`.`,
          };
        if (action === 'remove') return { sub: 'leads', action, userId };
        // Groups may be comma- or space-separated: "Sales, Customer Success" keeps multi-word names.
        const rawGroups = rest.slice(2).join(' ');
        const groups = rawGroups.includes(',') ? rawGroups.split(',') : rawGroups.split(' ');
        return { sub: 'leads', action, userId, groups: [...new Set(groups.map((g) => g.trim()).filter(Boolean))] };
      }
      return {
        sub: 'unknown',
        word: 'leads',
        problem: 'Use `/license leads add @person [groups]`, `/license leads remove @person` or `/license leads list`.',
      };
    }
    case 'sync': {
      const action = (rest[0] ?? 'status').toLowerCase();
      if (action === 'status' || action === 'push' || action === 'retry' || action === 'verify') return { sub: 'sync', action };
      return {
        sub: 'unknown',
        word: 'sync',
        problem: 'Use `/license sync`, `/license sync push`, `/license sync retry` or `/license sync verify`.',
      };
    }
    case 'admins': {
      const action = (rest[0] ?? 'list').toLowerCase();
      if (action === 'list') return { sub: 'admins', action: 'list' };
      if (action === 'add' || action === 'remove') {
        const match = userMention.exec(rest[1] ?? '');
        const userId = match?.[1] ?? match?.[2];
        if (!userId)
          return {
            sub: 'unknown',
            word: 'admins',
            problem: `Mention the person to ${action}, for example \`/license admins ${action} @jane\`.`,
          };
        return { sub: 'admins', action, userId };
      }
      return {
        sub: 'unknown',
        word: 'admins',
        problem: 'Use `/license admins add @person`, `/license admins remove @person` or `/license admins list`.',
      };
    }
    default:
      return { sub: 'unknown', word };
  }
}

/** A Slack id of a user, channel or conversation. */
export const slackId = z.string().regex(/^[A-Z0-9]{2,20}$/);
