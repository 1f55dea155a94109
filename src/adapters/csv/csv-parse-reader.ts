// The CsvReader port over csv-parse: records with the lines they span, so every problem can name
// its line. Line ends are normalised to LF first: csv-parse's line count drifts on CR LF files.
import { CsvError, parse } from 'csv-parse/sync';
import type { CsvRecord } from '../../core/index.js';
import type { CsvReader, CsvReadResult } from '../../ports/index.js';

interface ParsedRecord {
  readonly record: string[];
  readonly raw: string;
  readonly info: { readonly lines: number };
}

export class CsvParseReader implements CsvReader {
  read(text: string, options: { readonly delimiter: string; readonly quote: string }): CsvReadResult {
    const normalised = text.replaceAll('\r\n', '\n');
    let parsed: ParsedRecord[];
    try {
      parsed = parse(normalised, {
        delimiter: options.delimiter,
        quote: options.quote,
        record_delimiter: '\n',
        info: true,
        raw: true,
        // Field counts are checked against the header by the mapping, row by row.
        relax_column_count: true,
        // `12" pipe` in an unquoted field is a value, not a syntax error.
        relax_quotes: true,
        skip_empty_lines: true,
        // Spreadsheet exports end with rows of delimiters only (;;;;).
        skip_records_with_empty_values: true,
      }) as unknown as ParsedRecord[];
    } catch (error) {
      if (error instanceof CsvError) {
        const line = typeof (error as { lines?: unknown }).lines === 'number' ? (error as unknown as { lines: number }).lines : 1;
        return { ok: false, line, message: `line ${line}: ${error.message}` };
      }
      throw error;
    }
    const records: CsvRecord[] = parsed.map(({ record, raw, info }) => {
      // raw holds the record, its line end and any empty lines skipped before it.
      const inner = raw.replace(/^\n+/, '').replace(/\n$/, '');
      const spanned = inner.split('\n').length - 1;
      return { line: info.lines - spanned, endLine: info.lines, values: record };
    });
    return { ok: true, records };
  }
}
