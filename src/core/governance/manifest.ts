// The governance manifest: who may publish what. This is the minimal model (systems, partners,
// teams, hub settings); the loader keeps the document's positions so later rules can grow it.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { P2PPolicySettings } from '../p2p/p2p-policy.js';
import { MANIFEST_SCHEMA } from './manifest.schema.js';

/** Systems and partners publish; operators (people, keys made with `keys add --operator`) read and resolve. */
export type PrincipalKind = 'system' | 'partner' | 'operator';

export interface SystemDeclaration {
  readonly id: string;
  readonly kind: string;
  readonly name?: string;
  readonly plant?: string;
  readonly publishes: readonly string[];
}

export interface PartnerDeclaration {
  readonly id: string;
  readonly name?: string;
  readonly supplierId: string;
  readonly protocols: readonly string[];
  readonly publishes: readonly string[];
}

export interface TeamDeclaration {
  readonly id: string;
  readonly name?: string;
}

/** Settings a manifest may carry for the hub process; flags and MILLRACE_* variables override them. */
export interface HubSettings {
  readonly port?: number;
  readonly host?: string;
  readonly store?: string;
  readonly bodyLimit?: string | number;
  readonly logLevel?: string;
}

export interface Manifest {
  readonly version: 1;
  readonly enterprise: { readonly name: string };
  readonly hub: HubSettings;
  readonly slas: NonNullable<P2PPolicySettings['slas']>;
  readonly tolerances: NonNullable<P2PPolicySettings['tolerances']>;
  readonly exceptionOwners: Readonly<Record<string, string>>;
  readonly masterData: { readonly unitConversions?: NonNullable<P2PPolicySettings['unitConversions']>; readonly suppliers?: readonly string[] };
  readonly teams: readonly TeamDeclaration[];
  readonly systems: readonly SystemDeclaration[];
  readonly partners: readonly PartnerDeclaration[];
}

/** A problem found in a manifest, located by its path in the document (e.g. `systems/2/publishes/0`). */
export interface ManifestProblem {
  readonly path: readonly (string | number)[];
  readonly code: string;
  readonly message: string;
}

export type ManifestCheck =
  | { readonly ok: true; readonly manifest: Manifest }
  | { readonly ok: false; readonly problems: readonly ManifestProblem[] };

const ajv = new Ajv2020({ strict: true, allErrors: true, useDefaults: true, allowUnionTypes: true });
const validateShape = ajv.compile(MANIFEST_SCHEMA);

/**
 * Checks a parsed manifest document: its shape, then the cross references the shape cannot
 * express. `publishableTypes` are the inbound event types the contract registry knows.
 * Every problem is returned, not only the first.
 */
export function checkManifest(document: unknown, publishableTypes: ReadonlySet<string>): ManifestCheck {
  // useDefaults fills absent lists in place: work on a copy so the caller's document is unchanged.
  const candidate: unknown = structuredClone(document);
  if (!validateShape(candidate)) {
    const problems = (validateShape.errors ?? []).map((error) => ({
      path: pointerToPath(error.instancePath),
      code: 'manifest_shape',
      message: shapeMessage(error.keyword, error.params as Record<string, unknown>, error.message),
    }));
    return { ok: false, problems };
  }
  const manifest = candidate as unknown as Manifest;
  const problems: ManifestProblem[] = [];
  const principalIds = new Map<string, string>();
  const declare = (section: 'systems' | 'partners', index: number, id: string) => {
    const earlier = principalIds.get(id);
    if (earlier !== undefined) {
      problems.push({ path: [section, index, 'id'], code: 'duplicate_id', message: `id "${id}" is already declared at ${earlier}` });
    } else {
      principalIds.set(id, `${section}/${index}`);
    }
  };
  const checkPublishes = (section: 'systems' | 'partners', index: number, publishes: readonly string[]) => {
    publishes.forEach((type, i) => {
      if (!publishableTypes.has(type)) {
        problems.push({
          path: [section, index, 'publishes', i],
          code: 'unknown_event_type',
          message: `"${type}" is not an inbound event type with a contract (derived types are published by the hub only)`,
        });
      }
    });
  };
  manifest.systems.forEach((system, index) => {
    declare('systems', index, system.id);
    checkPublishes('systems', index, system.publishes);
  });
  manifest.partners.forEach((partner, index) => {
    declare('partners', index, partner.id);
    checkPublishes('partners', index, partner.publishes);
  });
  const teamIds = new Set<string>();
  manifest.teams.forEach((team, index) => {
    if (teamIds.has(team.id)) problems.push({ path: ['teams', index, 'id'], code: 'duplicate_id', message: `team "${team.id}" is declared twice` });
    teamIds.add(team.id);
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, manifest: deepFreeze(manifest) };
}

/** The P2P policy settings a manifest declares. */
export function p2pSettingsOf(manifest: Manifest): P2PPolicySettings {
  return {
    slas: manifest.slas,
    tolerances: manifest.tolerances,
    exceptionOwners: manifest.exceptionOwners,
    ...(manifest.masterData.unitConversions === undefined ? {} : { unitConversions: manifest.masterData.unitConversions }),
    // Supplier master data, when kept, includes every partner the manifest declares.
    ...(manifest.masterData.suppliers === undefined ? {} : { suppliers: [...manifest.masterData.suppliers, ...manifest.partners.map((p) => p.supplierId)] }),
  };
}

/** The `source` URI reference a principal must put on the events it publishes. */
export function sourceOf(kind: PrincipalKind, id: string): string {
  return `/${kind}s/${id}`;
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function shapeMessage(keyword: string, params: Record<string, unknown>, fallback: string | undefined): string {
  if (keyword === 'required') return `missing required property "${String(params.missingProperty)}"`;
  if (keyword === 'additionalProperties') return `unknown property "${String(params.additionalProperty)}"`;
  if (keyword === 'enum') return `must be one of ${JSON.stringify(params.allowedValues)}`;
  return fallback ?? keyword;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value as Record<string, unknown>)) deepFreeze(item);
  }
  return value;
}
