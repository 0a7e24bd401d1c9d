import { context, type KnownBlock, type Message, section } from './blocks.js';

/** `/license help`. */
export function buildHelpMessage(isAdmin: boolean, problem?: string): Message {
  const lines = [
    '`/license reassign [name or email]` — move a learner to another license type (now or at a set time, for good or until a date)',
    '`/license add <name or email>` — grant an additional license type',
    '`/license revoke <name or email>` — revoke every license of a learner',
    '`/license show <name or email>` — a learner’s licenses and latest history',
    '`/license seats` — capacity, seats in use and free seats per license type',
    '`/license bulk` — change many learners at once (a team lead approves large changes)',
    '`/license jobs` — recent bulk changes and their progress',
    '`/license requests` — bulk changes waiting for approval, with Approve / Reject',
    '`/license reclaim` — idle seats per license type with their yearly cost, and Reclaim',
    '`/license undo <job>` — put back what a finished bulk job changed (same approval as the job)',
    '`/license usage` — how to import the learning platform’s usage report (a CSV in my DM)',
    '`/license report` — seat use over 90 days as a chart (PNG) and a CSV',
    '`/license leads add|remove|list [@person] [groups]` — manage who approves bulk changes',
    '`/license policy` — how approvals are reminded, escalated and how many leads must approve',
    '`/license sync [push|retry|verify]` — where the learning platform stands with our changes',
    '`/license admins add|remove|list [@person]` — manage who can change licenses',
    '`/license help` — this help',
  ];
  const blocks: KnownBlock[] = [];
  if (problem) blocks.push(section(`:warning: ${problem}`));
  blocks.push(section(`*Learning license bot*\n${lines.join('\n')}`));
  blocks.push(context(isAdmin ? 'You are a license admin.' : 'Only license admins can change licenses; anyone can look.'));
  return { text: `${problem ? `${problem} ` : ''}Usage: ${lines.join(' · ')}`.replace(/`/g, ''), blocks };
}
