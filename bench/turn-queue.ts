// The benchmark's own group commit, as a bare service writes it (the baseline and the lean log):
// everything submitted during one event-loop turn is handed to `commit` together in the next
// turn, and each submission is answered with its own result. better-sqlite3 is synchronous, so
// the whole commit runs inside that callback and the next group gathers meanwhile.
export class TurnQueue<Item, Result> {
  private queue: { readonly item: Item; readonly resolve: (result: Result) => void; readonly reject: (error: unknown) => void }[] = [];
  private scheduled = false;

  /** `commit` returns one result per item, in order, or throws for all of them. */
  constructor(private readonly commit: (items: readonly Item[]) => readonly Result[]) {}

  submit(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(this.flush);
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const group = this.queue;
    this.queue = [];
    try {
      const results = this.commit(group.map((pending) => pending.item));
      group.forEach((pending, index) => {
        const result = results[index];
        if (result === undefined) pending.reject(new Error('the commit returned fewer results than submissions'));
        else pending.resolve(result);
      });
    } catch (error) {
      for (const pending of group) pending.reject(error);
    }
  };
}
