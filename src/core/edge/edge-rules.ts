// Manifest rules for `mqtt` and `nats`: each topic and consumer speaks for a declared system or
// partner that may publish what it carries, fills only fields its contract has, forms its
// event ids in a way a redelivery dedupes, and no message can be claimed by two topics.
import type { ContractCatalog, Manifest } from '../governance/manifest.js';
import { compileMqttTopic, filtersOverlap } from './edge-mapping.js';

type Path = readonly (string | number)[];
export type EdgeRuleCode = 'duplicate_id' | 'unknown_system' | 'unknown_event_type' | 'unknown_contract_version' | 'edge_mapping_invalid' | 'edge_unknown_field' | 'edge_type_not_published' | 'mqtt_topics_overlap';

export function checkEdge(manifest: Manifest, catalog: ContractCatalog, report: (path: Path, code: EdgeRuleCode, message: string, hint: string) => void): void {
  const publishers = new Map([...manifest.systems, ...manifest.partners].map((p) => [p.id, p]));
  const knownSource = (path: Path, source: string): boolean => {
    if (publishers.has(source)) return true;
    report(path, 'unknown_system', `source "${source}" is neither a system nor a partner`, 'name the system or partner whose messages these are');
    return false;
  };
  const topics = manifest.mqtt?.topics ?? [];
  const seen = new Map<string, number>();
  topics.forEach((topic, index) => {
    const at = (...rest: (string | number)[]): Path => ['mqtt', 'topics', index, ...rest];
    const first = seen.get(topic.id);
    if (first === undefined) seen.set(topic.id, index);
    else report(at('id'), 'duplicate_id', `id "${topic.id}" is already used by mqtt.topics[${first}]`, 'give each topic its own id: it starts the ids of its events');
    for (let other = 0; other < index; other += 1) {
      const earlier = topics[other];
      if (earlier !== undefined && filtersOverlap(earlier.filter, topic.filter)) {
        report(at('filter'), 'mqtt_topics_overlap', `topic filter ${topic.filter} overlaps mqtt.topics[${other}] (${earlier.filter}): a message on both would be taken twice, under two ids`, 'make the filters disjoint (name the levels that tell them apart)');
        break;
      }
    }
    if (knownSource(at('source'), topic.source) && topic.eventType !== undefined && !(publishers.get(topic.source)?.publishes ?? []).includes(topic.eventType)) {
      report(at('eventType'), 'edge_type_not_published', `${topic.source} may not publish ${topic.eventType}, so every message on ${topic.filter} would be quarantined`, `add ${topic.eventType} to the publishes of ${topic.source}`);
    }
    if (topic.eventType !== undefined) {
      const versions = catalog.versions.get(topic.eventType);
      const version = topic.dataversion ?? 1;
      if (versions === undefined) report(at('eventType'), 'unknown_event_type', `no contract declares event type ${topic.eventType}`, 'use an event type of the contracts folder');
      else if (!versions.includes(version)) report(at('dataversion'), 'unknown_contract_version', `${topic.eventType} has no contract version ${version}`, `use one of ${versions.join(', ')}`);
      else {
        const fields = catalog.fields?.get(`${topic.eventType}@${version}`);
        for (const path of Object.keys(topic.fields ?? {})) {
          if (fields !== undefined && !fields.has(path)) report(at('fields', path), 'edge_unknown_field', `${topic.eventType} v${version} has no field ${path}`, `the contract's fields are ${[...fields].join(', ')}`);
        }
      }
    }
    const compiled = compileMqttTopic(topic);
    if (!compiled.ok) for (const problem of compiled.problems) report(at(...problem.path), 'edge_mapping_invalid', problem.message, 'see the README section "MES over MQTT and NATS at the edge"');
  });
  const consumers = manifest.nats?.consumers ?? [];
  const ids = new Map<string, number>();
  consumers.forEach((consumer, index) => {
    const at = (...rest: (string | number)[]): Path => ['nats', 'consumers', index, ...rest];
    const first = ids.get(consumer.id);
    if (first === undefined) ids.set(consumer.id, index);
    else report(at('id'), 'duplicate_id', `id "${consumer.id}" is already used by nats.consumers[${first}]`, 'give each consumer its own id');
    knownSource(at('source'), consumer.source);
  });
}
