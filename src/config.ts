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
  if (!parsed.success) {
    // Only the variable name and the rule are reported: the value may be a secret.
    const problems = parsed.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`);
    throw new ConfigError(problems);
  }
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
  });
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
