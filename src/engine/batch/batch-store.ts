/**
 * The persistent record of llmap's batches, so that nothing is ever submitted twice: one JSON file
 * per batch in `<cache-dir>/batches/`, written (atomically: temp file, fsync, rename) BEFORE the
 * batch is created and again after each step. A record names the cache keys its batch holds; the
 * custom_id of each request is derived from its key, so results join back to keys and so to rows.
 *
 * Life of a record: `intent` (written before anything is sent; `fileId` added once the input file
 * is uploaded) → `submitted` (the batch id is known) → `collected` (every result is in the cache)
 * or `cancelled`. A run finding an `intent` from a run that died looks for the batch on the server
 * (by label) before creating it, reusing the uploaded file.
 */
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';

export type RecordState = 'intent' | 'submitted' | 'collected' | 'cancelled';

/** One batch as llmap keeps track of it. */
export interface BatchRecord {
  version: 1;
  /** llmap's id of the batch: the record's file name, the input file's name, OpenAI metadata `llmap_batch`. */
  label: string;
  /** 'openai' or 'anthropic'. */
  vendor: string;
  /** The base URL (or the vendor's default host): batches are only looked up where they were made. */
  endpoint: string;
  model: string;
  /** When the record was first written (ms since epoch). */
  createdAt: number;
  /** The cache keys of the requests it holds, one per request. */
  keys: string[];
  fileId?: string;
  batchId?: string;
  state: RecordState;
  /** The vendor's status word and counts, as last seen. */
  status?: string;
  counts?: { total: number; succeeded: number; failed: number };
  /** 0 for the first submission of its rows, n for the n-th resubmission of failed ones. */
  round: number;
}

/** The folder of records beside the cache. */
export class BatchStore {
  constructor(readonly dir: string) {}

  /** Every record, oldest first (a missing folder has none). */
  async all(): Promise<BatchRecord[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const records: BatchRecord[] = [];
    for (const name of names) {
      try {
        const rec = JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as BatchRecord;
        if (rec?.version === 1 && Array.isArray(rec.keys)) records.push(rec);
      } catch {
        // A record is renamed into place whole; an unreadable one is not ours.
      }
    }
    return records.sort((a, b) => a.createdAt - b.createdAt || a.label.localeCompare(b.label));
  }

  /** Writes the record durably: a crash leaves the old version or the new one, never half of one. */
  async save(rec: BatchRecord): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `${rec.label}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(JSON.stringify(rec));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  }
}

/** A fresh label: time-ordered and unique enough across runs and machines. */
export function newLabel(now = Date.now()): string {
  return `llmap-${now.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The folder of batch records of a cache folder. */
export function batchStoreDir(cacheDir: string): string {
  return path.join(cacheDir, 'batches');
}
