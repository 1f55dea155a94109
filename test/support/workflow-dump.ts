// Everything the workflow projections hold, read through the port, as the stored text: what a
// rebuild must reproduce byte for byte.
import { plantLinkKey } from '../../src/core/index.js';
import type { WorkflowStore } from '../../src/ports/index.js';

export async function dumpWorkflows(
  store: WorkflowStore,
): Promise<{ lines: string; exceptions: string; links: number[]; flows: string; cursor: number; plant: string; plantLinks: number[] }> {
  const lines: unknown[] = [];
  let after: string | undefined;
  do {
    const page = await store.listLines({}, 500, after);
    lines.push(...page.items);
    after = page.next;
  } while (after !== undefined);
  const exceptions: unknown[] = [];
  let before: string | undefined;
  do {
    const page = await store.listExceptions({}, 500, before);
    exceptions.push(...page.items);
    before = page.next;
  } while (before !== undefined);
  const keys = lines.map((line) => (line as { key: string }).key);
  const plant = [...(await store.plantStates('production', {})), ...(await store.plantStates('transfer', {})), ...(await store.plantStates('inventory', {}))];
  return {
    lines: JSON.stringify(lines),
    exceptions: JSON.stringify(exceptions),
    links: await store.linkedSequences(keys),
    flows: JSON.stringify(await store.flows()),
    cursor: await store.processedUpTo(),
    plant: JSON.stringify(plant),
    plantLinks: await store.linkedSequences(plant.map((t) => plantLinkKey(t.workflow, t.state.key))),
  };
}
