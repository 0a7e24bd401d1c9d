import type { Learner } from '../../src/licensing/model.js';
import { foldForSearch, rankLearners, searchKeysFor, searchNameFor, searchTerms } from '../../src/licensing/search.js';

/** True when every term of `query` starts one of the learner's keys: what the database checks. */
const finds = (name: string, email: string, query: string) => {
  const keys = searchKeysFor(name, email);
  const terms = searchTerms(query);
  return terms.length > 0 && terms.every((term) => keys.some((key) => key.startsWith(term)));
};

describe('search keys and terms', () => {
  it('folds case, accents and letters without accents to what people type', () => {
    expect(foldForSearch('Zoë Ødegård MÜLLER François María Łukasz Strauß')).toBe('zoe odegard muller francois maria lukasz strauss');
    expect(foldForSearch('ＡＤＡ')).toBe('ada');
  });

  it('keeps the words of a name whole and in parts, the name run together, and the email without punctuation', () => {
    expect(searchKeysFor('Ada King-Lovelace', 'Ada.Lovelace@Example.com')).toEqual([
      'ada',
      'kinglovelace',
      'king',
      'lovelace',
      'adakinglovelace',
      'adalovelace@examplecom',
      'adalovelace',
    ]);
    expect(searchNameFor('  Ada  King-Lovelace ')).toBe('ada kinglovelace');
  });

  it.each([
    ["Conan O'Brien", 'conan.obrien@example.com', ["O'Brien", 'obrien', 'o brien', "o'b", 'O’Brien']],
    ['Jean-Luc Picard', 'jlp@example.com', ['Jean-Luc', 'jean luc', 'jeanluc', 'picard jean', 'Luc']],
    ['Anne-Marie Duval', 'amd@example.com', ['Anne-Marie', 'annemarie', 'marie']],
    ['J.R.R. Tolkien', 'jrrt@example.com', ['J.R.R', 'jrr', 'j.r.r. tolkien', 'tolk']],
    ['Ana (Annie) Silva', 'ana@example.com', ['(Annie', 'annie)', 'silva ana']],
    ['Zoë Kravitz', 'zk@example.com', ['zoe', 'Zoë', 'ZOE K']],
    ['Ødegård Øyvind', 'oo@example.com', ['odegard', 'Ødegård', 'oyv']],
    ['Thomas Müller', 'tm@example.com', ['muller', 'Müller', 'MULL']],
    ['François Hollande', 'fh@example.com', ['francois', 'François']],
    ['María García', 'mg@example.com', ['maria', 'María', 'garcia maria']],
    ['山田 太郎', 'yamada@example.com', ['山', '山田', '山田太', '山田太郎', '太郎']],
    ['王小明', 'wang@example.com', ['王', '王小', '王小明']],
    ['Grace Hopper', 'g.hopper+lab@example.com', ['g.hopper+lab@', 'ghopperlab@examplecom', 'hopper', 'lab']],
  ])('finds %s by what people type', (name, email, queries) => {
    for (const query of queries) expect({ query, found: finds(name, email, query) }).toEqual({ query, found: true });
  });

  it('finds nobody by punctuation alone, and treats other characters literally', () => {
    expect(finds('Ada Lovelace', 'ada@example.com', '.*')).toBe(false);
    expect(searchTerms("-'()")).toEqual([]);
    for (const query of ['[a-z]', '^ada', 'ada$', '\\d', 'a|b', '{"$gt":""}'])
      expect(finds('Ada Lovelace', 'ada@example.com', query)).toBe(false);
  });

  it('takes at most four words', () => {
    expect(searchTerms('a b c d e f')).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('ranking matches', () => {
  const learner = (name: string, email: string): Learner => ({
    id: email,
    email,
    name,
    groups: [],
    status: 'active',
    licenseTypes: [],
    version: 0,
  });

  it('puts the exact name first, then names that start with the text, then whole words, then the rest, each by name', () => {
    const found = [
      learner('Joanne Annis', 'joanne.annis@example.com'),
      learner('Mary Ann', 'mary.ann@example.com'),
      learner('Annabel Jones', 'annabel.jones@example.com'),
      learner('Ann Smith', 'ann.smith@example.com'),
      learner('Ann', 'ann@example.com'),
      learner('Anna Berg', 'anna.berg@example.com'),
    ];
    expect(rankLearners(found, 'ann').map((l) => l.name)).toEqual([
      'Ann',
      'Ann Smith',
      'Anna Berg',
      'Annabel Jones',
      'Mary Ann',
      'Joanne Annis',
    ]);
  });

  it('orders learners of the same name by email, whatever order they came in', () => {
    const twins = [learner('Sam Lee', 'sam.b@example.com'), learner('Sam Lee', 'sam.a@example.com')];
    expect(rankLearners(twins, 'sam').map((l) => l.email)).toEqual(['sam.a@example.com', 'sam.b@example.com']);
    expect(rankLearners([...twins].reverse(), 'sam').map((l) => l.email)).toEqual(['sam.a@example.com', 'sam.b@example.com']);
  });

  it('puts an exact email first', () => {
    const found = [learner('Adam Adams', 'adam@example.com'), learner('Zed Ada', 'ada@example.com')];
    expect(rankLearners(found, 'ada@example.com').map((l) => l.email)).toEqual(['ada@example.com', 'adam@example.com']);
  });
});
