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

/** Statements per command of a pipelined batch write. */
export const PIPELINE_CHUNK = 250;

/**
 * Writes `items` in commands of `chunk` statements, each sent before the next is built: the
 * database starts on the first while this process encodes the rest, instead of waiting for one
 * command of a thousand statements to be built. Every command is waited for (none is left running
 * behind a failure); the first failure is thrown. Returns each command's result, in order.
 */
export async function pipelined<T, R>(items: readonly T[], write: (chunk: T[]) => Promise<R>, chunk = PIPELINE_CHUNK): Promise<R[]> {
  const writes: Promise<R>[] = [];
  for (let i = 0; i < items.length; i += chunk) {
    // A turn of the event loop puts the previous command on the wire before this one is built.
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    const pending = write(items.slice(i, i + chunk));
    // Awaited below; until then a failure must not count as unhandled.
    pending.catch(() => undefined);
    writes.push(pending);
  }
  const outcomes = await Promise.allSettled(writes);
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<R>).value);
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
  await pipelined(docs, async (chunk) => {
    try {
      // Absent optional fields are left out (as Mongoose does) instead of stored as null, and the
      // server makes missing _ids, so the caller's objects are not modified.
      await collection.insertMany(chunk, { ordered: false, ignoreUndefined: true, forceServerObjectId: true });
    } catch (error) {
      if (!onlyDuplicates(error)) throw error;
    }
  });
}

function onlyDuplicates(error: unknown): boolean {
  if (!(error instanceof mongoose.mongo.MongoBulkWriteError) || error.writeConcernError) return false;
  const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  return writeErrors.length > 0 && writeErrors.every((writeError) => writeError.code === 11000);
}

export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
