// What the hub process accepts for the settings a manifest's `hub:` section may carry. One
// definition for both readers: the configuration (flags, MILLRACE_* variables and the manifest,
// bootstrap/config.ts) and the manifest's own check, so that `millrace lint` refuses a `hub:`
// value that would stop `millrace serve`, and says where it is.

/** Whether a store URL names a PostgreSQL database (postgres:// or postgresql://). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** `sqlite:PATH` or a postgres:// URL. */
export function parseStoreUrl(raw: string | number): string | Error {
  const text = String(raw);
  if (text.startsWith('sqlite:') && text.length > 'sqlite:'.length) return text;
  if (isPostgresUrl(text)) {
    try {
      new URL(text);
      return text;
    } catch {
      return new Error('is not a valid postgres:// URL');
    }
  }
  return new Error('must be sqlite:PATH or postgres://USER@HOST:PORT/DATABASE');
}

/** An OTLP/HTTP collector: http:// or https://. */
export function parseHttpUrl(raw: string | number): string | Error {
  const text = String(raw).trim();
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return text;
  } catch {
    // reported below
  }
  return new Error('must be an http:// or https:// URL of an OTLP/HTTP collector, e.g. http://127.0.0.1:4318');
}

/** Who may scrape GET /metrics: `none` (anyone who reaches the port) or `operator` (an operator key, either role). */
export type MetricsAuth = 'none' | 'operator';

export function parseMetricsAuth(raw: string | number): MetricsAuth | Error {
  return raw === 'none' || raw === 'operator' ? raw : new Error('must be none or operator');
}

/** A host name or address to listen on. */
export function parseHost(raw: string | number): string | Error {
  return String(raw).trim() === '' ? new Error('must not be empty') : String(raw);
}

const UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** `5MB`, `512kb`, `1048576`: sizes in binary units, as operators write them, from 1KB to 1GB. */
export function parseByteSize(raw: string | number): number | Error {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(String(raw));
  const unit = UNITS[(match?.[2] ?? '').toLowerCase() || 'b'];
  if (match?.[1] === undefined || unit === undefined) return new Error('must be a size such as 5MB, 512KB or a number of bytes');
  const bytes = Math.floor(Number(match[1]) * unit);
  return bytes < 1024 || bytes > 1024 ** 3 ? new Error('must be between 1KB and 1GB') : bytes;
}
