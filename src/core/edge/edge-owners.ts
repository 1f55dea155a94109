// Who hears about a broken message stream: the team that owns the data domain of the event
// type a topic carries (the source's data owner), unless the board routes the code elsewhere
// in `exceptionOwners`; `integration` when no domain claims the type.
import type { Manifest } from '../governance/manifest.js';
import type { MqttTopicDeclaration } from './edge-mapping.js';

export const EDGE_EXCEPTION_CODES = ['sequence_gap', 'sequence_reset'] as const;
export type EdgeExceptionCode = (typeof EDGE_EXCEPTION_CODES)[number];

export const DEFAULT_EDGE_OWNER = 'integration';

/** The team an edge exception of this topic goes to. */
export function edgeExceptionOwner(manifest: Pick<Manifest, 'domains' | 'exceptionOwners'>, topic: Pick<MqttTopicDeclaration, 'eventType'>, code: EdgeExceptionCode): string {
  const routed = manifest.exceptionOwners[code];
  if (routed !== undefined) return routed;
  const domain = topic.eventType === undefined ? undefined : manifest.domains.find((d) => d.eventTypes.includes(topic.eventType ?? ''));
  return domain?.owner ?? DEFAULT_EDGE_OWNER;
}

/** The default owners of the edge exceptions the manifest's topics can raise (codes `exceptionOwners` routes are left out). */
export function edgeExceptionOwners(manifest: Manifest): { code: EdgeExceptionCode; owner: string }[] {
  const owners = new Map<string, { code: EdgeExceptionCode; owner: string }>();
  for (const topic of manifest.mqtt?.topics ?? []) {
    if (topic.sequence === undefined) continue;
    for (const code of EDGE_EXCEPTION_CODES) {
      if (code in manifest.exceptionOwners) continue;
      const owner = edgeExceptionOwner(manifest, topic, code);
      owners.set(`${code}\u0000${owner}`, { code, owner });
    }
  }
  return [...owners.values()];
}
