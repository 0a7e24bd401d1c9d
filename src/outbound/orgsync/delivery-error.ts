/** Why an Org Sync file was not delivered; each code has one sentence, built where it is thrown. */
export type OrgSyncDeliveryFailure =
  | 'orgsync_unreachable'
  | 'orgsync_auth_failed'
  | 'orgsync_host_key_mismatch'
  | 'orgsync_permission_denied'
  | 'orgsync_no_such_folder'
  | 'orgsync_bad_settings'
  | 'orgsync_failed';

/**
 * An Org Sync delivery failed; `message` is a plain sentence for admins (never a password or a
 * key) and no part of the file was left under its final name.
 */
export class OrgSyncDeliveryError extends Error {
  constructor(
    readonly code: OrgSyncDeliveryFailure,
    message: string,
  ) {
    super(message);
    this.name = 'OrgSyncDeliveryError';
  }
}

/**
 * The error's code and message as plain values. Duck-typed, not `instanceof Error`: errors from
 * Node's own modules may come from another realm (jest's VM contexts, worker threads).
 */
export function errorParts(error: unknown): { code: unknown; message: string } {
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { code, message: typeof message === 'string' ? message : String(error) };
  }
  return { code: undefined, message: String(error) };
}
