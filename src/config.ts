import { z } from 'zod';

const slackUserIds = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be Slack user IDs such as U012ABCDEF, separated by commas')));

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const interval = (fallback?: string) =>
  optionalString
    .transform((value) => value ?? fallback)
    .pipe(
      z
        .string()
        .regex(
          /^\d+(\.\d+)?\s*(ms|milliseconds?|seconds?|minutes?|hours?|days?)$/i,
          'must be a duration such as "30 seconds", "15 minutes" or "1 hour"',
        )
        .optional(),
    );
const flag = (fallback: boolean) =>
  optionalString
    .pipe(z.enum(['true', 'false', 'on', 'off', '1', '0'], { error: 'must be true or false' }).optional())
    .transform((value) => (value === undefined ? fallback : ['true', 'on', '1'].includes(value)));
/** An optional whole number of at least `min`; empty means unset. */
const wholeNumber = (min: number, message: string) =>
  optionalString.pipe(
    z
      .string()
      .regex(/^\d+$/, message)
      .transform(Number)
      .refine((n) => n >= min, message)
      .optional(),
  );
const httpUrl = optionalString.pipe(
  z
    .url({ error: 'must be a URL' })
    .refine((url) => /^https?:\/\//.test(url), 'must start with https:// (or http:// for a local test server)')
    .optional(),
);

/** Where license changes go (SYNC_TARGET) and how; read by the bot and by `license-bot sync`. */
const syncSchema = z.object({
  SYNC_TARGET: optionalString.pipe(
    z.enum(['none', 'scim', 'orgsync', 'webhook'], { error: 'must be none, scim, orgsync or webhook' }).optional(),
  ),
  SYNC_EVERY: interval('3 seconds'),
  SCIM_BASE_URL: httpUrl,
  SCIM_TOKEN: optionalString,
  SCIM_LICENSE_ATTRIBUTE: optionalString.pipe(
    z
      .string()
      .regex(/^[\w.:-]+$/, 'must be a SCIM attribute path')
      .optional(),
  ),
  SCIM_REVOKE_ALL: optionalString.pipe(z.enum(['deactivate', 'empty'], { error: 'must be deactivate or empty' }).optional()),
  SCIM_CREATE_USERS: flag(false),
  SCIM_PULL_EVERY: interval(),
  SCIM_GROUPS_ATTRIBUTE: optionalString.pipe(
    z
      .string()
      .regex(/^[\w.:-]+$/, 'must be a SCIM attribute path')
      .optional(),
  ),
  SCIM_CONCURRENCY: optionalString.pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number from 1 to 64')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 64, 'must be a whole number from 1 to 64')
      .optional(),
  ),
  ORGSYNC_EVERY: interval('1 hour'),
  ORGSYNC_MODE: optionalString.pipe(z.enum(['full', 'delta'], { error: 'must be full or delta' }).optional()),
  ORGSYNC_DIR: optionalString,
  ORGSYNC_SFTP_URL: optionalString.pipe(
    z
      .string()
      .regex(/^sftp:\/\/[^@/\s]+@[^/\s]+(\/.*)?$/, 'must look like sftp://user@host:22/folder')
      .optional(),
  ),
  ORGSYNC_SFTP_KEY_FILE: optionalString,
  ORGSYNC_SFTP_PASSWORD: optionalString,
  ORGSYNC_SFTP_HOST_FINGERPRINT: optionalString,
  ORGSYNC_BUDGET_GROUP: optionalString.pipe(
    z
      .string()
      .regex(/^[a-z0-9_]+$/i, 'must be letters, digits or _')
      .optional(),
  ),
  SYNC_WEBHOOK_URL: httpUrl,
  SYNC_WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
});

/** The default SCIM attribute that carries licenses (Udemy Business's). */
export const DEFAULT_SCIM_LICENSE_ATTRIBUTE = 'urn:ietf:params:scim:schemas:extension:udemy:2.0:User:licenseType';

