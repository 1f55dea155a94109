// Keeps the workflows moving in a hub process: after each commit and on a steady tick, if
// this process leads the store, fire due deadlines and let the processor catch up.
import type { WorkflowStore } from '../ports/index.js';
import type { DeadlineScheduler } from './deadline-scheduler.js';
import type { WorkflowProcessor } from './workflow-processor.js';

export interface RunnerOptions {
  /** Milliseconds between ticks (deadlines, and events committed by other hub processes). */
  readonly tickMs: number;
  readonly onError: (error: unknown) => void;
}

export class WorkflowRunner {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private leading = false;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: WorkflowStore,
    private readonly processor: WorkflowProcessor,
    private readonly scheduler: DeadlineScheduler,
    private readonly options: RunnerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** New events are in the log: process them now if this process leads. */
  kick(): void {
    if (this.stopped || !this.leading) return;
    this.track(this.processor.catchUp().then(() => undefined));
  }

  /** One round: lead check, due deadlines, catch-up. */
  async tick(): Promise<void> {
    this.leading = await this.store.tryLeadWorkflows();
    if (!this.leading) return;
    await this.processor.catchUp();
    if ((await this.scheduler.fireDue()) > 0) await this.processor.catchUp();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.pending;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.track(this.tick());
      void this.pending.then(() => {
        if (!this.stopped) this.schedule(this.options.tickMs);
      });
    }, delay);
  }

  private track(work: Promise<void>): void {
    const guarded = work.catch((error: unknown) => this.options.onError(error));
    this.pending = Promise.all([this.pending, guarded]).then(() => undefined);
  }
}
