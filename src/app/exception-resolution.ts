// Resolving an exception by hand: an operator says why; the resolution is an event in the
// log (exception.resolved, resolution "manual"), so it survives replays and shows in lineage.
import type { ExceptionView, Principal } from '../core/index.js';
import { MillraceError, MILLRACE_SOURCE, shownValue } from '../core/index.js';
import type { Clock, WorkflowStore } from '../ports/index.js';
import type { GroupCommitter } from './group-commit.js';
import type { WorkflowProcessor } from './workflow-processor.js';

export class ExceptionResolution {
  constructor(
    private readonly store: WorkflowStore,
    private readonly committer: GroupCommitter,
    /** This process's processor, when it runs one: kicked so the resolution shows at once. */
    private readonly processor: WorkflowProcessor | undefined,
    private readonly clock: Clock,
    /** How long to wait for the projection to show the resolution before answering anyway. */
    private readonly waitMs = 5_000,
  ) {}

  async resolve(exceptionId: string, reason: string, by: Principal): Promise<ExceptionView> {
    if (by.kind !== 'operator' || by.role !== 'operator') {
      throw new MillraceError('forbidden_action', 'resolving an exception needs an operator key with the operator role (millrace keys add --operator NAME)');
    }
    if (reason.trim() === '') throw new MillraceError('invalid_request', 'say why the exception is resolved: "reason" must not be empty');
    const view = await this.store.getException(exceptionId);
    if (view === undefined) throw new MillraceError('not_found', `no exception ${shownValue(exceptionId)}`);
    if (view.status === 'resolved') {
      throw new MillraceError('exception_already_resolved', `exception ${exceptionId} was resolved at ${view.resolvedAt ?? '?'} by ${view.resolvedBy ?? '?'}`, { exception: view });
    }
    const outcome = await this.committer.submit([
      {
        specversion: '1.0',
        id: `resolution:${exceptionId}`,
        source: MILLRACE_SOURCE,
        type: 'exception.resolved',
        time: this.clock.now().toISOString(),
        ...(view.key === undefined ? {} : { correlationid: view.key }),
        data: {
          exceptionId,
          code: view.code,
          resolvedBy: `operator:${by.id}`,
          reason: reason.trim(),
          resolution: 'manual',
          workflow: view.workflow,
          ...(view.poNumber === undefined ? {} : { poNumber: view.poNumber }),
          ...(view.line === undefined ? {} : { line: view.line }),
        },
      },
    ]);
    if (outcome.kind === 'conflict') throw new MillraceError('exception_already_resolved', `exception ${exceptionId} was resolved meanwhile`);
    // The process that leads the workflows applies the resolution (this one, or another hub on
    // the same database): read the projection until it shows it.
    void this.processor?.catchUp();
    for (let waited = 0; ; waited += 20) {
      const current = await this.store.getException(exceptionId);
      if (current?.status === 'resolved' || waited >= this.waitMs) return current ?? view;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