export type SyncConfig = Readonly<
  | { target: 'none' }
  | {
      target: 'scim';
      every: string;
      scim: Readonly<{
        baseUrl: string;
        token: string;
        licenseAttribute: string;
        revokeAll: 'deactivate' | 'empty';
        createUsers: boolean;
        pullEvery?: string;
        groupsAttribute?: string;
        concurrency: number;
      }>;
    }
  | {
      target: 'orgsync';
      every: string;
      orgsync: Readonly<{
        mode: 'full' | 'delta';
        budgetGroup?: string;
        dir?: string;
        sftp?: Readonly<{ url: string; keyFile?: string; password?: string; hostFingerprint?: string }>;
      }>;
    }
  | { target: 'webhook'; every: string; webhook: Readonly<{ url: string; secret: string }> }
>;

function syncConfigOf(e: z.infer<typeof syncSchema>, problems: string[]): SyncConfig {
  const target = e.SYNC_TARGET ?? 'none';
  const need = (name: string, value: unknown) => {
    if (value === undefined) problems.push(`${name} is required when SYNC_TARGET=${target}`);
  };
  const every = e.SYNC_EVERY ?? '3 seconds';
  switch (target) {
    case 'none':
      return Object.freeze({ target });
    case 'scim':
      need('SCIM_BASE_URL', e.SCIM_BASE_URL);
      need('SCIM_TOKEN', e.SCIM_TOKEN);
      return Object.freeze({
        target,
        every,
        scim: Object.freeze({
          baseUrl: (e.SCIM_BASE_URL ?? '').replace(/\/+$/, ''),
          token: e.SCIM_TOKEN ?? '',
          licenseAttribute: e.SCIM_LICENSE_ATTRIBUTE ?? DEFAULT_SCIM_LICENSE_ATTRIBUTE,
          revokeAll: e.SCIM_REVOKE_ALL ?? 'deactivate',
          createUsers: e.SCIM_CREATE_USERS,
          ...(e.SCIM_PULL_EVERY ? { pullEvery: e.SCIM_PULL_EVERY } : {}),
          ...(e.SCIM_GROUPS_ATTRIBUTE ? { groupsAttribute: e.SCIM_GROUPS_ATTRIBUTE } : {}),
          concurrency: e.SCIM_CONCURRENCY ?? 8,
        }),
      });
    case 'orgsync': {
      if (!e.ORGSYNC_DIR && !e.ORGSYNC_SFTP_URL) problems.push('ORGSYNC_DIR or ORGSYNC_SFTP_URL is required when SYNC_TARGET=orgsync');
      if (e.ORGSYNC_DIR && e.ORGSYNC_SFTP_URL) problems.push('ORGSYNC_DIR and ORGSYNC_SFTP_URL cannot both be set; choose one');
      if (e.ORGSYNC_SFTP_URL && !e.ORGSYNC_SFTP_KEY_FILE && !e.ORGSYNC_SFTP_PASSWORD)
        problems.push('ORGSYNC_SFTP_KEY_FILE or ORGSYNC_SFTP_PASSWORD is required with ORGSYNC_SFTP_URL');
      const sftp = e.ORGSYNC_SFTP_URL
        ? Object.freeze({
            url: e.ORGSYNC_SFTP_URL,
            ...(e.ORGSYNC_SFTP_KEY_FILE ? { keyFile: e.ORGSYNC_SFTP_KEY_FILE } : {}),
            ...(e.ORGSYNC_SFTP_PASSWORD ? { password: e.ORGSYNC_SFTP_PASSWORD } : {}),
            ...(e.ORGSYNC_SFTP_HOST_FINGERPRINT ? { hostFingerprint: e.ORGSYNC_SFTP_HOST_FINGERPRINT } : {}),
          })
        : undefined;
      return Object.freeze({
        target,
        every: e.ORGSYNC_EVERY ?? '1 hour',
        orgsync: Object.freeze({
          mode: e.ORGSYNC_MODE ?? 'delta',
          ...(e.ORGSYNC_BUDGET_GROUP ? { budgetGroup: e.ORGSYNC_BUDGET_GROUP } : {}),
          ...(e.ORGSYNC_DIR ? { dir: e.ORGSYNC_DIR } : {}),
          ...(sftp ? { sftp } : {}),
        }),
      });
    }
    case 'webhook':
      need('SYNC_WEBHOOK_URL', e.SYNC_WEBHOOK_URL);
      need('SYNC_WEBHOOK_SECRET', e.SYNC_WEBHOOK_SECRET);
      return Object.freeze({
        target,
        every,
        webhook: Object.freeze({ url: e.SYNC_WEBHOOK_URL ?? '', secret: e.SYNC_WEBHOOK_SECRET ?? '' }),
      });
  }
}

