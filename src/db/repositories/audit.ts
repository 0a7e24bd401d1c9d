import type { Connection } from 'mongoose';
import type { AuditEvent } from '../../licensing/model.js';
import type { AuditStore } from '../../licensing/ports.js';
import { type AuditDoc, modelsFor } from '../models/index.js';
import { insertNew, nativeCollection, stripUndefined } from './batch-writes.js';

/** Audit events in MongoDB. */
export function createAuditRepository(connection: Connection): AuditStore {
  const { Audit } = modelsFor(connection);
  return {
    async recordAudit(events: readonly AuditEvent[]) {
      if (events.length === 0) return;
      const keyed = events.filter((e) => e.key);
      const unkeyed = events.filter((e) => !e.key);
      // Keyed events are written once: the unique index on `key` turns a rerun's inserts into skipped duplicates.
      if (keyed.length) await insertNew(nativeCollection<AuditDoc>(connection, Audit), keyed);
      if (unkeyed.length) await Audit.insertMany(unkeyed.map(stripUndefined), { ordered: false });
    },
  };
}
