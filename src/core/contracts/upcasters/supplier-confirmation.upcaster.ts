// supplier.confirmation v1 -> v2: a line's single `promisedDate` becomes a one-delivery schedule
// that covers the whole line (v2 leaves that delivery's quantity out). Everything else keeps its
// name and meaning, so no v1 fact is lost and the result is a valid v2 line.
import type { EventData, Upcaster } from '../upcasting.js';

type Line = Readonly<Record<string, unknown>>;

function lineToV2(line: Line): Line {
  const { promisedDate, ...rest } = line;
  return promisedDate === undefined ? rest : { ...rest, schedule: [{ promisedDate }] };
}

export const supplierConfirmationV1toV2: Upcaster = {
  eventType: 'supplier.confirmation',
  from: 1,
  upcast(data: EventData): EventData {
    const lines = data.lines;
    return Array.isArray(lines) ? { ...data, lines: (lines as Line[]).map(lineToV2) } : data;
  },
};
