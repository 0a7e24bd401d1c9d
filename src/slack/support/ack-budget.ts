import { LicenseError } from '../../licensing/errors.js';

/**
 * Slack closes a modal with an error when its submission is not answered within 3 seconds; work
 * that must finish before the ack gets this budget and otherwise reads as "database unreachable".
 */
export const ACK_BUDGET_MS = 2_500;

/** Resolves like `promise`, or rejects with `database_unavailable` once the budget is spent. */
export async function withinAckBudget<T>(promise: Promise<T>, ms: number = ACK_BUDGET_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new LicenseError('database_unavailable')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
