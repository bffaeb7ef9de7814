import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import type { TableFormat } from './table.js';

/**
 * How many rows a table file holds, for the progress total, or undefined when that is unknown or
 * costly (stdin, not a regular file, any read problem). Never throws.
 */
export async function countRows(path: string, format: TableFormat): Promise<number | undefined> {
  try {
    if (path === '-' || !(await stat(path)).isFile()) return undefined;
    switch (format) {
      case 'csv':
      case 'tsv':
        return await countCsvRecords(path, format === 'tsv' ? '\t' : ',');
      case 'jsonl':
        return await countJsonlLines(path);
      case 'arrow':
        return await countArrowRows(path);
      case 'parquet':
        return await countParquetRows(path);
    }
  } catch {
    return undefined;
  }
}

/**
 * Records after the header. A byte scan that follows quoting the way the reader does (a quote opens a
 * quoted cell only at the start of a cell; "" inside one is a quote), so newlines in cells are not
 * rows, and empty lines are skipped. Many times faster than a csv-parse pass.
 */
async function countCsvRecords(path: string, delimiter: string): Promise<number> {
  const DELIMITER = delimiter.charCodeAt(0);
  let records = 0;
  let inQuote = false;
  let quoteSeen = false; // inside a quoted cell, the previous byte was a quote: closing, or escaping
  let cellStart = true;
  let lineHasContent = false;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (inQuote) {
        if (quoteSeen) {
          quoteSeen = false;
          if (byte === QUOTE) continue;
          inQuote = false;
        } else {
          if (byte === QUOTE) quoteSeen = true;
          continue;
        }
      }
      if (byte === LF) {
        if (lineHasContent) records++;
        lineHasContent = false;
        cellStart = true;
      } else if (byte === CR) {
        // Part of a CRLF line end.
      } else if (byte === QUOTE && cellStart) {
        inQuote = true;
        lineHasContent = true;
        cellStart = false;
      } else {
        cellStart = byte === DELIMITER;
        lineHasContent = true;
      }
    }
  }
  if (lineHasContent) records++;
  return Math.max(0, records - 1);
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Lines holding anything but whitespace, found by scanning bytes. */
async function countJsonlLines(path: string): Promise<number> {
  let count = 0;
  let blank = true;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === 0x0a) {
        if (!blank) count++;
        blank = true;
      } else if (blank && byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) {
        blank = false;
        // The rest of a non-blank line cannot change the count: skip to its end.
        const nl = chunk.indexOf(0x0a, i + 1);
        if (nl === -1) break;
        i = nl - 1;
      }
    }
  }
  return blank ? count : count + 1;
}

/** Sum of record batch lengths, read from message headers only; batch bodies are never decoded. */
async function countArrowRows(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(6);
    await handle.read(magic, 0, 6, 0);
    if (magic.toString('latin1') === 'ARROW1') return await countFileRows(handle);
  } finally {
    await handle.close();
  }
  return countStreamRows(path);
}

/** IPC file: the footer lists each batch's metadata block; read just those. */
async function countFileRows(handle: FileHandle): Promise<number> {
  // Loaded here only: apache-arrow costs a large share of start-up for CSV and JSONL runs.
  const { Message, RecordBatchReader } = await import('apache-arrow');
  const reader = await RecordBatchReader.from(handle as unknown as NodeJS.ReadableStream);
  await reader.open();
  const footer = reader.footer;
  if (!footer) throw new Error('no footer');
  let rows = 0;
  for (let i = 0; i < footer.numRecordBatches; i++) {
    const block = footer.getRecordBatch(i)!;
    const meta = Buffer.alloc(block.metaDataLength);
    await handle.read(meta, 0, meta.length, Number(block.offset));
    // Since Arrow 0.15 a message starts with a 0xFFFFFFFF continuation marker before its length.
    const start = meta.readInt32LE(0) === -1 ? 8 : 4;
    const length = meta.readInt32LE(start - 4);
    const message = Message.decode(meta.subarray(start, start + length));
    if (!message.isRecordBatch()) throw new Error('footer block is not a record batch');
    rows += Number(message.header().length);
  }
  return rows;
}

/** IPC stream: walk the messages, reading bodies only to skip past them. */
async function countStreamRows(path: string): Promise<number> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  try {
    const { AsyncMessageReader } = await import('apache-arrow');
    const reader = new AsyncMessageReader(stream);
    let rows = 0;
    for (;;) {
      const next = await reader.next();
      if (next.done === true) return rows;
      const message = next.value;
      if (message.isRecordBatch()) rows += Number(message.header().length);
      if (message.bodyLength > 0) await reader.readMessageBody(message.bodyLength);
    }
  } finally {
    stream.destroy();
  }
}

/** Parquet: the footer states the row count; only it is read. */
async function countParquetRows(path: string): Promise<number> {
  const { loadParquetWasm } = await import('./parquet-wasm.js');
  const pw = await loadParquetWasm();
  const file = await pw.ParquetFile.fromFile(await openAsBlob(path));
  try {
    return file.metadata().fileMetadata().numRows();
  } finally {
    file.free();
  }
}