const days = (fallback: number, min = 0) =>
  optionalString.pipe(
    z
      .string()
      .regex(/^\d+(\.\d+)?$/, 'must be a number of days')
      .transform(Number)
      .refine((n) => n >= min, `must be a number of days of at least ${min}`)
      .optional()
      .transform((value) => value ?? fallback),
  );
const commaList = optionalString.transform((value) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

/** Reclaim, undo and the seat report (issue 11): read by the bot and by `license-bot report`. */
const reclaimSchema = z.object({
  RECLAIM_IDLE_DAYS: days(60, 1),
  RECLAIM_ASK_FIRST: flag(false),
  RECLAIM_GRACE_DAYS: days(7),
  RECLAIM_COOLDOWN_DAYS: days(90),
  RECLAIM_EXCLUDE_GROUPS: commaList,
  RECLAIM_EXCLUDE_EMAILS: commaList.pipe(
    z.array(z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'must be email addresses separated by commas')),
  ),
  REPORT_CHANNEL_ID: optionalString.pipe(
    z
      .string()
      .regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel ID such as C012ABCDEF')
      .optional(),
  ),
  UNDO_WINDOW_DAYS: days(14),
});

export type ReclaimConfig = Readonly<{
  idleDays: number;
  askFirst: boolean;
  graceDays: number;
  cooldownDays: number;
  excludeGroups: readonly string[];
  excludeEmails: readonly string[];
  /** Yearly price of one seat by license type key, from SEAT_PRICE_<TYPE>. */
  seatPrices: ReadonlyMap<string, number>;
  reportChannelId?: string;
  undoWindowDays: number;
}>;

/**
 * SEAT_PRICE_<TYPE>: the type key in capitals, `-` as `_` (SEAT_PRICE_PRO for `pro`,
 * SEAT_PRICE_LEARNING_CORE for `learning-core` or `learning_core`); a yearly price per seat.
 */
function seatPricesOf(env: NodeJS.ProcessEnv, problems: string[]): Map<string, number> {
  const prices = new Map<string, number>();
  for (const [name, raw] of Object.entries(env)) {
    const match = /^SEAT_PRICE_([A-Z0-9_]+)$/.exec(name);
    if (!match || raw === undefined || raw.trim() === '') continue;
    const price = Number(raw.trim());
    if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(price)) {
      problems.push(`${name} must be a price such as 420 or 39.90 (yearly, per seat)`);
      continue;
    }
    const key = match[1]!.toLowerCase();
    prices.set(key, price);
    // Keys may use - or _: both spellings find the price.
    prices.set(key.replace(/_/g, '-'), price);
  }
  return prices;
}

