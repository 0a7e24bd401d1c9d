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

const schema = z.object({
  SLACK_BOT_TOKEN: z.string({ error: 'is required' }).regex(/^xoxb-/, 'must be a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: z.string({ error: 'is required' }).min(8, 'is too short to be a signing secret'),
  SLACK_APP_TOKEN: optionalString.pipe(
    z
      .string()
      .regex(/^xapp-/, 'must be an app-level token starting with xapp-')
      .optional(),
  ),
  PORT: z.coerce.number({ error: 'must be a port number' }).int('must be a port number').min(0).max(65535).default(3000),
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
  DATA_DIR: z.string().default('./.data'),
  SLACK_API_URL: z
    .string()
    .default('https://slack.com/api/')
    .pipe(z.url({ error: 'must be a URL' }).refine((url) => url.endsWith('/api/'), 'must end with /api/')),
  LICENSE_ADMINS: slackUserIds,
  LICENSE_APPROVERS: slackUserIds,
  APPROVAL_CHANNEL_ID: optionalString,
  BULK_APPROVAL_THRESHOLD: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(0).default(25),
  APPROVAL_TTL_HOURS: z.coerce.number({ error: 'must be a number of hours' }).positive('must be a positive number of hours').default(72),
  JOB_PROCESS_EVERY: z.string().default('2 seconds'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  METRICS: optionalString.pipe(z.enum(['on', 'off'], { error: 'must be on or off' }).optional()),
});

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
  bulkApprovalThreshold: number;
  approvalTtlHours: number;
  jobProcessEvery: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Serve Prometheus metrics on GET /metrics (METRICS, default on). */
  metrics: boolean;
  sync: SyncConfig;
}>;

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
  const sync = loadSyncSettings(env, problems);
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
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
    bulkApprovalThreshold: e.BULK_APPROVAL_THRESHOLD,
    approvalTtlHours: e.APPROVAL_TTL_HOURS,
    jobProcessEvery: e.JOB_PROCESS_EVERY,
    logLevel: e.LOG_LEVEL,
    metrics: e.METRICS !== 'off',
    sync,
  });
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`);
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
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`));
  }
  return Object.freeze({
    mongodbUri: parsed.data.MONGODB_URI,
    mongodbDbName: parsed.data.MONGODB_DB_NAME,
    dataDir: parsed.data.DATA_DIR,
    logLevel: parsed.data.LOG_LEVEL,
  });
}
