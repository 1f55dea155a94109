// Public surface of the pure domain core.
export { ContractRegistry, CONTRACT_ANNOTATIONS, contractDeclarationProblem } from './contracts/contract-registry.js';
export type { ContractCatalog, ContractInfo, ContractSet, EnvelopeCheck, EventCheck, SchemaDocument, VersionsInForce } from './contracts/contract-registry.js';
export { EMPTY_READER_PLAN, EventUpcaster, project } from './contracts/upcasting.js';
export type { EventData, KnownShape, ProjectedVersions, ReaderPlan, Upcaster } from './contracts/upcasting.js';
export { openReader, planReaders } from './contracts/reader-plan.js';
export type { LabelledContract, ReaderPlanCheck, ReaderPlanInput, UnreadableVersion } from './contracts/reader-plan.js';
export { SHIPPED_UPCASTERS } from './contracts/upcasters/shipped-upcasters.js';
export { arrivedAs, canonicalEventJson, canonicalJson, dataVersionOf, derivedEvent, eventKey, GOVERNANCE_MARKS, HUB_ATTRIBUTES, MILLRACE_SOURCE, rememberArrival, TRACE_ATTRIBUTES, traceContextOf, traceIdOf, withTraceContext } from './envelope.js';
export { illFormedAt, mayHoldSurrogateEscape } from './well-formed.js';
export type { CloudEvent, StoredEvent } from './envelope.js';
export { ContractViolationError, ERROR_CATALOGUE, isMillraceError, MillraceError, shownValue, SHOWN_URL_CHARACTERS, submissionCode } from './errors.js';
export type { ContractViolationCode, ErrorCode, Violation } from './errors.js';
export { PublishingAuthority, ReadScopes } from './governance/authority.js';
export { countFlows, governanceCoverage } from './governance/coverage.js';
export type { FlowCount, FlowCoverage, GovernanceCoverage } from './governance/coverage.js';
export type { AuthorityDecision, LagBreach, OperatorRole, Principal, ReadScope } from './governance/authority.js';
export { checkManifest, p2pSettingsOf, plantSettingsOf, sourceOf } from './governance/manifest.js';
export { ALIGNMENT_MARK, alignedEvent, alignerOf, MasterDataAligner, markAligned, masterDataOwnerOf } from './governance/master-data-alignment.js';
export type { Alignment, AlignmentTables, CanonicalIds, CodeGap, CodeKind, CodeMapping } from './governance/master-data-alignment.js';
export type {
  DomainDeclaration,
  DomainRole,
  HubSettings,
  MaintenanceWindow,
  Manifest,
  ManifestCheck,
  ManifestProblem,
  PartnerDeclaration,
  PrincipalKind,
  SourceMode,
  SubscriptionDeclaration,
  SystemDeclaration,
  TeamDeclaration,
} from './governance/manifest.js';
export { DIFF_KINDS, DIFF_SECTIONS, diffManifests, subscriptionDrift, subscriptionWithdrawals } from './governance/manifest-diff.js';
export type { ContractVerdict, DeliveryWithdrawal, DiffKind, DiffSection, ManifestChange, ManifestDiff, ManifestSide, PublisherRef, RecordedSubscription, SubscriberRef, SubscriptionDrift } from './governance/manifest-diff.js';
export { AWAITED_AT, IN_FLIGHT_STAGES, SLA_STAGES, TOLERANCE_APPLIES_ON } from './governance/manifest-impact.js';
export type { DiffImpact, ExceptionGroup, InFlightStage, LineGroup, Touches, WorkflowCensus } from './governance/manifest-impact.js';
export { MANIFEST_RULES } from './governance/manifest-rules.js';
export { isPostgresUrl, parseByteSize, parseHost, parseHttpUrl, parseMetricsAuth, parseStoreUrl } from './governance/hub-settings.js';
export type { MetricsAuth } from './governance/hub-settings.js';
export { EXCEPTION_CODES } from './governance/exception-codes.js';
export type { ManifestRuleCode } from './governance/manifest-rules.js';
export { MANIFEST_SCHEMA } from './governance/manifest.schema.js';
export { placePlanned, planBatch, sameBody, storedBody } from './log/append-plan.js';
export type { BatchPlan, KnownEvent, NewPlannedEvent, PlannedConflict, PlannedEvent } from './log/append-plan.js';
export { inlineRefs } from './contracts/inline-refs.js';
export { deeperThan, depthBound, MAX_SCHEMA_DEPTH, schemaDepthProblem } from './contracts/depth-bound.js';
export { asDraft07, asyncApiCatalogue } from './contracts/asyncapi-catalogue.js';
export type { AsyncApiCatalogueInput, AsyncApiChannel, AsyncApiDocument, AsyncApiMessage, AsyncApiOperation, CataloguePublisher, CatalogueSubscriber } from './contracts/asyncapi-catalogue.js';
export { changeKindTable, checkCompatibility, COMPATIBILITY_MODES, isCompatibilityMode, SchemaInputError, CHANGE_KINDS } from './contracts/compatibility.js';
export type { ChangeEffect, ChangeKind, CompatibilityChange, CompatibilityInput, CompatibilityMode, CompatibilityReport, SchemaVersion } from './contracts/compatibility.js';
export { applyExceptionEvent, exceptionIdOf } from './exceptions/exception-projection.js';
export type { ExceptionView } from './exceptions/exception-projection.js';
export { amount, Dec, dec, minorUnits, str, sum, ZERO } from './money.js';
export { addMs, formatDuration, isAfter, readInstant, toMs, utc } from './time.js';
export { decideLine } from './p2p/p2p-decide.js';
export type { DecisionContext } from './p2p/p2p-decide.js';
export { evolveLine, itemsFor } from './p2p/p2p-evolve.js';
export type { Convert } from './p2p/p2p-evolve.js';
export { DEFAULT_EXCEPTION_OWNERS, DEFAULT_SLAS, DEFAULT_TOLERANCES, P2P_EXCEPTION_CODES, p2pPolicy, parseDuration } from './p2p/p2p-policy.js';
export type { P2PExceptionCode, P2PPolicy, P2PPolicySettings, P2PSla, ToleranceSettings } from './p2p/p2p-policy.js';
export { BillingDocuments, billingDocumentKey, isRecordedDecision, P2P_INPUT_TYPES, routeP2P } from './p2p/p2p-routing.js';
export type { LineRef, P2PRoute } from './p2p/p2p-routing.js';
export {
  activeDeadlines,
  emptyLine,
  lineFromJson,
  restoreLine,
  invoicedOf,
  stoppedOf,
  isConfirmed,
  lineKey,
  matchedOf,
  nextDueOf,
  openExceptionsOf,
  openGrirOf,
  orderedOf,
  P2P_STAGES,
  receivedOf,
  rejectedOf,
  shippedOf,
  stageOf,
} from './p2p/p2p-state.js';
export type { ActiveDeadline, InvoiceRecord, P2PLine, P2PStage, PoLineTerms, ReceiptRecord } from './p2p/p2p-state.js';
export { isPriceWithinTolerance, matchInvoice, pricePercent } from './p2p/three-way-match.js';
export type { MatchPosition, MatchVerdict } from './p2p/three-way-match.js';
export { applyEvent, dueBreaches, keysFor, LineSet, partitionOf } from './p2p/p2p-engine.js';
export type { Applied, ApplyOptions } from './p2p/p2p-engine.js';
export { summarizeLine } from './p2p/p2p-view.js';
export type { LineSummary } from './p2p/p2p-view.js';
export { p2pKpis, percentile } from './kpis/p2p-kpis.js';
export type { AsnStats, DurationStats, GroupKpis, KpiWindow, MatchStats, P2PKpis, RecoveryStats } from './kpis/p2p-kpis.js';
export { FUNNEL_STEPS, p2pFunnel } from './kpis/p2p-funnel.js';
export { syncLagBySource } from './kpis/sync-lag.js';
export type { LagSample, SourceLag } from './kpis/sync-lag.js';
export type { FunnelCounts, FunnelDrop, FunnelStep, FunnelStepCount, P2PFunnel } from './kpis/p2p-funnel.js';
export { lineGaps } from './p2p/p2p-gaps.js';
export { AGE_BUCKETS, stuckStages, WAITING_STAGES, waitingOf } from './p2p/p2p-stuck.js';
export type { StageSummary, WaitingLine, WaitingStage } from './p2p/p2p-stuck.js';
export type { LineGap } from './p2p/p2p-gaps.js';
export { deliveredBody, deliveryIdOf, deliveryKeyOf, matchesSubscription, plantsOf, subscriptionRulesOf } from './delivery/subscription-match.js';
export { afterAttempt, DEFAULT_DELIVERY_SETTINGS, DELIVERY_STATUSES, deliverySettingsOf, OUTSTANDING_DELIVERY_STATUSES, parseDeliveryDuration, retryDelayMs } from './delivery/delivery-policy.js';
export type { AttemptOutcome, AttemptResult, DeliverySettings, DeliveryStatus } from './delivery/delivery-policy.js';
export { maintenanceWaitUntil } from './delivery/maintenance-window.js';
export { baseUnitOf, unitConverter } from './units.js';
export type { UnitConversions } from './units.js';
export { SeededRandom } from './seeded-random.js';
export { fnv1a, fnv1aHex } from './short-hash.js';
export { runSteps } from './steps.js';
export type { Steps } from './steps.js';
export {
  DEFAULT_PLANT_EXCEPTION_OWNERS,
  DEFAULT_PLANT_SLAS,
  isWithin,
  PLANT_EXCEPTION_CODES,
  plantPolicy,
} from './plant/plant-policy.js';
export type { PlantExceptionCode, PlantPolicy, PlantPolicySettings, PlantSla, StandardCost, Tolerance, ToleranceValue, TransitLane } from './plant/plant-policy.js';
export type { ActiveDeadline as PlantActiveDeadline, DeadlineRecord as PlantDeadlineRecord, ExceptionRecord as PlantExceptionRecord, PlantDecisionContext, PlantWorkflow } from './plant/plant-workflow.js';
export { nextDue as nextPlantDueOf, openExceptions as openPlantExceptionsOf } from './plant/plant-workflow.js';
export { PLANT_INPUT_TYPES, routePlant } from './plant/plant-routing.js';
export type { PlantKey } from './plant/plant-routing.js';
export { activePlantDeadlines, applyPlantEvent, duePlantBreaches, PlantStateSet } from './plant/plant-engine.js';
export type { PlantApplied, PlantState, PlantStates, TaggedPlantState } from './plant/plant-engine.js';
export { decideOrder } from './plant/p2i-decide.js';
export { evolveOrder } from './plant/p2i-evolve.js';
export { assessOrder, completionsInOrder, emptyOrder, orderFromJson, quantitiesOf, restoreOrder, stageOfOrder } from './plant/p2i-state.js';
export type { BomComponent, CompletionRecord, OrderAssessment, OrderMovementRecord, OrderTerms, ProductionOrderState, ProductionStage } from './plant/p2i-state.js';
export { decideTransfer } from './plant/transfer-decide.js';
export { emptyTransfer, evolveTransfer, itemsOf as transferItemsOf, plantsOf as transferPlantsOf, restoreTransfer, stageOfTransfer, transferFromJson } from './plant/transfer-state.js';
export type { TransferItem, TransferLeg, TransferStage, TransferState } from './plant/transfer-state.js';
export {
  compareItem,
  emptyInventory,
  evolveInventory,
  inventoryAccuracy,
  inventoryAccuracyByPlant,
  inventoryFromJson,
  inventoryView,
  positionOf,
  restoreInventory,
} from './plant/inventory-position.js';
export type { InTransitLine, InventoryAccuracy, InventoryView, ItemComparison, ItemPosition, PlantInventoryState } from './plant/inventory-position.js';
export { decideInventory } from './plant/inventory-reconcile.js';
export { plantLinkKey, plantRowOf, plantStateFromJson, productionOrderView, transferView } from './plant/plant-rows.js';
export type { PlantStateRow, ProductionOrderView, TransferView } from './plant/plant-rows.js';
export { ackControlNumbersNeeded, buildAcknowledgements } from './x12/x12-ack.js';
export type { AckOptions, X12Acknowledgements } from './x12/x12-ack.js';
export { generate850, X12_OUTBOUND_TYPES } from './x12/x12-850.generator.js';
export type { Generate850Input, Generated850 } from './x12/x12-850.generator.js';
export { manifestDirectory, partyOfPrincipal } from './x12/x12-directory.js';
export { readX12Events, readX12EventsInSteps, SUPPORTED_SETS, SUPPORTED_VERSIONS, x12EventId } from './x12/x12-inbound.js';
export type { X12ControlNumbers, X12Diagnostic, X12GroupReading, X12InterchangeReading, X12Reading, X12SetReading } from './x12/x12-inbound.js';
export type { X12Directory, X12Party } from './x12/x12-mapping.js';
export { readX12 } from './x12/x12-syntax.js';
export type { X12Delimiters, X12Document, X12Group, X12Interchange, X12Segment, X12TransactionSet } from './x12/x12-syntax.js';
export { DEFAULT_DELIMITERS, MAX_CONTROL_NUMBER, writeInterchange } from './x12/x12-writer.js';
export type { X12Identity } from './x12/x12-writer.js';
export { blankLines, compileCsvMapping, CSV_ROW_PROBLEMS, locateViolations, mapCsvRecords, mapCsvRecordsInSteps } from './csv/csv-mapping.js';
export type {
  CompiledCsvMapping,
  CsvFieldSpec,
  CsvFieldType,
  CsvMappingDeclaration,
  CsvMappingInput,
  CsvMappingResult,
  CsvMasterData,
  CsvRecord,
  CsvRowProblem,
  CsvRowProblemCode,
  MappedCsvEvent,
  MappingProblem,
  RejectedCsvGroup,
} from './csv/csv-mapping.js';
export { compileDateFormat, CSV_ENCODINGS, decodeCsv, firstInvalidUtf8, parseDate, parseDecimal } from './csv/csv-values.js';
export type { CsvEncoding, DecimalFormat, DecodeResult } from './csv/csv-values.js';
export { parseUntrustedJson } from './text/untrusted-json.js';
export { windows1252Bytes, windows1252Text } from './text/windows-1252.js';
export { kpiSeries, startOfUtcDay } from './kpis/kpi-series.js';
export type { KpiDay } from './kpis/kpi-series.js';
export { channelOfEvent, integrationHealth } from './visibility/integration-health.js';
export type { ChannelHealth, HealthEvent, HealthInput, HealthQuarantineEntry, HealthRefusals, HealthStatus, IntakeChannel, IntegrationHealth, LagPercentiles, SourceHealth, SubscriberHealth } from './visibility/integration-health.js';
export { compileMqttTopic, filtersOverlap, isTopicFilter, mapMqttMessage, topicMatches } from './edge/edge-mapping.js';
export type { CompiledMqttTopic, EdgeFieldSpec, EdgeMessageProblem, MappedMqttMessage, MqttDeclaration, MqttTopicDeclaration, NatsConsumerDeclaration, NatsDeclaration } from './edge/edge-mapping.js';
export { DEFAULT_EDGE_OWNER, EDGE_EXCEPTION_CODES, edgeExceptionOwner } from './edge/edge-owners.js';
export type { EdgeExceptionCode } from './edge/edge-owners.js';
export { advancePosition, judgeSequence } from './edge/sequence-check.js';
export type { MessageStanding, PublisherPosition, SequenceVerdict } from './edge/sequence-check.js';
export { buildEnterprise, ERP_MAINTENANCE, ERP_WEBHOOK_SECRET, RECEIPTS_SUBSCRIPTION, SCENARIO_DEFAULTS, SCENARIO_LIMITS, scenarioManifest } from './scenario/scenario-enterprise.js';
export type { Enterprise, ScenarioOptions, ScenarioPlant, ScenarioSupplier } from './scenario/scenario-enterprise.js';
export { DAY, generateScenario, TICK_MS } from './scenario/scenario-traffic.js';
export type { Channel, DoorOutcome, LinePlan, Scenario, ScenarioMessage, Sender } from './scenario/scenario-traffic.js';
export { expectedOutcome, ownerOfException, pointToPointComparison } from './scenario/scenario-outcome.js';
export type { ExpectedOutcome, GovernanceComparison } from './scenario/scenario-outcome.js';