function loadReclaimSettings(env: NodeJS.ProcessEnv, problems: string[]): ReclaimConfig {
  const parsed = reclaimSchema.safeParse(env);
  const seatPrices = seatPricesOf(env, problems);
  if (!parsed.success) {
    problems.push(...describeIssues(parsed.error));
    return {
      idleDays: 60,
      askFirst: false,
      graceDays: 7,
      cooldownDays: 90,
      excludeGroups: [],
      excludeEmails: [],
      seatPrices,
      undoWindowDays: 14,
    };
  }
  const e = parsed.data;
  return Object.freeze({
    idleDays: e.RECLAIM_IDLE_DAYS,
    askFirst: e.RECLAIM_ASK_FIRST,
    graceDays: e.RECLAIM_GRACE_DAYS,
    cooldownDays: e.RECLAIM_COOLDOWN_DAYS,
    excludeGroups: Object.freeze([...e.RECLAIM_EXCLUDE_GROUPS]),
    excludeEmails: Object.freeze(e.RECLAIM_EXCLUDE_EMAILS.map((email) => email.toLowerCase())),
    seatPrices,
    ...(e.REPORT_CHANNEL_ID ? { reportChannelId: e.REPORT_CHANNEL_ID } : {}),
    undoWindowDays: e.UNDO_WINDOW_DAYS,
  });
}

/** The reclaim, undo and price settings alone (`license-bot report`); throws ConfigError listing every problem. */
export function loadReclaimConfig(env: NodeJS.ProcessEnv = process.env): ReclaimConfig {
  const problems: string[] = [];
  const reclaim = loadReclaimSettings(env, problems);
  if (problems.length) throw new ConfigError(problems);
  return reclaim;
}
/**
 * A number setting: empty means `fallback`; anything else must be a number that `valid` accepts
 * (a whole number unless `integer` is false), else `rule` is the one problem reported.
 */
const numberSetting = (fallback: number, rule: string, valid: (n: number) => boolean, integer = true) =>
  optionalString.transform((value, ctx) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^[+-]?\d+(\.\d+)?$/.test(value) || !valid(n) || (integer && !Number.isInteger(n))) {
      ctx.addIssue({ code: 'custom', message: rule });
      return z.NEVER;
    }
    return n;
  });

/** A required setting: empty counts as missing. */
const required = optionalString.pipe(z.string({ error: 'is required' }));

const schema = z.object({
  SLACK_BOT_TOKEN: required.pipe(z.string().regex(/^xoxb-/, 'must be a bot token starting with xoxb-')),
  SLACK_SIGNING_SECRET: required.pipe(z.string().min(8, 'is too short to be a signing secret')),
  SLACK_APP_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xapp-/, 'must be an app-level token starting with xapp-')
      .optional(),
  ),
  PORT: numberSetting(3000, 'must be a port number from 0 to 65535', (n) => n >= 0 && n <= 65535),
  MONGODB_URI: optionalString.pipe(
    z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .optional(),
  ),
  MONGODB_DB_NAME: optionalString.pipe(
    z
      .string()
      .regex(/^[^/\\. "$]{1,63}$/, 'must be a database name without / \\ . " $ or spaces')
      .optional(),
  ),
  DATA_DIR: optionalString.transform((value) => value ?? './.data'),
  SLACK_API_URL: optionalString
    .transform((value) => value ?? 'https://slack.com/api/')
    .pipe(z.url({ error: 'must be a URL' }).refine((url) => url.endsWith('/api/'), 'must end with /api/')),
  LICENSE_ADMINS: slackUserIds,
  LICENSE_APPROVERS: slackUserIds,
  APPROVAL_CHANNEL_ID: optionalString,
  BULK_APPROVAL_THRESHOLD: numberSetting(25, 'must be 0 or more (a whole number)', (n) => n >= 0),
  APPROVAL_TTL_HOURS: numberSetting(72, 'must be a positive number of hours', (n) => n > 0, false),
  JOB_PROCESS_EVERY: interval('2 seconds').transform((value) => value ?? '2 seconds'),
  MAX_GRANT_DAYS: wholeNumber(1, 'must be a whole number of days, at least 1'),
  APPROVAL_ESCALATE_TO: optionalString.pipe(
    z
      .string()
      .regex(
        /^(?:[CG][A-Z0-9]{2,}|[UW][A-Z0-9]{2,}(?:\s*,\s*[UW][A-Z0-9]{2,})*)$/,
        'must be one channel ID (C…) or Slack user IDs (U…) separated by commas',
      )
      .optional(),
  ),
  BULK_QUORUM_THRESHOLD: wholeNumber(0, 'must be a whole number'),
  BULK_QUORUM: wholeNumber(1, 'must be a whole number of approvals, at least 1'),
  REQUESTS_CHANNEL_ID: optionalString.pipe(
    z
      .string()
      .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel id such as C012ABCDEF')
      .optional(),
  ),
  LEARNER_NOTICES: flag(false),
  NOTICES_PER_MINUTE: optionalString.pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number from 1 to 100000')
      .transform(Number)
      .refine((n) => n >= 1 && n <= 100_000, 'must be a whole number from 1 to 100000')
      .optional(),
  ),
  LOG_LEVEL: optionalString.pipe(
    z.enum(['debug', 'info', 'warn', 'error'], { error: 'must be one of debug, info, warn or error' }).default('info'),
  ),
  METRICS: optionalString.pipe(z.enum(['on', 'off'], { error: 'must be on or off' }).optional()),
});

