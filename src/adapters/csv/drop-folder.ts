// Drop folders: `millrace serve` polls one folder per CSV mapping, takes each complete file
// through the same intake as POST /v1/inbound/csv/:mapping (as the mapping's source), then moves
// it to processed/ (every row accepted or a duplicate) or failed/ (anything quarantined, or the
// file unreadable) with a report next to it. A file is complete when its name does not mark it
// as being written (.tmp, .part, a leading dot) and it has not changed for `minAgeMs`. A file over
// the limit is not read: it goes to failed/ whole, and to the quarantine as payload_too_large.
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CsvFileReport, OversizeFile } from '../../app/index.js';
import { KEPT_PREFIX_BYTES } from '../../app/index.js';
import type { Principal } from '../../core/index.js';
import { isMillraceError } from '../../core/index.js';
import type { TraceContext, Tracer } from '../../ports/index.js';
import { headAndDigest } from './file-digest.js';

/** What a drop folder needs of the CSV intake. */
export interface DropFolderIntake {
  receive(principal: Principal, mappingId: string, bytes: Uint8Array, name?: string, trace?: TraceContext): Promise<CsvFileReport>;
  principalOf(mappingId: string): Principal | undefined;
  keepTooLarge(mappingId: string, file: OversizeFile): Promise<{ quarantineId: string; message: string }>;
}

export interface DropFolder {
  readonly mapping: string;
  readonly path: string;
}

export interface DropFolderOptions {
  /** A file must be unchanged this long before it is taken (default 2000 ms; tests use 0). */
  readonly minAgeMs?: number;
  readonly now?: () => number;
  /** A file that could not be processed for a reason of the hub (the store is down): it stays and is tried again. */
  readonly onError?: (error: unknown, file: string) => void;
  /** Traces each file's intake (a span per file, the parent of its events' processing); absent: not traced. */
  readonly tracer?: Tracer;
  /**
   * The largest file read, in bytes (the hub's drop folder limit, by default its HTTP body limit).
   * A larger one is not read: its size is taken from the file system. Absent: no limit.
   */
  readonly maxFileBytes?: number;
}

/** What happened to one file of a scan. */
export interface DropOutcome {
  readonly mapping: string;
  readonly file: string;
  readonly movedTo: string;
  readonly outcome: 'processed' | 'failed';
  readonly report: CsvFileReport | { readonly code: string; readonly message: string; readonly quarantineId?: string; readonly line?: number; readonly bytes?: number; readonly limitBytes?: number };
}

const IN_PROGRESS = /(^\.|\.tmp$|\.part$|\.partial$|~$|\.report\.json$)/i;

export class CsvDropFolders {
  private timer: ReturnType<typeof setInterval> | undefined;
  private scanning: Promise<DropOutcome[]> | undefined;

  constructor(
    private readonly intake: DropFolderIntake,
    private readonly folders: readonly DropFolder[],
    private readonly options: DropFolderOptions = {},
  ) {}

