// Splitting CSV text into records with their line numbers (an adapter over a CSV parser).
import type { CsvRecord } from '../core/index.js';

export type CsvReadResult =
  | { readonly ok: true; readonly records: readonly CsvRecord[] }
  /** The text is not CSV the parser can follow (an unclosed quote): where it gave up, and why. */
  | { readonly ok: false; readonly line: number; readonly message: string };

/**
 * Promises: every record of the text, header included, in file order, each with the first and
 * last line it spans (a quoted value may hold line breaks); empty lines are skipped; values are
 * as written (no trimming, no type conversion). Leaves out: encodings (it gets text).
 */
export interface CsvReader {
  read(text: string, options: { readonly delimiter: string; readonly quote: string }): CsvReadResult;
}
