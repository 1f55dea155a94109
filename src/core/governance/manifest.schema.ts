// JSON Schema of the governance manifest (millrace.yaml). Absent lists default to empty.

const identifier = { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' } as const;
const eventTypeList = {
  type: 'array',
  items: { type: 'string', pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9_]*)+$' },
  uniqueItems: true,
  default: [],
} as const;

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
