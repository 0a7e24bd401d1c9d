/** Deterministic demo data for `license-bot seed --demo`, as the rows an import reads. */

export const DEFAULT_DEMO_LEARNERS = 3_000;

const SEED = 0x5eed_1ea4;

/** mulberry32: a tiny seeded PRNG, so every run yields the same learners. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FIRST_NAMES = [
  'Ada',
  'Adrian',
  'Aisha',
  'Alejandro',
  'Amara',
  'Amelia',
  'Andrei',
  'Anika',
  'Arjun',
  'Beatriz',
  'Benjamin',
  'Camille',
  'Carlos',
  'Chen',
  'Chloé',
  'Daniel',
  'Dmitri',
  'Elena',
  'Emeka',
  'Emma',
  'Ethan',
  'Fatima',
  'Felix',
  'Freya',
  'Gabriel',
  'Grace',
  'Hannah',
  'Hiroshi',
  'Ibrahim',
  'Ines',
  'Isaac',
  'Jamal',
  'Javier',
  'Jia',
  'João',
  'Julia',
  'Kai',
  'Kavya',
  'Kenji',
  'Laila',
  'Lars',
  'Leila',
  'Liam',
  'Lucas',
  'Maya',
  'Mateo',
  'Mei',
  'Mia',
  'Mohammed',
  'Nadia',
  'Noah',
  'Nora',
  'Olga',
  'Omar',
  'Priya',
  'Rafael',
  'Rania',
  'Ravi',
  'Rosa',
  'Sakura',
  'Samuel',
  'Sara',
  'Sofia',
  'Tariq',
  'Thea',
  'Tomás',
  'Valentina',
  'Wei',
  'Yara',
  'Yusuf',
  'Zanele',
  'Zoë',
];

const LAST_NAMES = [
  'Abebe',
  'Adeyemi',
  'Almeida',
  'Andersen',
  'Bauer',
  'Bianchi',
  'Brown',
  'Castillo',
  'Chen',
  'Clarke',
  'Costa',
  'Das',
  'Dubois',
  'Eriksen',
  'Fernández',
  'Fischer',
  'García',
  'Gupta',
  'Haddad',
  'Hansen',
  'Hernández',
  'Hoffmann',
  'Ivanova',
  'Jansen',
  'Johnson',
  'Kim',
  'Kowalski',
  'Kumar',
  'Larsen',
  'Lee',
  'López',
  'Martin',
  'Mensah',
  'Müller',
  'Nakamura',
  'Nguyen',
  'Novak',
  "O'Brien",
  'Okafor',
  'Olsen',
  'Patel',
  'Pereira',
  'Petrov',
  'Rahman',
  'Reyes',
  'Rossi',
  'Santos',
  'Schmidt',
  'Silva',
  'Singh',
  'Smith',
  'Sousa',
  'Suzuki',
  'Tanaka',
  'Taylor',
  'Van Dijk',
  'Wang',
  'Williams',
  'Yilmaz',
  'Zhang',
];

/** Groups with a weight: most people are in Sales, Engineering or Support. */
const GROUPS: readonly (readonly [string, number])[] = [
  ['Sales', 22],
  ['Engineering', 24],
  ['Support', 14],
  ['Marketing', 10],
  ['Product', 8],
  ['Operations', 7],
  ['Finance', 6],
  ['HR', 5],
  ['Legal', 2],
  ['Design', 2],
];

/** The demo license types: `key,name,seats` rows, header first. */
export function demoLicenseTypeRows(): string[][] {
  return [
    ['key', 'name', 'seats'],
    ['pro', 'Learning Pro', '2500'],
    ['core', 'Learning Core', ''],
    ['coaching', 'Coaching', '150'],
  ];
}

/** Capped types stop at 90% of their seats so the demo keeps some free to reassign. */
const DEMO_LIMITS: Record<string, number> = { pro: 2_250, coaching: 135 };

/**
 * `count` demo learners as `email,name,group,licenseType,status` rows, header first. The same
 * count always yields the same rows, and a larger count extends a smaller one.
 */
export function* demoLearnerRows(count: number = DEFAULT_DEMO_LEARNERS): Generator<string[]> {
  const random = prng(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const pickGroup = (): string => {
    const total = GROUPS.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = random() * total;
    for (const [group, weight] of GROUPS) {
      roll -= weight;
      if (roll < 0) return group;
    }
    return 'Sales';
  };
  const used = new Set<string>();
  const held = new Map<string, number>();

  yield ['email', 'name', 'group', 'licenseType', 'status'];
  for (let i = 0; i < count; i += 1) {
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const local = `${ascii(first)}.${ascii(last)}`;
    let email = `${local}@example.com`;
    for (let n = 2; used.has(email); n += 1) email = `${local}${n}@example.com`;
    used.add(email);

    const groups = [pickGroup()];
    if (random() < 0.15) {
      const second = pickGroup();
      if (second !== groups[0]) groups.push(second);
    }

    const deactivated = random() < 0.06;
    const roll = random();
    let type = deactivated ? '' : roll < 0.04 ? 'coaching' : roll < 0.6 ? 'pro' : roll < 0.92 ? 'core' : '';
    const limit = DEMO_LIMITS[type];
    if (limit !== undefined && (held.get(type) ?? 0) >= limit) type = 'core';
    if (type) held.set(type, (held.get(type) ?? 0) + 1);

    yield [email, `${first} ${last}`, groups.join(';'), type, deactivated ? 'deactivated' : 'active'];
  }
}

/** Lower-case ASCII for an email's local part: "Zoë O'Brien" → "zoe", "obrien". */
function ascii(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}
