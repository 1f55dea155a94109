// The hold a hub (or a rebuild) keeps on its SQLite store while it runs: one hub process per
// file (docs/adr/0001, 0035). It is SQLite's own write lock on a side database beside the
// store, which the operating system drops when the process ends, SIGKILL included, so a crash
// leaves no lock for anyone to clear by hand.
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';

/** Who holds a store: what the refusal names. */
export interface StoreHolder {
  readonly pid: number;
  /** The command that holds it, e.g. `serve`. */
  readonly command: string;
  /** RFC 3339. */
  readonly since: string;
}

/** The store is held by another process (or another hub of this one). */
export class StoreHeldError extends Error {
  override readonly name = 'StoreHeldError';
  constructor(
    /** The store file (its real path). */
    readonly file: string,
    /** Unknown while the holder is still writing its name down. */
    readonly holder: StoreHolder | undefined,
  ) {
    super(`${file} is held by ${holder === undefined ? 'another process' : `millrace ${holder.command} (pid ${holder.pid})`}`);
  }
}

export class StoreHold {
  private constructor(private readonly db: Database.Database) {}

  /**
   * Takes the hold on the store at `storePath` for `command`, or throws StoreHeldError.
   * The hold lives in `<store>-hold`, named after the store's real path so that another
   * spelling of the same file (relative, through a symbolic link) meets the same hold. The side
   * file stays when the hold is released: deleting it while another process waits on it would
   * let two processes each lock a file of that name.
   */
  static take(storePath: string, command: string): StoreHold {
    const file = realStorePath(storePath);
    // No busy wait: a held store is refused at once, never after a pause.
    const db = new Database(`${file}-hold`, { timeout: 0 });
    try {
      // The holder's name is written down first (a committed row others can read), then the
      // write lock is taken again and kept: a rollback-journal database's RESERVED lock lets
      // others read the row while no one else can begin a write. Between the two, another
      // process may take the lock; then this one is refused like any latecomer.
      if (!begin(db)) throw new StoreHeldError(file, holderOf(db));
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, command TEXT NOT NULL, since TEXT NOT NULL)');
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder (pid, command, since) VALUES (?, ?, ?)').run(process.pid, command, new Date().toISOString());
      db.exec('COMMIT');
      if (!begin(db)) throw new StoreHeldError(file, holderOf(db));
      return new StoreHold(db);
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
      throw error;
    }
  }

  /** Lets go (the store's close does it); the process ending does it too. */
  release(): void {
    if (!this.db.open) return;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
}

/** BEGIN IMMEDIATE, or false when another connection holds the write lock. */
function begin(db: Database.Database): boolean {
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw error;
  }
}

function holderOf(db: Database.Database): StoreHolder | undefined {
  try {
    return db.prepare<[], StoreHolder>('SELECT pid, command, since FROM holder').get();
  } catch {
    // No row yet (the holder is writing it), or the holder is mid-commit: said without a name.
    return undefined;
  }
}

function realStorePath(storePath: string): string {
  if (existsSync(storePath)) return realpathSync(storePath);
  mkdirSync(dirname(storePath), { recursive: true });
  return join(realpathSync(dirname(storePath)), basename(storePath));
}
