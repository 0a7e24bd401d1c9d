import mongoose, { type Connection } from 'mongoose';

/**
 * The driver's collection behind a model, for batch writes: typed by its documents and without
 * Mongoose casting every statement (callers convert the values).
 */
export function nativeCollection<T extends mongoose.mongo.Document>(
  connection: Connection,
  model: { collection: { collectionName: string } },
): mongoose.mongo.Collection<T> {
  if (!connection.db) throw new Error('the database connection is not open');
  return connection.db.collection<T>(model.collection.collectionName);
}

/**
 * Inserts documents whose unique key says whether they were written already (an `_id` or key
 * derived from the op), skipping the ones that exist: one unordered insert instead of an upsert
 * per document. Any error other than a duplicate key is thrown.
 */
export async function insertNew<T extends mongoose.mongo.Document>(
  collection: mongoose.mongo.Collection<T>,
  docs: readonly mongoose.mongo.OptionalUnlessRequiredId<T>[],
): Promise<void> {
  for (let i = 0; i < docs.length; i += 1000) {
    try {
      // Absent optional fields are left out (as Mongoose does) instead of stored as null, and the
      // server makes missing _ids, so the caller's objects are not modified.
      await collection.insertMany(docs.slice(i, i + 1000), { ordered: false, ignoreUndefined: true, forceServerObjectId: true });
    } catch (error) {
      if (!onlyDuplicates(error)) throw error;
    }
  }
}

function onlyDuplicates(error: unknown): boolean {
  if (!(error instanceof mongoose.mongo.MongoBulkWriteError) || error.writeConcernError) return false;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return writeErrors.length > 0 && writeErrors.every((writeError) => writeError.code === 11000);
}

export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