  /**
   * Takes every complete file once, folder by folder, oldest name first. Scans never overlap. A
   * file gone before it is read is skipped; one that fails is reported to `onError` and tried
   * again at the next scan, while the rest of the folder goes on.
   */
  scanOnce(): Promise<DropOutcome[]> {
    this.scanning ??= this.scan().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  /** Polls every `intervalMs` until `stop`. */
  start(intervalMs = 2000): void {
    if (this.timer !== undefined || this.folders.length === 0) return;
    this.timer = setInterval(() => {
      this.scanOnce().catch((error: unknown) => this.options.onError?.(error, ''));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.scanning?.catch(() => undefined);
  }

  private async scan(): Promise<DropOutcome[]> {
    const outcomes: DropOutcome[] = [];
    const now = this.options.now ?? Date.now;
    const minAge = this.options.minAgeMs ?? 2000;
    for (const folder of this.folders) {
      await mkdir(folder.path, { recursive: true });
      const entries = (await readdir(folder.path, { withFileTypes: true })).filter((entry) => entry.isFile() && !IN_PROGRESS.test(entry.name)).map((entry) => entry.name).sort();
      for (const name of entries) {
        const path = join(folder.path, name);
        const info = await stat(path).catch(() => undefined);
        if (info === undefined || now() - info.mtimeMs < minAge) continue;
        const limit = this.options.maxFileBytes;
        let outcome: DropOutcome | undefined;
        try {
          outcome = limit !== undefined && info.size > limit ? await this.keepTooLarge(folder, name, path, limit) : await this.take(folder, name, path);
        } catch (error) {
          // Gone since it was listed: another hub polling a shared folder took it, or its writer
          // removed it. Not a fault of this reader, and not one to try again.
          if (isGone(error)) continue;
          // One file that cannot be read or moved does not hold back the files after it.
          this.options.onError?.(error, path);
          continue;
        }
        if (outcome !== undefined) outcomes.push(outcome);
      }
    }
    return outcomes;
  }

  /**
   * A file over the limit: its first bytes and digest (read as a stream, never whole) to the
   * quarantine, the file itself to failed/ with the report. Kept unread: a resend of it later, once
   * split or the limit raised, is read as any file.
   */
  private async keepTooLarge(folder: DropFolder, name: string, path: string, limit: number): Promise<DropOutcome | undefined> {
    if (this.intake.principalOf(folder.mapping) === undefined) return undefined;
    let report: DropOutcome['report'];
    try {
      const read = await headAndDigest(path, KEPT_PREFIX_BYTES);
      const kept = await this.intake.keepTooLarge(folder.mapping, { name, ...read, limit });
      report = { code: 'payload_too_large', message: kept.message, quarantineId: kept.quarantineId, bytes: read.bytes, limitBytes: limit };
    } catch (error) {
      this.options.onError?.(error, path);
      return undefined;
    }
    return this.moveWithReport(folder, name, path, 'failed', report);
  }

  private async moveWithReport(folder: DropFolder, name: string, path: string, outcome: DropOutcome['outcome'], report: DropOutcome['report']): Promise<DropOutcome> {
    const target = await freeName(join(folder.path, outcome), name);
    await rename(path, target);
    await writeFile(`${target}.report.json`, `${JSON.stringify(report, null, 2)}\n`);
    return { mapping: folder.mapping, file: name, movedTo: target, outcome, report };
  }

  private async take(folder: DropFolder, name: string, path: string): Promise<DropOutcome | undefined> {
    const principal = this.intake.principalOf(folder.mapping);
    if (principal === undefined) return undefined;
    const bytes = await readFile(path);
    let outcome: DropOutcome['outcome'];
    let report: DropOutcome['report'];
    const span = this.options.tracer?.start(`millrace.intake csv ${folder.mapping}`, { kind: 'consumer', attributes: { 'millrace.csv.mapping': folder.mapping, 'millrace.csv.file': name, 'millrace.csv.bytes': bytes.length } });
    try {
      const file = await this.intake.receive(principal, folder.mapping, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), name, span?.context);
      outcome = file.quarantined.length === 0 ? 'processed' : 'failed';
      report = file;
      span?.setAttributes({ 'millrace.events.accepted': file.accepted.length, 'millrace.events.duplicates': file.duplicates.length, 'millrace.csv.quarantined': file.quarantined.length });
    } catch (error) {
      span?.fail(error instanceof Error ? error.message : String(error));
      if (!isMillraceError(error) || error.code !== 'csv_unreadable') {
        this.options.onError?.(error, path);
        return undefined;
      }
      outcome = 'failed';
      const { quarantineId, line } = error.details as { quarantineId?: string; line?: number };
      report = { code: error.code, message: error.message, ...(quarantineId === undefined ? {} : { quarantineId }), ...(line === undefined ? {} : { line }) };
    } finally {
      span?.end();
    }
    return this.moveWithReport(folder, name, path, outcome, report);
  }
}

function isGone(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** `dir/name`, or with a numbered prefix when a file of that name was dropped before (a resend). */
async function freeName(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (let n = 0; ; n += 1) {
    const candidate = join(dir, n === 0 ? name : `${n}-${name}`);
    if ((await stat(candidate).catch(() => undefined)) === undefined) return candidate;
  }
}
