import type { LearnerSnapshot, PlatformUser } from '../../licensing/sync/ports.js';
import { isRecord } from './client.js';

/**
 * Learners to SCIM resources and back (RFC 7643 User, RFC 7644 PatchOp and filters). Pure data:
 * nothing here sends a request.
 */

/** Udemy Business's license attribute: a multi-valued string in its User extension. */
export const DEFAULT_SCIM_LICENSE_ATTRIBUTE = 'urn:ietf:params:scim:schemas:extension:udemy:2.0:User:licenseType';
export const CORE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** How a learner without licenses is shown on the platform. */
export type RevokeAll = 'deactivate' | 'empty';

/** An attribute by its SCIM path: `urn:…:User:licenseType` (extension) or `groups` / `name.formatted` (core). */
export interface AttributePath {
  /** The extension schema URN; undefined for a core attribute. */
  schema?: string;
  /** The attribute name within its schema, possibly dotted into a sub-attribute. */
  name: string;
  /** The path as PATCH and filters take it. */
  path: string;
}

/** Splits an attribute path: a URN's last `:` separates the schema from the attribute (RFC 7644 §3.10). */
export function parseAttributePath(value: string): AttributePath {
  const path = value.trim();
  if (!path.toLowerCase().startsWith('urn:')) return { name: path, path };
  const cut = path.lastIndexOf(':');
  const schema = path.slice(0, cut);
  const name = path.slice(cut + 1);
  if (!name || schema.split(':').length < 3) throw new Error(`The SCIM attribute ${path} does not name a schema and an attribute.`);
  // The core schema's attributes are addressed without their URN in resources.
  return schema.toLowerCase() === CORE_USER_SCHEMA.toLowerCase() ? { name, path } : { schema, name, path };
}

/** What the platform should hold for a learner. `licenses` undefined: leave the attribute as it is. */
export interface DesiredState {
  active: boolean;
  licenses?: string[];
}

/**
 * A learner's state on the platform. Holding licenses: the licenses, active unless deactivated
 * here. Holding none: `deactivate` turns the user off and leaves the attribute (the platform
 * keeps what it had, unused); `empty` clears the attribute.
 */
export function desiredState(learner: LearnerSnapshot, revokeAll: RevokeAll): DesiredState {
  const licenses = [...new Set(learner.platformLicenses)];
  const active = learner.status === 'active';
  if (licenses.length > 0) return { active, licenses };
  return revokeAll === 'deactivate' ? { active: false } : { active, licenses: [] };
}

/** Whether a state gives the user anything, i.e. whether an unknown user is worth creating. */
export function grantsAccess(state: DesiredState): boolean {
  return state.active && (state.licenses?.length ?? 0) > 0;
}

/** The PatchOp (RFC 7644 §3.5.2) that sets the state; `replace` so pushing it twice changes nothing. */
export function patchRequest(state: DesiredState, license: AttributePath): Record<string, unknown> {
  return {
    schemas: [PATCH_OP_SCHEMA],
    Operations: [
      ...(state.licenses !== undefined ? [{ op: 'replace', path: license.path, value: state.licenses }] : []),
      { op: 'replace', path: 'active', value: state.active },
    ],
  };
}

/** The User resource that creates a learner on the platform (POST /Users). */
export function createRequest(learner: LearnerSnapshot, state: DesiredState, license: AttributePath): Record<string, unknown> {
  const email = learner.email.trim().toLowerCase();
  const formatted = learner.name.trim() || email;
  const space = formatted.lastIndexOf(' ');
  const name =
    space > 0
      ? { formatted, givenName: formatted.slice(0, space), familyName: formatted.slice(space + 1) }
      : { formatted, givenName: formatted };
  return {
    schemas: [CORE_USER_SCHEMA, ...(license.schema ? [license.schema] : [])],
    userName: email,
    name,
    displayName: formatted,
    emails: [{ value: email, type: 'work', primary: true }],
    active: state.active,
    ...withValue(license, state.licenses ?? []),
  };
}

function withValue(attribute: AttributePath, value: unknown): Record<string, unknown> {
  const nested = attribute.name
    .split('.')
    .reverse()
    .reduce<unknown>((inner, part) => ({ [part]: inner }), value) as Record<string, unknown>;
  return attribute.schema ? { [attribute.schema]: nested } : nested;
}

/** `userName eq "a" or userName eq "b"`, literals escaped as JSON strings (RFC 7644 §3.4.2.2). */
export function userNameFilter(emails: readonly string[]): string {
  return emails.map((email) => `userName eq ${JSON.stringify(email)}`).join(' or ');
}

/** A SCIM User resource as a directory entry; undefined when it has no id. */
export function toPlatformUser(resource: unknown, license: AttributePath, groups: AttributePath): PlatformUser | undefined {
  if (!isRecord(resource) || typeof resource.id !== 'string' || !resource.id) return undefined;
  const email = emailOf(resource);
  return {
    remoteId: resource.id,
    email,
    name: nameOf(resource) || email,
    // RFC 7643 leaves a missing `active` to the provider; providers that omit it have no inactive users.
    active: resource.active !== false && resource.active !== 'false',
    groups: names(valueAt(resource, groups)),
    platformLicenses: names(valueAt(resource, license)),
  };
}

/** The id of each listed user by lowercased userName, from a filtered GET /Users. */
export function idsByUserName(resources: readonly unknown[]): Map<string, string> {
  const ids = new Map<string, string>();
  for (const resource of resources) {
    if (isRecord(resource) && typeof resource.id === 'string' && typeof resource.userName === 'string')
      ids.set(resource.userName.toLowerCase(), resource.id);
  }
  return ids;
}

function emailOf(resource: Record<string, unknown>): string {
  if (typeof resource.userName === 'string' && resource.userName.includes('@')) return resource.userName.trim().toLowerCase();
  const emails = Array.isArray(resource.emails) ? resource.emails.filter(isRecord) : [];
  const chosen = emails.find((e) => e.primary === true) ?? emails[0];
  return typeof chosen?.value === 'string' ? chosen.value.trim().toLowerCase() : '';
}

function nameOf(resource: Record<string, unknown>): string {
  const name = isRecord(resource.name) ? resource.name : {};
  if (typeof name.formatted === 'string' && name.formatted.trim()) return name.formatted.trim();
  if (typeof resource.displayName === 'string' && resource.displayName.trim()) return resource.displayName.trim();
  return [name.givenName, name.familyName]
    .filter((part): part is string => typeof part === 'string' && part.trim() !== '')
    .join(' ')
    .trim();
}

/** The value at an attribute path; SCIM attribute names are case-insensitive (RFC 7643 §2.1). */
export function valueAt(resource: Record<string, unknown>, attribute: AttributePath): unknown {
  let current: unknown = attribute.schema ? field(resource, attribute.schema) : resource;
  for (const part of attribute.name.split('.')) current = isRecord(current) ? field(current, part) : undefined;
  return current;
}

function field(record: Record<string, unknown>, name: string): unknown {
  if (name in record) return record[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(record).find((k) => k.toLowerCase() === wanted);
  return key === undefined ? undefined : record[key];
}

// Strings as they are; complex values (groups, entitlements) by their display name, else their value.
function names(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return items
    .map((item) => (isRecord(item) ? (item.display ?? item.value) : item))
    .filter((item): item is string | number => typeof item === 'string' || typeof item === 'number')
    .map(String)
    .filter((item) => item.trim() !== '');
}
