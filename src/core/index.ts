// Public surface of the pure domain core.
export { ContractRegistry, CONTRACT_ANNOTATIONS } from './contracts/contract-registry.js';
export type { ContractInfo, ContractSet, EnvelopeCheck, EventCheck, SchemaDocument } from './contracts/contract-registry.js';
export { canonicalEventJson, canonicalJson, dataVersionOf, eventKey, HUB_ATTRIBUTES } from './envelope.js';
export type { CloudEvent, StoredEvent } from './envelope.js';
export { ContractViolationError, ERROR_CATALOGUE, isMillraceError, MillraceError } from './errors.js';
export type { ErrorCode, Violation } from './errors.js';
export { PublishingAuthority } from './governance/authority.js';
export type { AuthorityDecision, Principal } from './governance/authority.js';
export { checkManifest, sourceOf } from './governance/manifest.js';
export type {
  HubSettings,
  Manifest,
  ManifestCheck,
  ManifestProblem,
  PartnerDeclaration,
  PrincipalKind,
  SystemDeclaration,
  TeamDeclaration,
} from './governance/manifest.js';
export { MANIFEST_SCHEMA } from './governance/manifest.schema.js';
export { planBatch, sequencesOf } from './log/append-plan.js';
export type { BatchPlan, KnownEvent, PlannedConflict, PlannedEvent } from './log/append-plan.js';
export { inlineRefs } from './contracts/inline-refs.js';
