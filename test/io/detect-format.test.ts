import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { detectFormat } from '../../src/io/detect-format.js';

describe('detectFormat', () => {
  it('reads the format from the extension', () => {
    expect(detectFormat('a.csv')).toBe('csv');
    expect(detectFormat('dir/a.TSV')).toBe('tsv');
    expect(detectFormat('a.jsonl')).toBe('jsonl');
    expect(detectFormat('a.ndjson')).toBe('jsonl');
    for (const ext of ['arrow', 'arrows', 'feather', 'ipc']) expect(detectFormat(`a.${ext}`)).toBe('arrow');
    expect(detectFormat('a.parquet')).toBe('parquet');
    expect(detectFormat('a.PQ')).toBe('parquet');
  });

  it('treats stdio as CSV', () => {
    expect(detectFormat('-')).toBe('csv');
  });

  it('lets the flag win over the extension', () => {
    expect(detectFormat('a.csv', 'jsonl')).toBe('jsonl');
    expect(detectFormat('-', 'arrow')).toBe('arrow');
  });

  it('rejects an unsupported flag value, naming the flag', () => {
    expect(() => detectFormat('a.csv', 'xlsx', '--input-format')).toThrow(
      new UsageError("unsupported format 'xlsx' for --input-format; use csv, tsv, jsonl, arrow or parquet"),
    );
    expect(() => detectFormat('a.csv', 'orc', '--output-format')).toThrow(
      "unsupported format 'orc' for --output-format; use csv, tsv, jsonl, arrow or parquet",
    );
    expect(detectFormat('a.csv', 'PARQUET', '--output-format')).toBe('parquet');
  });

  it('rejects an unknown extension, naming the file and the flag', () => {
    const call = (): unknown => detectFormat('data.xlsx', undefined, '--input-format');
    expect(call).toThrow(UsageError);
    expect(call).toThrow(
      "cannot tell the format of 'data.xlsx' from its extension; pass --input-format csv, tsv, jsonl, arrow or parquet",
    );
  });
});
