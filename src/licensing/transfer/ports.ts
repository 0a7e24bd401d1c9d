import type { Actor, Assignment, AuditEvent, Learner, LearnerStatus } from '../model.js';
import type { LicensingStore } from '../ports.js';

/** One record of an import source: where it starts in the file and its raw field values. */
export interface SourceRow {
  line: number;
  values: string[];
}

/** Opens the rows of an import source, header first. Called once per pass, so it must re-read. */
export type RowSource = () => AsyncIterable<SourceRow>;

/**
 * A learner's profile fields as an import sets them; licenses are changed by operations only.
 * `groups` or `status` left out (the file has no such column, or an empty status) stay as they
 * are; a new learner then has no group and is active.
 */
export interface LearnerProfile {
  email: string;
  name: string;
  groups?: string[];
  status?: LearnerStatus;
  searchKeys: string[];
  /** The folded name the typeahead sorts by. */
  searchName: string;
}

/** A learner whose status one save changed (for its audit event). */
export interface StatusChange {
  learnerId: string;
  email: string;
  from: LearnerStatus;
  to: LearnerStatus;
}

/** Persistence the imports need beyond the licensing store; implemented by db/. */
export interface ImportStore {
  /** The learners with these (lower-case) emails; callers pass at most 1,000 at a time. */
  findLearnersByEmails(emails: readonly string[]): Promise<Learner[]>;
  /**
   * Creates missing learners (holding no license) and sets the profile of existing ones. Says what
   * this call did, exactly, even with another import saving the same learners at once: how many it
   * created and updated, and whose status it changed. `mark` is unique to the call.
   */
  saveLearnerProfiles(
    profiles: readonly LearnerProfile[],
    mark: string,
  ): Promise<{ created: number; updated: number; statusChanged: StatusChange[] }>;
  /**
   * Creates a license type, or renames it and sets its capacity unless that is below its seats in
   * use. An undefined capacity (no seats column) keeps the stored one; a new type is then unlimited.
   */
  saveLicenseType(type: {
    key: string;
    name: string;
    capacity?: number | null;
    /** Absent: keep the stored one; null: clear it. */
    platformName?: string | null;
  }): Promise<'created' | 'updated' | 'unchanged' | 'below_seats_in_use'>;
}

export interface ImportDeps {
  store: LicensingStore;
  imports: ImportStore;
  /** Identifies this process in operation leases. */
  owner: string;
  now: () => Date;
  /** A fresh id for this run; operation ids are `import:<runId>:<batchNo>`. */
  newRunId: () => string;
}

/** Streams for exports, each in a stable order backed by an index; implemented by db/. */
export interface ExportStore {
  learnersByEmail(): AsyncIterable<Learner>;
  assignmentsByTime(): AsyncIterable<Assignment>;
  auditByTime(): AsyncIterable<AuditEvent>;
}

export interface ImportOptions {
  /** Who the history and audit name, e.g. `{ userId: 'cli:import', source: 'import' }`. */
  actor: Actor;
  reason: string;
  /** Send the changed licenses to the learning platform too (`--sync`): off, since an import usually mirrors what it holds. */
  sync?: boolean;
  /** Told how far the import got, for long files. */
  onProgress?: (message: string) => void;
}
