import type { Learner } from './model.js';

/**
 * How learners are found as people type. Names and emails are reduced to search keys the way a
 * person would type them: lower case, letters without their accents (Zoë ↔ zoe, Ødegård ↔
 * odegard), and punctuation inside a word optional (O'Brien ↔ obrien, Jean-Luc ↔ jeanluc, J.R.R
 * ↔ jrr). Each typed word must be the start of a key; keys are compared literally (anchored
 * prefixes, regex characters escaped), so no typed text is an operator.
 */

/**
 * Bumped whenever the keys below change: stored learners with another version are rebuilt at
 * start (3: their names and emails are also brought to their normalised form).
 */
export const SEARCH_KEYS_VERSION = 3;

// Letters NFKD does not take apart.
const BASE_LETTERS: Record<string, string> = {
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  þ: 'th',
  ı: 'i',
  ħ: 'h',
};
/** Punctuation people type inside a word, or leave out: apostrophes, hyphens and dashes, dots, brackets, + and _. */
const JOINERS = /['’‘ʼ`´\-‐‑‒–—―.·()（）[\]{}+_]/gu;
/** What separates words (besides spaces). */
const SEPARATORS = /[\s,;/\\|&"“”„!?:]+/u;
const MAX_TERMS = 4;
const MAX_TERM_LENGTH = 64;

/** Lower case, compatibility forms unified (fullwidth letters), accents removed from Latin letters. */
export function foldForSearch(text: string): string {
  // Most names and every plain email are ASCII, where folding is lower-casing.
  if (/^[\x20-\x7e]*$/.test(text)) return text.toLowerCase();
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[øæœßđðłþıħ]/g, (letter) => BASE_LETTERS[letter] ?? letter)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .normalize('NFC');
}

/** The words of folded text, each without its inner punctuation. */
function words(folded: string): string[] {
  return folded
    .split(SEPARATORS)
    .map((word) => word.replace(JOINERS, ''))
    .filter(Boolean);
}

/** The name folded, its words without punctuation, one space between them: the typeahead's order. */
export function searchNameFor(name: string): string {
  return words(foldForSearch(name)).join(' ');
}

/**
 * The keys a learner is found by: every word of the name (whole, and each part between its
 * punctuation), the whole name run together (a CJK name typed without its space, "adalove"), the
 * email without punctuation, and the words of its local part.
 */
export function searchKeysFor(name: string, email: string): string[] {
  return keysOfFolded(foldForSearch(name), foldForSearch(email.trim()));
}

function keysOfFolded(name: string, email: string): string[] {
  const keys: string[] = [];
  for (const word of name.split(SEPARATORS)) {
    const whole = word.replace(JOINERS, '');
    if (whole) keys.push(whole);
    keys.push(...word.split(JOINERS).filter((part) => part && part !== whole));
  }
  keys.push(words(name).join(''));
  keys.push(email.replace(JOINERS, ''));
  const local = email.split('@')[0] ?? '';
  keys.push(local.replace(JOINERS, ''), ...local.split(JOINERS));
  return [...new Set(keys.filter(Boolean))];
}

/** The stored search fields of a learner: its keys and its folded name (for sorting). */
export function searchFieldsFor(name: string, email: string): { searchKeys: string[]; searchName: string } {
  return { searchKeys: searchKeysFor(name, email), searchName: searchNameFor(name) };
}

/** Typed text as search terms: folded words without inner punctuation, at most four; none for text of punctuation only. */
export function searchTerms(query: string): string[] {
  return [...new Set(words(foldForSearch(query.slice(0, 200))).map((term) => term.slice(0, MAX_TERM_LENGTH)))].slice(0, MAX_TERMS);
}

/** Escapes regex metacharacters so user text matches literally. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Orders matches the way a person expects: the exact name or email first, then names that start
 * with what was typed (a whole first word before a partial one), then whole-word matches, then the
 * rest; within each, by name, then email. Never the database's order.
 */
export function rankLearners(learners: readonly Learner[], query: string): Learner[] {
  const terms = searchTerms(query);
  const typed = terms.join('');
  const ranked = (learner: Learner) => {
    // Each learner folded once: ranking runs on every keystroke, for up to 100 of them.
    const foldedName = foldForSearch(learner.name);
    const nameWords = words(foldedName);
    const foldedEmail = foldForSearch(learner.email);
    const together = nameWords.join('');
    const tier =
      together === typed || foldedEmail.replace(JOINERS, '') === typed
        ? 0
        : together.startsWith(typed)
          ? nameWords[0] === terms[0]
            ? 1
            : 2
          : terms.every((term) => keysOfFolded(foldedName, foldedEmail).includes(term))
            ? 3
            : 4;
    return { learner, tier, name: nameWords.join(' ') };
  };
  return learners
    .map(ranked)
    .sort((a, b) => a.tier - b.tier || compare(a.name, b.name) || compare(a.learner.email, b.learner.email))
    .map(({ learner }) => learner);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