/** How bulk approvals are chased and how many leads must approve. */
export type ApprovalPolicySettings = Readonly<{
  /** APPROVAL_ESCALATE_TO: at the deadline the request goes here with a fresh deadline (unset: it expires). */
  escalateTo?: Readonly<{ users: readonly string[] } | { channelId: string }>;
  /** BULK_QUORUM_THRESHOLD / BULK_QUORUM: above `threshold` learners, `approvals` distinct leads must approve. */
  quorum?: Readonly<{ threshold: number; approvals: number }>;
}>;

export type Config = Readonly<{
  slack: Readonly<{ botToken: string; signingSecret: string; appToken?: string; apiUrl: string; socketMode: boolean }>;
  port: number;
  mongodbUri?: string;
  /** Overrides the database named in MONGODB_URI. */
  mongodbDbName?: string;
  dataDir: string;
  admins: readonly string[];
  approvers: readonly string[];
  approvalChannelId?: string;
  /** Where learners' license requests go for the admins; unset → the approval channel. */
  requestsChannelId?: string;
  bulkApprovalThreshold: number;
  approvalTtlHours: number;
  jobProcessEvery: string;
  /** Grants longer than this many days (from their start) need a lead's approval to extend; unset = no limit. */
  maxGrantDays?: number;
  /** Reminders, escalation and quorum of bulk approvals. */
  approvalPolicy: ApprovalPolicySettings;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Serve Prometheus metrics on GET /metrics (METRICS, default on). */
  metrics: boolean;
  sync: SyncConfig;
  reclaim: ReclaimConfig;
  notices: NoticesConfig;
}>;

/** Direct messages to learners (LEARNER_NOTICES) and the pace of every DM the bot queues. */
export type NoticesConfig = Readonly<{
  /** Learners whose licenses an admin changes get a DM saying what changed. */
  learnerNotices: boolean;
  /** Slack Web API calls the notice queue makes per minute at most (DMs and the email look-ups before them). */
  perMinute: number;
}>;

/** The default pace of the notice queue: Slack's Tier 3 (users.lookupByEmail) allows 50+ calls a minute. */
export const DEFAULT_NOTICES_PER_MINUTE = 50;

