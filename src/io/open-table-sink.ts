import type { ByteTarget } from './byte-target.js';
import { createCsvSink } from './csv-sink.js';
import { isSpecialFile, openDeviceTarget } from './device-target.js';
import { openFileTarget } from './file-target.js';
import { createJsonlSink } from './jsonl-sink.js';
import { createStdoutTarget } from './stdout-target.js';
import type { TableSink, WriteOptions } from './table.js';

/**
 * Opens a table writer on a file (written to a temp file, renamed on finish) or '-' for stdout. A
 * missing target folder is a UsageError here, before any row is processed.
 */
export async function openTableSink(opts: WriteOptions): Promise<TableSink> {
  const target: ByteTarget =
    opts.path === '-'
      ? createStdoutTarget(opts.stdout)
      : isSpecialFile(opts.path)
        ? openDeviceTarget(opts.path)
        : await openFileTarget(opts.path);
  switch (opts.format) {
    case 'csv':
      return createCsvSink(target, opts.source, opts.added, ',');
    case 'tsv':
      return createCsvSink(target, opts.source, opts.added, '\t');
    case 'jsonl':
      return createJsonlSink(target, opts.source, opts.added);
    case 'arrow':
      // The IPC file format needs a seekable footer reader; stdout and '.arrows' get the stream format.
    {
      const [{ createArrowSink }, { ipcEncoder }] = await Promise.all([import('./arrow-sink.js'), import('./batch-encoder.js')]);
      return createArrowSink(target, opts.source, opts.added, ipcEncoder(opts.path !== '-' && !/\.arrows$/i.test(opts.path)));
    }
    case 'parquet': {
      // Parquet is written front to back (row groups, then the footer), so stdout works too.
      const [{ createArrowSink }, { parquetEncoder }] = await Promise.all([import('./arrow-sink.js'), import('./parquet-encoder.js')]);
      return createArrowSink(target, opts.source, opts.added, parquetEncoder(opts.parquet));
    }
  }
}
