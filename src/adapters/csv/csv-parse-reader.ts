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
        const line = error.code === 'CSV_QUOTE_NOT_CLOSED' ? unclosedQuoteLine(bytes, lastEnd, options) : linesBefore(bytes, 0, lastEnd) + 1;
        const message = error.code === 'CSV_QUOTE_NOT_CLOSED' ? `the quoted value opened on this line is not closed (the file ends inside it)` : error.message;
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
 * The line of the quote that opens the value the file ends in, found by walking from the end of
 * the last record csv-parse finished: a quote opens a value at the start of a field, `""` inside
 * is a quote, and a quote before a delimiter or line end closes it.
 */
function unclosedQuoteLine(bytes: Uint8Array, from: number, options: { readonly delimiter: string; readonly quote: string }): number {
  const tail = Buffer.from(bytes.subarray(from)).toString('utf8');
  let fieldStart = true;
  let quoting = false;
  let openedAt = 0;
  for (let i = 0; i < tail.length; i += 1) {
    const char = tail[i];
    if (quoting) {
      if (char !== options.quote) continue;
      if (tail[i + 1] === options.quote) i += 1;
      else if (tail[i + 1] === undefined || tail[i + 1] === options.delimiter || tail[i + 1] === '\n') quoting = false;
    } else if (fieldStart && char === options.quote) {
      quoting = true;
      openedAt = i;
    } else {
      fieldStart = char === options.delimiter || char === '\n';
    }
  }
  const before = tail.slice(0, openedAt);
  return linesBefore(bytes, 0, from) + before.split('\n').length;
}