/** Thrown when the environment is invalid; its message lists every problem and never a value. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Validates the environment once and returns a frozen, typed config. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  const problems: string[] = [];
  // Only the variable name and the rule are reported: the value may be a secret.
  if (!parsed.success) problems.push(...describeIssues(parsed.error));
  else if (parsed.data.BULK_QUORUM !== undefined && parsed.data.BULK_QUORUM_THRESHOLD === undefined)
    problems.push('BULK_QUORUM needs BULK_QUORUM_THRESHOLD (above how many learners the quorum applies)');
  const sync = loadSyncSettings(env, problems);
  const reclaim = loadReclaimSettings(env, problems);
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  const approvalPolicy = approvalPolicyOf(e);
  return Object.freeze({
    slack: Object.freeze({
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      socketMode: e.SLACK_APP_TOKEN !== undefined,
    }),
    port: e.PORT,
    mongodbUri: e.MONGODB_URI,
    mongodbDbName: e.MONGODB_DB_NAME,
    dataDir: e.DATA_DIR,
    admins: Object.freeze([...e.LICENSE_ADMINS]),
    approvers: Object.freeze([...e.LICENSE_APPROVERS]),
    approvalChannelId: e.APPROVAL_CHANNEL_ID,
    requestsChannelId: e.REQUESTS_CHANNEL_ID,
    bulkApprovalThreshold: e.BULK_APPROVAL_THRESHOLD,
    approvalTtlHours: e.APPROVAL_TTL_HOURS,
    jobProcessEvery: e.JOB_PROCESS_EVERY,
    ...(e.MAX_GRANT_DAYS !== undefined ? { maxGrantDays: e.MAX_GRANT_DAYS } : {}),
    approvalPolicy,
    logLevel: e.LOG_LEVEL,
    metrics: e.METRICS !== 'off',
    sync,
    reclaim,
    notices: Object.freeze({ learnerNotices: e.LEARNER_NOTICES, perMinute: e.NOTICES_PER_MINUTE ?? DEFAULT_NOTICES_PER_MINUTE }),
  });
}

function approvalPolicyOf(e: z.infer<typeof schema>): ApprovalPolicySettings {
  const target = e.APPROVAL_ESCALATE_TO;
  const escalateTo = target
    ? /^[CG]/.test(target)
      ? Object.freeze({ channelId: target })
      : Object.freeze({ users: Object.freeze(target.split(',').map((id) => id.trim())) })
    : undefined;
  const quorum =
    e.BULK_QUORUM_THRESHOLD !== undefined
      ? Object.freeze({ threshold: e.BULK_QUORUM_THRESHOLD, approvals: e.BULK_QUORUM ?? 2 })
      : undefined;
  return Object.freeze({ ...(escalateTo ? { escalateTo } : {}), ...(quorum ? { quorum } : {}) });
}

/** One plain problem per variable (the first rule it breaks), in the schema's order. */
function describeIssues(error: z.ZodError): string[] {
  const byVariable = new Map<string, string>();
  for (const issue of error.issues) {
    const name = String(issue.path[0] ?? 'environment');
    if (!byVariable.has(name)) byVariable.set(name, `${name} ${issue.message}`);
  }
  return [...byVariable.values()];
}

function loadSyncSettings(env: NodeJS.ProcessEnv, problems: string[]): SyncConfig {
  const parsed = syncSchema.safeParse(env);
  if (!parsed.success) {
    problems.push(...describeIssues(parsed.error));
    return { target: 'none' };
  }
  return syncConfigOf(parsed.data, problems);
}

/** The sync settings alone (`license-bot sync …`); throws ConfigError listing every problem. */
export function loadSyncConfig(env: NodeJS.ProcessEnv = process.env): SyncConfig {
  const problems: string[] = [];
  const sync = loadSyncSettings(env, problems);
  if (problems.length) throw new ConfigError(problems);
  return sync;
}

/** The database settings alone, for CLI commands that never talk to Slack. */
export function loadDatabaseConfig(
  env: NodeJS.ProcessEnv = process.env,
): Pick<Config, 'mongodbUri' | 'mongodbDbName' | 'dataDir' | 'logLevel'> {
  const parsed = schema.pick({ MONGODB_URI: true, MONGODB_DB_NAME: true, DATA_DIR: true, LOG_LEVEL: true }).safeParse(env);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  return Object.freeze({
    mongodbUri: parsed.data.MONGODB_URI,
    mongodbDbName: parsed.data.MONGODB_DB_NAME,
    dataDir: parsed.data.DATA_DIR,
    logLevel: parsed.data.LOG_LEVEL,
  });
}
