import { withDatabaseErrors } from '../../src/db/errors.js';
import { LicenseError } from '../../src/licensing/errors.js';

function networkError(): Error {
  const error = new Error('connection 3 to 127.0.0.1:27017 closed');
  error.name = 'MongoNetworkError';
  return error;
}

describe('database errors at the repository boundary', () => {
  it('turns an unreachable database into database_unavailable for plain methods', async () => {
    const repo = withDatabaseErrors({
      async find() {
        throw networkError();
      },
    });
    await expect(repo.find()).rejects.toMatchObject({ code: 'database_unavailable' });
  });

  it('keeps streams streaming and maps an error raised while one is read', async () => {
    const repo = withDatabaseErrors({
      async *rows() {
        yield 1;
        yield 2;
        throw networkError();
      },
    });
    const seen: number[] = [];
    let failure: unknown;
    try {
      for await (const row of repo.rows()) seen.push(row);
    } catch (error) {
      failure = error;
    }
    expect(seen).toEqual([1, 2]);
    expect(failure).toBeInstanceOf(LicenseError);
    expect(failure).toMatchObject({ code: 'database_unavailable' });
  });

  it('lets other errors through unchanged', async () => {
    const boom = new TypeError('bad query');
    const repo = withDatabaseErrors({
      async find() {
        throw boom;
      },
    });
    await expect(repo.find()).rejects.toBe(boom);
  });
});
