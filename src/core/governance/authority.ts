// Publishing authority: a credential speaks for one system or partner, which may publish only
// under its own source and only the event types the manifest grants it.
import type { CloudEvent } from '../envelope.js';
import type { Manifest, PrincipalKind } from './manifest.js';
import { sourceOf } from './manifest.js';

/** Who is calling: the system or partner an API key belongs to. */
export interface Principal {
  readonly kind: PrincipalKind;
  readonly id: string;
  /** Operators only: `viewer` reads, `operator` also resolves exceptions. */
  readonly role?: OperatorRole;
}

export type OperatorRole = 'viewer' | 'operator';

export type AuthorityDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: 'forbidden_source' | 'forbidden_event_type'; readonly rule: string; readonly message: string };

/** Publishing rights resolved once per manifest, so the per-event check is two lookups. */
export class PublishingAuthority {
  private readonly grants = new Map<string, ReadonlySet<string>>();
  private readonly suppliers = new Map<string, string>();

  constructor(manifest: Manifest) {
    for (const system of manifest.systems) this.grants.set(principalKey('system', system.id), new Set(system.publishes));
    for (const partner of manifest.partners) {
      this.grants.set(principalKey('partner', partner.id), new Set(partner.publishes));
      this.suppliers.set(partner.id, partner.supplierId);
    }
  }

  /**
   * The supplier a partner credential speaks for: it may only see business objects of that
   * supplier. Undefined for systems and operators (no supplier scope).
   */
  supplierScopeOf(principal: Principal): string | undefined {
    if (principal.kind !== 'partner') return undefined;
    // A partner the manifest no longer declares sees nothing.
    return this.suppliers.get(principal.id) ?? '\u0000none';
  }

  /** Whether the manifest declares this principal at all (a key for a removed system is useless). */
  knows(principal: Principal): boolean {
    return this.grants.has(principalKey(principal.kind, principal.id));
  }

  decide(principal: Principal, event: Pick<CloudEvent, 'source' | 'type'>): AuthorityDecision {
    const expectedSource = sourceOf(principal.kind, principal.id);
    if (event.source !== expectedSource) {
      return {
        allowed: false,
        code: 'forbidden_source',
        rule: `a credential of ${principal.kind} "${principal.id}" publishes only with source ${expectedSource}`,
        message: `source ${event.source} is not the caller's (${expectedSource})`,
      };
    }
    const granted = this.grants.get(principalKey(principal.kind, principal.id));
    if (granted === undefined || !granted.has(event.type)) {
      const section = principal.kind === 'system' ? 'systems' : 'partners';
      return {
        allowed: false,
        code: 'forbidden_event_type',
        rule: `${section}[id=${principal.id}].publishes does not list ${event.type}`,
        message: `${principal.kind} "${principal.id}" may not publish ${event.type}`,
      };
    }
    return { allowed: true };
  }
}

function principalKey(kind: PrincipalKind, id: string): string {
  return `${kind}:${id}`;
}
