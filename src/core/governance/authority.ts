// Publishing authority: a credential speaks for one system or partner, which may publish only
// under its own source and only the event types the manifest grants it.
import type { CloudEvent } from '../envelope.js';
import { parseDuration } from '../p2p/p2p-policy.js';
import { toMs } from '../time.js';
import type { Manifest, PrincipalKind, SourceMode } from './manifest.js';
import { sourceOf } from './manifest.js';

/** Who is calling: the system or partner an API key belongs to. */
export interface Principal {
  readonly kind: PrincipalKind;
  readonly id: string;
  /** Operators only: `viewer` reads, `operator` also resolves exceptions. */
  readonly role?: OperatorRole;
}

export type OperatorRole = 'viewer' | 'operator';

/**
 * What a principal may read of the business objects (docs/adr/0055): everything (operators, and
 * systems the manifest declares without a plant), one supplier's (a partner), one plant's (a
 * system the manifest ties to a plant), or nothing (a key of a system or partner the manifest no
 * longer declares).
 */
export type ReadScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'supplier'; readonly supplierId: string }
  | { readonly kind: 'plant'; readonly plant: string }
  | { readonly kind: 'none' };

const READ_ALL: ReadScope = Object.freeze({ kind: 'all' });
const READ_NONE: ReadScope = Object.freeze({ kind: 'none' });

/** The read scopes of a manifest's systems and partners, resolved once. */
export class ReadScopes {
  private readonly scopes = new Map<string, ReadScope>();

  constructor(manifest: Pick<Manifest, 'systems' | 'partners'>) {
    for (const system of manifest.systems) {
      this.scopes.set(principalKey('system', system.id), system.plant === undefined ? READ_ALL : Object.freeze({ kind: 'plant', plant: system.plant }));
    }
    for (const partner of manifest.partners) this.scopes.set(principalKey('partner', partner.id), Object.freeze({ kind: 'supplier', supplierId: partner.supplierId }));
  }

  of(principal: Principal): ReadScope {
    if (principal.kind === 'operator') return READ_ALL;
    // A key outlives the manifest entry it was made for: a removed system or partner reads nothing.
    return this.scopes.get(principalKey(principal.kind, principal.id)) ?? READ_NONE;
  }
}

/**
 * `ungoverned`: allowed only because the source is in `observe` mode; it names the rule that
 * would refuse the event in `enforce` mode, and the hub records it on the stored event.
 */
export type AuthorityDecision =
  | { readonly allowed: true; readonly ungoverned?: string }
  | { readonly allowed: false; readonly code: 'forbidden_source' | 'forbidden_event_type'; readonly rule: string; readonly message: string };

/** An event that reached the hub later after its `time` than its source's maximum sync lag. */
export interface LagBreach {
  readonly lagMs: number;
  readonly maxLagMs: number;
  /** The manifest entry that sets the limit, e.g. `systems[id=mes-p01].maxLag.goods.received`. */
  readonly rule: string;
}

interface Grant {
  readonly publishes: ReadonlySet<string>;
  readonly mode: SourceMode;
  /** Maximum lag in ms per event type, `default` for the rest. */
  readonly maxLagMs: ReadonlyMap<string, number>;
  readonly rateLimit?: { readonly perMinute: number };
}

/** Publishing rights resolved once per manifest, so the per-event check is two lookups. */
export class PublishingAuthority {
  private readonly grants = new Map<string, Grant>();
  private readonly suppliers = new Map<string, string>();
  private readonly resolved = new WeakMap<Principal, { readonly grant: Grant | undefined; readonly source: string }>();
  private readonly reads: ReadScopes;

  constructor(manifest: Manifest) {
    this.reads = new ReadScopes(manifest);
    for (const system of manifest.systems) this.grants.set(principalKey('system', system.id), grantOf(system));
    for (const partner of manifest.partners) {
      this.grants.set(principalKey('partner', partner.id), grantOf(partner));
      this.suppliers.set(partner.id, partner.supplierId);
    }
  }

