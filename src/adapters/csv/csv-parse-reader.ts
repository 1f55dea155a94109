// The CsvReader port over csv-parse: records with the lines they span, so every problem can name
// its line. Line ends are normalised to LF first, and lines are counted here from the record's
// byte offsets: csv-parse counts every CR as a line too (a CR CR LF export, or a CR in a quoted
// value, shifted every later line), and reports an unclosed quote at the end of the file.
import { CsvError, parse } from 'csv-parse/sync';
import type { CsvRecord } from '../../core/index.js';
import type { CsvReader, CsvReadResult } from '../../ports/index.js';

interface ParsedRecord {
  readonly record: string[];
  /** `bytes`: offset just after the record and its line end. */
  readonly info: { readonly bytes: number };
}

const LF = 0x0a;

export class CsvParseReader implements CsvReader {
  read(text: string, options: { readonly delimiter: string; readonly quote: string }): CsvReadResult {
    // A file whose lines end with CR alone (classic Mac, some AS/400 jobs) would read as one
    // header row and no data: an empty file answered 200, its rows silently gone.
    if (text.includes('\r') && !text.includes('\n')) {
      return { ok: false, line: 1, message: 'line 1: the lines end with CR alone (classic Mac line ends); export the file with LF or CR LF line ends' };
    }
    const bytes = Buffer.from(text.replaceAll('\r\n', '\n'), 'utf8');
    let parsed: ParsedRecord[];
    let lastEnd = 0;
    try {
      parsed = parse(bytes, {
        delimiter: options.delimiter,
        quote: options.quote,
        record_delimiter: '\n',
        info: true,
        // Field counts are checked against the header by the mapping, row by row.
        relax_column_count: true,
        // `12" pipe` in an unquoted field is a value, not a syntax error.
        relax_quotes: true,
        skip_empty_lines: true,
        // Spreadsheet exports end with rows of delimiters only (;;;;).
        skip_records_with_empty_values: true,
        on_record: (record, context) => {
          lastEnd = context.bytes;
          return record;
        },
      }) as unknown as ParsedRecord[];
    } catch (error) {
      if (error instanceof CsvError) {
        const unclosed = error.code === 'CSV_QUOTE_NOT_CLOSED';
        const line = unclosed ? unfinishedRecordLine(bytes, lastEnd) : linesBefore(bytes, 0, lastEnd) + 1;
        const message = unclosed ? 'the row starting on this line opens a quoted value that is never closed (the file ends inside it)' : error.message;
        return { ok: false, line, message: `line ${line}: ${message}` };
      }
      throw error;
    }
    let counted = 0;
    let newlines = 0;
    const records: CsvRecord[] = parsed.map(({ record, info }) => {
      newlines += linesBefore(bytes, counted, info.bytes);
      counted = info.bytes;
      // The record's own line end (absent on a last line without one) is not inside it.
      const endLine = newlines + (bytes[info.bytes - 1] === LF ? 0 : 1);
      const spanned = record.reduce((n, value) => n + value.split('\n').length - 1, 0);
      return { line: endLine - spanned, endLine, values: record };
    });
    return { ok: true, records };
  }
}

/** How many LFs bytes[from, to) holds. */
function linesBefore(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i += 1) if (bytes[i] === LF) n += 1;
  return n;
}

/**
 * The line where the record the file ends in starts (past blank lines): csv-parse fails only at
 * the end of the file, and its unclosed quote is in that record.
 */
function unfinishedRecordLine(bytes: Uint8Array, from: number): number {
  let start = from;
  while (bytes[start] === LF) start += 1;
  return linesBefore(bytes, 0, start) + 1;
}
