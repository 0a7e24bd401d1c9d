import { writeCsv } from '../../csv.js';
import { type ExportKind, exportKinds, exportTable } from '../../licensing/transfer/export.js';
import { CliError, type CliIo, withDatabase } from '../context.js';

/** `export learners|history|audit`: CSV to stdout, streamed from a cursor. */
export async function runExport(io: CliIo, kind: string | undefined): Promise<number> {
  if (!exportKinds.includes(kind as ExportKind)) throw new CliError(`Usage: license-bot export ${exportKinds.join('|')} > FILE.csv`);
  return withDatabase(io, async (ctx) => {
    const table = exportTable(ctx.exports, kind as ExportKind);
    try {
      await writeCsv(io.stdout, table.columns, table.records);
    } catch (error) {
      // The reader went away (`| head`): not a failure of the export.
      if ((error as { code?: string }).code === 'EPIPE') return 0;
      throw error;
    }
    return 0;
  });
}