  /**
   * A principal's grant and source, looked up once per principal object (an authenticator keeps
   * one per credential while it trusts it): the checks of every request ask for them.
   */
  private resolve(principal: Principal): { readonly grant: Grant | undefined; readonly source: string } {
    let resolved = this.resolved.get(principal);
    if (resolved === undefined) {
      resolved = { grant: this.grants.get(principalKey(principal.kind, principal.id)), source: sourceOf(principal.kind, principal.id) };
      this.resolved.set(principal, resolved);
    }
    return resolved;
  }

  /** The source's mode; undefined for a principal the manifest does not declare (operators too). */
  modeOf(principal: Principal): SourceMode | undefined {
    return this.resolve(principal).grant?.mode;
  }

  /** Requests per minute the manifest allows this principal's credentials; undefined: no limit. */
  rateLimitOf(principal: Principal): number | undefined {
    return this.resolve(principal).grant?.rateLimit?.perMinute;
  }

  /**
   * Whether an event came later than its source's maximum sync lag allows: `receivedTime`
   * minus the event's `time`, against `maxLag[type]` or `maxLag.default`. Undefined when it
   * came in time or no limit applies.
   */
  lagBreach(principal: Principal, event: Pick<CloudEvent, 'type' | 'time'>, receivedMs: number): LagBreach | undefined {
    const grant = this.resolve(principal).grant;
    if (grant === undefined || grant.maxLagMs.size === 0) return undefined;
    const specific = grant.maxLagMs.get(event.type);
    const maxLagMs = specific ?? grant.maxLagMs.get('default');
    if (maxLagMs === undefined) return undefined;
    const lagMs = receivedMs - toMs(event.time);
    if (!(lagMs > maxLagMs)) return undefined;
    const section = principal.kind === 'system' ? 'systems' : 'partners';
    return { lagMs, maxLagMs, rule: `${section}[id=${principal.id}].maxLag.${specific === undefined ? 'default' : event.type}` };
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

  /** What the principal may read (the read API's object scope; the intake uses supplierScopeOf). */
  readScopeOf(principal: Principal): ReadScope {
    return this.reads.of(principal);
  }

  /** Whether the manifest declares this principal at all (a key for a removed system is useless). */
  knows(principal: Principal): boolean {
    return this.resolve(principal).grant !== undefined;
  }

  decide(principal: Principal, event: Pick<CloudEvent, 'source' | 'type'>): AuthorityDecision {
    const { source: expectedSource, grant: granted } = this.resolve(principal);
    if (event.source !== expectedSource) {
      return {
        allowed: false,
        code: 'forbidden_source',
        rule: `a credential of ${principal.kind} "${principal.id}" publishes only with source ${expectedSource}`,
        message: `source ${event.source} is not the caller's (${expectedSource})`,
      };
    }
    if (granted === undefined || !granted.publishes.has(event.type)) {
      const section = principal.kind === 'system' ? 'systems' : 'partners';
      const rule = `${section}[id=${principal.id}].publishes does not list ${event.type}`;
      // A source under observation is let through and its event marked; a spoofed source never is.
      if (granted?.mode === 'observe') return { allowed: true, ungoverned: rule };
      return { allowed: false, code: 'forbidden_event_type', rule, message: `${principal.kind} "${principal.id}" may not publish ${event.type}` };
    }
    return ALLOWED;
  }
}

/** The decision for nearly every event, made once. */
const ALLOWED: AuthorityDecision = Object.freeze({ allowed: true });

function grantOf(publisher: Manifest['systems'][number] | Manifest['partners'][number]): Grant {
  const maxLagMs = new Map<string, number>();
  for (const [type, text] of Object.entries(publisher.maxLag ?? {})) {
    const ms = parseDuration(text);
    if (ms !== undefined) maxLagMs.set(type, ms);
  }
  return {
    publishes: new Set(publisher.publishes),
    mode: publisher.mode,
    maxLagMs,
    ...(publisher.rateLimit === undefined ? {} : { rateLimit: publisher.rateLimit }),
  };
}

function principalKey(kind: PrincipalKind, id: string): string {
  return `${kind}:${id}`;
}
