// Manifest rules for `csvMappings`: the mapping speaks for a declared system or partner that may
// publish its event type, fills only fields its contract has, and declares usable formats.
import type { ContractCatalog, Manifest } from '../governance/manifest.js';
import { compileCsvMapping } from './csv-mapping.js';

type Path = readonly (string | number)[];
export type CsvRuleCode = 'duplicate_id' | 'unknown_system' | 'unknown_event_type' | 'unknown_contract_version' | 'csv_mapping_invalid' | 'csv_unknown_field' | 'csv_type_not_published';

export function checkCsvMappings(manifest: Manifest, catalog: ContractCatalog, report: (path: Path, code: CsvRuleCode, message: string, hint: string) => void): void {
  const seen = new Map<string, number>();
  const publishers = new Map([...manifest.systems, ...manifest.partners].map((p) => [p.id, p]));
  manifest.csvMappings.forEach((mapping, index) => {
    const at = (...rest: (string | number)[]): Path => ['csvMappings', index, ...rest];
    const first = seen.get(mapping.id);
    if (first === undefined) seen.set(mapping.id, index);
    else report(at('id'), 'duplicate_id', `id "${mapping.id}" is already used by csvMappings[${first}]`, 'give each mapping its own id: it is the :mapping of POST /v1/inbound/csv/:mapping');
    const publisher = publishers.get(mapping.source);
    if (publisher === undefined) {
      report(at('source'), 'unknown_system', `source "${mapping.source}" is neither a system nor a partner`, 'name the system or partner whose export this is');
    } else if (!publisher.publishes.includes(mapping.eventType)) {
      report(at('eventType'), 'csv_type_not_published', `${mapping.source} may not publish ${mapping.eventType}, so every row of this mapping would be refused${publisher.mode === 'observe' ? ' in enforce mode' : ''}`, `add ${mapping.eventType} to the publishes of ${mapping.source}`);
    }
    const versions = catalog.versions.get(mapping.eventType);
    const version = mapping.dataversion ?? 1;
    if (versions === undefined) {
      report(at('eventType'), 'unknown_event_type', `no contract declares event type ${mapping.eventType}`, 'use an event type of the contracts folder');
    } else if (!versions.includes(version)) {
      report(at('dataversion'), 'unknown_contract_version', `${mapping.eventType} has no contract version ${version}`, `use one of ${versions.join(', ')}`);
    } else {
      const fields = catalog.fields?.get(`${mapping.eventType}@${version}`);
      for (const path of Object.keys(mapping.fields)) {
        if (fields !== undefined && !fields.has(path)) {
          report(at('fields', path), 'csv_unknown_field', `${mapping.eventType} v${version} has no field ${path}`, `the contract's fields are ${[...fields].join(', ')}`);
        }
      }
    }
    const compiled = compileCsvMapping(mapping);
    if (!compiled.ok) {
      for (const problem of compiled.problems) report(at(...problem.path), 'csv_mapping_invalid', problem.message, 'see docs/csv.md for the mapping reference');
    }
  });
}
