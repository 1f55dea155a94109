// JSON Schema of the governance manifest (millrace.yaml). Absent lists default to empty.

const identifier = { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' } as const;
const eventTypeList = {
  type: 'array',
  items: { type: 'string', pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9_]*)+$' },
  uniqueItems: true,
  default: [],
} as const;

const decimal = { type: 'string', pattern: '^(0|[1-9][0-9]*)(\\.[0-9]+)?$' } as const;
const duration = { type: 'string', pattern: '^[1-9][0-9]*[mhd]$', description: 'A duration: 90m, 24h, 5d.' } as const;

export const MANIFEST_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://millrace.dev/schemas/manifest/v1.schema.json',
  title: 'Millrace governance manifest',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'enterprise'],
  properties: {
    version: { const: 1, description: 'Manifest format version.' },
    enterprise: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1 } },
    },
    hub: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Settings for the hub process; command-line flags and MILLRACE_* variables override them.',
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        host: { type: 'string', minLength: 1 },
        store: { type: 'string', minLength: 1, description: 'sqlite:PATH or postgres://...' },
        bodyLimit: { type: ['string', 'integer'], description: 'Largest accepted request body, e.g. 5MB or 1048576.' },
        logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
      },
    },
    teams: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id'],
        properties: { id: identifier, name: { type: 'string' } },
      },
    },
    systems: {
      type: 'array',
      default: [],
      description: 'Internal systems (ERP, MES, WMS, AP automation, ...). Their events carry source /systems/<id>.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'kind'],
        properties: {
          id: identifier,
          kind: { type: 'string', pattern: '^[a-z][a-z0-9-]*$', description: 'erp, mes, wms, portal, tms, ap, edi-gateway, ...' },
          name: { type: 'string' },
          plant: { type: 'string', pattern: '^[A-Z0-9][A-Z0-9-]{0,15}$' },
          publishes: eventTypeList,
        },
      },
    },
    slas: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Deadlines per workflow stage (defaults from DESIGN.md section 3).',
      properties: {
        supplier_confirmation: { ...duration, description: 'Supplier confirms a released or changed PO line within this time (default 24h).' },
        receipt_after_eta: { ...duration, description: 'The plant receives a shipment within this time after its ETA (default 24h).' },
        invoice_hold: { ...duration, description: 'An invoice held for its goods receipt waits this long before receipt_missing (default 5d).' },
        purchase_order_missing: { ...duration, description: 'A receipt or invoice for an unknown PO line waits this long for the PO (default 4h).' },
      },
    },
    tolerances: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Match and confirmation tolerances.',
      properties: {
        pricePercent: { ...decimal, description: 'Invoice unit price may differ from the PO price by this percentage (default 2).' },
        priceAbsolute: { ...decimal, description: 'When set, the unit price difference must also be at most this amount.' },
        quantity: { ...decimal, description: 'Invoiced may exceed received and ordered by this quantity (default 0).' },
        overReceiptPercent: { ...decimal, description: 'Received may exceed ordered by this percentage (default 0).' },
        confirmationQuantityPercent: decimal,
        confirmationPricePercent: decimal,
        confirmationDateDays: { type: 'integer', minimum: 0 },
      },
    },
    exceptionOwners: {
      type: 'object',
      default: {},
      description: 'Team owning each exception code; {plant} is replaced by the plant code in lower case (receiving-{plant}).',
      propertyNames: { pattern: '^[a-z][a-z0-9_]*$' },
      additionalProperties: { type: 'string', pattern: '^[a-z0-9{][a-z0-9._{}-]{0,63}$' },
    },
    masterData: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        suppliers: {
          type: 'array',
          description: 'Canonical supplier ids master data knows; a PO to another supplier is a master_data_gap. The partners count as known.',
          items: { type: 'string', minLength: 1, maxLength: 64 },
          uniqueItems: true,
        },
        unitConversions: {
          type: 'object',
          description: 'Per item, the size of each unit in a common base: { ITM-1: { EA: "1", BOX: "12" } } means 1 BOX = 12 EA.',
          additionalProperties: {
            type: 'object',
            propertyNames: { pattern: '^[A-Z][A-Z0-9_]{0,9}$' },
            additionalProperties: { type: 'string', pattern: '^(0\\.[0-9]*[1-9][0-9]*|[1-9][0-9]*(\\.[0-9]+)?)$' },
          },
        },
      },
    },
    partners: {
      type: 'array',
      default: [],
      description: 'External partners (suppliers). Their events carry source /partners/<id>.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'supplierId'],
        properties: {
          id: identifier,
          name: { type: 'string' },
          supplierId: { type: 'string', minLength: 1, maxLength: 64 },
          protocols: { type: 'array', items: { enum: ['api', 'x12', 'csv', 'portal'] }, uniqueItems: true, default: ['api'] },
          publishes: eventTypeList,
        },
      },
    },
  },
} as const;
