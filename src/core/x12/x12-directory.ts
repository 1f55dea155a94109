// The manifest as an X12 directory: partners and systems by their interchange ids, and the
// master data that turns their local codes into canonical ids.
import type { Manifest } from '../governance/manifest.js';
import { sourceOf } from '../governance/manifest.js';
import type { X12Directory, X12Party } from './x12-mapping.js';

export function manifestDirectory(manifest: Manifest): X12Directory {
  const parties = new Map<string, X12Party>();
  for (const partner of manifest.partners) {
    if (partner.x12 !== undefined) parties.set(key(partner.x12.qualifier, partner.x12.id), { kind: 'partner', id: partner.id, source: sourceOf('partner', partner.id), supplierId: partner.supplierId });
  }
  for (const system of manifest.systems) {
    if (system.x12 !== undefined) parties.set(key(system.x12.qualifier, system.x12.id), { kind: 'system', id: system.id, source: sourceOf('system', system.id), supplierId: undefined });
  }
  const { itemCodes = {}, supplierCodes = {} } = manifest.masterData;
  return {
    party: (qualifier, id) => parties.get(key(qualifier, id)),
    receiver: (qualifier, id) => parties.get(key(qualifier, id)),
    itemId: (partyId, code) => itemCodes[partyId]?.[code],
    supplierId: (partyId, code) => supplierCodes[partyId]?.[code],
  };
}

/** The party a principal is, for the check that an interchange's sender is the caller. */
export function partyOfPrincipal(manifest: Manifest, kind: string, id: string): { readonly qualifier: string; readonly id: string } | undefined {
  if (kind === 'partner') return manifest.partners.find((p) => p.id === id)?.x12;
  if (kind === 'system') return manifest.systems.find((s) => s.id === id)?.x12;
  return undefined;
}

function key(qualifier: string, id: string): string {
  return `${qualifier}:${id.trim()}`;
}
