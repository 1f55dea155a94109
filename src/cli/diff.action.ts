// What `millrace diff OLD NEW` does (declared in diff.command.ts): the manifests compared, the
// changes printed by section with who they affect, or one JSON document; exit 1 when a change
// breaks the old manifest's compatibility mode.
import type { ManifestDiffResult, QueuedWithdrawal, StoreState } from '../bootstrap/index.js';
import { DEFAULT_CONTRACTS_DIR, diffManifestFiles, redactStoreUrl } from '../bootstrap/index.js';
import type { DeliveryWithdrawal, DiffImpact, DiffSection, ManifestChange, PublisherRef } from '../core/index.js';
import { DIFF_SECTIONS, isMillraceError } from '../core/index.js';
import { printJson, unusable } from './flags.js';

export interface DiffOptions {
  readonly store?: string;
  readonly contracts?: string;
  readonly json?: boolean;
}

const TITLES: Readonly<Record<DiffSection, string>> = {
  contracts: 'Contracts',
  authority: 'Authority',
  slas: 'SLAs',
  tolerances: 'Tolerances',
  limits: 'Lag and rate limits',
  exceptionOwners: 'Exception owners',
  subscriptions: 'Subscriptions',
  other: 'Other',
};

export async function diff(oldFile: string, newFile: string, options: DiffOptions): Promise<void> {
  let result: ManifestDiffResult;
  try {
    result = await diffManifestFiles({ oldFile, newFile, contractsDir: options.contracts ?? DEFAULT_CONTRACTS_DIR, ...(options.store === undefined ? {} : { store: options.store }) });
  } catch (error) {
    if (isMillraceError(error)) throw error;
    unusable((error as Error).message);
  }
  const store = options.store === undefined ? undefined : redactStoreUrl(options.store);
  if (options.json === true) printJson(jsonDocument(oldFile, newFile, result, store));
  else printDiff(oldFile, newFile, result, store);
  if (result.diff.breaking) process.exitCode = 1;
}

/** The --json document; every key is always present (null when it does not apply). */
function jsonDocument(oldFile: string, newFile: string, result: ManifestDiffResult, store: string | undefined): unknown {
  const { diff } = result;
  return {
    old: oldFile,
    new: newFile,
    mode: diff.mode,
    breaking: diff.breaking,
    counts: { changes: diff.changes.length, breaking: diff.changes.filter((c) => c.breaking).length },
    changes: diff.changes.map((c) => ({
      section: c.section,
      kind: c.kind,
      breaking: c.breaking,
      subject: c.subject,
      message: c.message,
      old: c.old ?? null,
      new: c.new ?? null,
      eventTypes: c.eventTypes,
      publishers: c.publishers,
      subscribers: c.subscribers,
      workflows: c.workflows,
      compatibility: c.compatibility ?? null,
      touches: c.touches ?? null,
    })),
    impact: diff.impact === undefined || result.store === undefined || store === undefined ? null : { store, ...result.store, ...diff.impact },
    warnings: [
      ...warningsOf(result).map(({ withdrawal, queued }): JsonWarning => ({
        code: WITHDRAWN,
        subscription: withdrawal.subscription,
        subscriber: withdrawal.subscriber,
        change: withdrawal.change,
        message: withdrawal.message,
        queued: queued?.queued ?? null,
        withdrawn: queued?.withdrawn ?? null,
      })),
      ...(result.drift ?? []).map((drift): JsonWarning => ({
        code: NOT_IN_FORCE,
        subscription: drift.subscription,
        subscriber: null,
        change: drift.drift,
        message: drift.message,
        queued: null,
        withdrawn: null,
      })),
    ],
  };
}

/** One entry of the --json document's `warnings`: the same keys for every code. */
interface JsonWarning {
  readonly code: string;
  readonly subscription: string;
  readonly subscriber: string | null;
  readonly change: string;
  readonly message: string;
  readonly queued: number | null;
  readonly withdrawn: number | null;
}

/** The code of the warning that a change withdraws a subscription's queued deliveries (ADR 0052, 0065). */
const WITHDRAWN = 'deliveries_withdrawn';
/** The code of the warning that OLD's subscriptions are not those the store's hub last ran (with --store). */
const NOT_IN_FORCE = 'old_not_in_force';

/** Each withdrawal, with what the store holds for it when one was given. */
function warningsOf(result: ManifestDiffResult): { withdrawal: DeliveryWithdrawal; queued: QueuedWithdrawal | undefined }[] {
  return result.diff.withdrawals.map((withdrawal) => ({ withdrawal, queued: result.withdrawals?.find((q) => q.subscription === withdrawal.subscription) }));
}

