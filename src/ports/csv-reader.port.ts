// Splitting CSV text into records with their line numbers (an adapter over a CSV parser).
import type { CsvRecord } from '../core/index.js';

export type CsvReadResult =
  | { readonly ok: true; readonly records: readonly CsvRecord[] }
  /** The text is not CSV the parser can follow (an unclosed quote): where it gave up, and why. */
  | { readonly ok: false; readonly line: number; readonly message: string };

/**
 * Promises: every record of the text, header included, in file order, each with the first and
 * last line it spans (a quoted value may hold line breaks); blank lines are skipped (empty, or
 * delimiters and spaces only), and nothing else, so the lines no record spans are those; values are
 * as written (no trimming, no type conversion). Leaves out: encodings (it gets text).
 */
export interface CsvReader {
  read(text: string, options: { readonly delimiter: string; readonly quote: string }): CsvReadResult;
}