function printDiff(oldFile: string, newFile: string, result: ManifestDiffResult, store: string | undefined): void {
  const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
  const { diff } = result;
  const breaking = diff.changes.filter((c) => c.breaking);
  const groups: [string, readonly ManifestChange[]][] = [
    ['BREAKING', breaking],
    ...DIFF_SECTIONS.map((section): [string, ManifestChange[]] => [TITLES[section], diff.changes.filter((c) => !c.breaking && c.section === section)]),
  ];
  for (const [title, changes] of groups) {
    if (changes.length === 0) continue;
    out(`${title} (${changes.length})`);
    for (const change of changes) printChange(out, change);
    out();
  }
  const warnings = warningsOf(result);
  const drift = result.drift ?? [];
  if (warnings.length + drift.length > 0) {
    // Not a change that breaks (only contract rules do, ADR 0010), but one a reviewer must see: what was queued is never sent.
    out(`Warnings (${warnings.length + drift.length})`);
    for (const { withdrawal, queued } of warnings) {
      out(`  ${WITHDRAWN.padEnd(26)}  ${withdrawal.message}`);
      out(queued === undefined ? '      give --store to count them' : `      ${queued.withdrawn} of its ${queued.queued} queued deliveries in the store would be withdrawn`);
    }
    // OLD is compared with NEW: if it is not what the hub runs, the diff above is not the change the hub will see.
    for (const { message } of drift) out(`  ${NOT_IN_FORCE.padEnd(26)}  ${message}: is OLD the manifest this hub runs?`);
    out();
  }
  if (diff.impact !== undefined && result.store !== undefined && store !== undefined) printImpact(out, store, result.store, diff.impact);
  const scope = `${oldFile} -> ${newFile}`;
  if (diff.changes.length === 0) out(`no changes: ${scope}`);
  else if (diff.breaking) out(`BREAKING (${diff.mode}, the old manifest's mode): ${breaking.length} breaking change(s) of ${diff.changes.length}: ${scope}`);
  else out(`no breaking change (${diff.mode}): ${diff.changes.length} change(s): ${scope}`);
}

function printChange(out: (line?: string) => boolean, change: ManifestChange): void {
  out(`  ${change.kind.padEnd(26)}  ${change.message}`);
  const compatibility = change.compatibility;
  if (compatibility !== undefined) {
    const pathOf = (path: string): string => (path === '' ? '(root)' : path);
    const width = Math.max(0, ...compatibility.changes.map((c) => pathOf(c.path).length));
    for (const c of compatibility.changes) out(`      ${c.breaking ? 'BREAKING' : 'ok      '}  ${pathOf(c.path).padEnd(width)}  ${c.kind}: ${c.message}`);
  }
  const who = [
    change.publishers.length > 0 ? `publishers: ${change.publishers.map(publisherName).join(', ')}` : '',
    change.subscribers.length > 0 ? `subscribers: ${change.subscribers.map((s) => (s.subscription === s.subscriber ? s.subscriber : `${s.subscriber} (${s.subscription})`)).join(', ')}` : '',
    change.workflows.includes('p2p') ? 'read by the procure-to-pay workflow' : '',
  ].filter((part) => part !== '');
  if (who.length > 0) out(`      ${who.join('; ')}`);
  if (change.touches !== undefined && (change.touches.workflows > 0 || change.touches.openExceptions > 0)) {
    out(`      touches ${change.touches.workflows} in-flight workflow(s), ${change.touches.openExceptions} open exception(s)`);
  }
}

function printImpact(out: (line?: string) => boolean, store: string, state: StoreState, impact: DiffImpact): void {
  const stages = Object.entries(impact.inFlightByStage)
    .filter(([, n]) => n > 0)
    .map(([stage, n]) => `${stage} ${n}`)
    .join(', ');
  out(`Store ${store}: ${impact.inFlightWorkflows} workflow(s) in flight${stages === '' ? '' : ` (${stages})`}, ${impact.openExceptions} open exception(s)`);
  if (state.headSequence === 0) out('  the store holds no events: is it the hub\'s store?');
  else if (state.processedUpTo === -1) out('  the workflows are being rebuilt: these counts are incomplete');
  else if (state.processedUpTo < state.headSequence) out(`  the workflows have processed the log up to ${state.processedUpTo} of ${state.headSequence}: the counts may lag`);
  out(`  this change touches ${impact.touched.workflows} workflow(s) and ${impact.touched.openExceptions} open exception(s); its breaking changes ${impact.touchedByBreaking.workflows} and ${impact.touchedByBreaking.openExceptions}`);
  out();
}

function publisherName(ref: PublisherRef): string {
  return ref.kind === 'hub' ? 'the hub' : `${ref.kind} ${ref.id}`;
}
