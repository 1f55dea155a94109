// JSON Schema of the governance manifest (millrace.yaml): the shape only. Cross references and
// governance rules (a second system of record, an owner nobody declared, ...) are checked by
// manifest-rules.ts, which `millrace lint` reports with positions and hints. Absent lists and
// sections default to empty.

const identifier = { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' } as const;
const eventType = { type: 'string', pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9_]*)+$' } as const;
const eventTypeList = { type: 'array', items: eventType, uniqueItems: true, default: [] } as const;
const plant = { type: 'string', pattern: '^[A-Z0-9][A-Z0-9-]{0,15}$' } as const;
const decimal = { type: 'string', pattern: '^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$' } as const;
const duration = { type: 'string', pattern: '^[1-9][0-9]*[mhd]$', description: 'A duration: 90m, 24h, 5d.' } as const;
const deliveryDuration = { type: 'string', pattern: '^[1-9][0-9]*(ms|s|m|h|d)$', description: 'A duration: 500ms, 30s, 10m, 1h, 2d.' } as const;
/** The patterns of the durations above, for the rule that bounds them (manifest-rules.ts). */
export const DURATION_PATTERNS: readonly string[] = [duration.pattern, deliveryDuration.pattern];
const mode = {
  enum: ['enforce', 'observe'],
  default: 'enforce',
  description: 'enforce: events that break the rules are refused; observe: accepted and flagged ungoverned (phased adoption).',
} as const;
const maxLag = {
  type: 'object',
  description: 'Longest accepted delay between an event happening (`time`) and reaching the hub, per event type ("default" for the rest). Later events are accepted and counted as lag breaches.',
  propertyNames: { anyOf: [{ const: 'default' }, eventType] },
  additionalProperties: duration,
} as const;
const cadence = {
  ...duration,
  description: 'The longest a source is expected to go without sending an event (e.g. 1h for an ERP, 1d for a nightly CSV export); integration health calls it overdue after that.',
} as const;
const rateLimit = {
  type: 'object',
  additionalProperties: false,
  required: ['perMinute'],
  description: "Requests per minute one credential of this system or partner may make; more are answered 429 with Retry-After.",
  properties: { perMinute: { type: 'integer', minimum: 1 } },
} as const;
const toleranceSet = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pricePercent: { ...decimal, description: 'Invoice unit price may differ from the PO price by this percentage (default 2).' },
    priceAbsolute: { ...decimal, description: 'When set, the unit price difference must also be at most this amount.' },
    quantity: { ...decimal, description: 'Invoiced may exceed received and ordered by this quantity (default 0).' },
    overReceiptPercent: { ...decimal, description: 'Received may exceed ordered by this percentage before an over_receipt exception (default 0); invoices may bill goods received within it.' },
    confirmationQuantityPercent: decimal,
    confirmationPricePercent: decimal,
    confirmationDateDays: { type: 'integer', minimum: 0 },
  },
} as const;
const quantityTolerance = {
  type: 'object',
  additionalProperties: false,
  description: 'A quantity difference is within tolerance when it is within either bound (both default 0).',
  properties: {
    absolute: { ...decimal, description: 'In the unit of the quantity compared.' },
    percent: { ...decimal, description: 'Percent of the expected quantity ("0.5" = 0.5 %).' },
  },
} as const;
const plantSection = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description: 'The plant workflows: production order to inventory, plant-to-plant transfers, inventory reconciliation (docs/adr/0015). The bill of material is the one each production.order.released carries.',
  properties: {
    slas: {
      type: 'object',
      additionalProperties: false,
      properties: {
        inventory_update: { ...duration, description: 'Inventory shows an MES completion within this time (default 2h); `plants` override it per plant.' },
        production_order_missing: { ...duration, description: 'A completion or receipt for an order no ERP released waits this long for the release (default 4h).' },
        transfer_receipt: { ...duration, description: 'Transit time of a transfer when no lane names it (default 72h).' },
        transfer_shipment_missing: { ...duration, description: 'A receiving leg nobody shipped waits this long for the shipping leg (default 4h).' },
      },
    },
    plants: {
      type: 'object',
      description: 'Per plant code: its own inventory update SLA.',
      propertyNames: plant,
      additionalProperties: { type: 'object', additionalProperties: false, properties: { inventoryUpdate: duration } },
    },
    lanes: {
      type: 'array',
      default: [],
      description: 'Transit time of transfers from one plant to another.',
      items: { type: 'object', additionalProperties: false, required: ['from', 'to', 'transit'], properties: { from: plant, to: plant, transit: duration } },
    },
    tolerances: {
      type: 'object',
      additionalProperties: false,
      properties: {
        production: { ...quantityTolerance, description: 'Finished goods received against the good quantity the MES completed (order unit).' },
        backflush: { ...quantityTolerance, description: 'Components issued against the bill of material (BOM unit).' },
        transfer: { ...quantityTolerance, description: 'Received against shipped on a transfer.' },
        inventory: {
          ...quantityTolerance,
          description: "A snapshot against the hub's book position; `items` override it per item.",
          properties: { ...quantityTolerance.properties, items: { type: 'object', additionalProperties: quantityTolerance } },
        },
      },
    },
  },
} as const;
const codeTable = { type: 'object', additionalProperties: { type: 'object', additionalProperties: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const x12Identity = {
  type: 'object',
  additionalProperties: false,
  required: ['qualifier', 'id'],
  description: 'Interchange identifiers (ISA05/ISA06 when they send, ISA07/ISA08 when they receive).',
  properties: { qualifier: { type: 'string', pattern: '^[0-9A-Z]{2}$' }, id: { type: 'string', minLength: 1, maxLength: 15 } },
} as const;
const weekday = { enum: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] } as const;
const clockTime = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' } as const;
/**
 * What a value of each pattern looks like, in the words a board uses: a shape problem says this
 * rather than the regular expression it failed. `unit` marks the durations, whose bare number
 * lacks only its unit.
 */
export const PATTERN_FORMS: ReadonlyMap<string, { readonly form: string; readonly unit?: true }> = new Map([
  [duration.pattern, { form: 'a duration: a whole number above 0 followed by m, h or d (90m, 24h, 5d)', unit: true }],
  [deliveryDuration.pattern, { form: 'a duration: a whole number above 0 followed by ms, s, m, h or d (500ms, 30s, 10m, 1h, 2d)', unit: true }],
  [decimal.pattern, { form: 'a decimal in quotes ("2", "0.5")' }],
  [identifier.pattern, { form: 'an id: lower-case letters, digits, ".", "_" and "-", starting with a letter or digit, at most 64 characters' }],
  [eventType.pattern, { form: 'an event type: lower-case words joined by dots (po.released)' }],
  [plant.pattern, { form: 'a plant code: upper-case letters, digits and "-", at most 16 characters (P01)' }],
  [clockTime.pattern, { form: 'a time of day, HH:MM in quotes ("02:00")' }],
]);
/** Why a decimal that is a string still fails its pattern. */
export const DECIMAL_PATTERN = decimal.pattern;

const csvField = {
  type: 'object',
  additionalProperties: false,
  properties: {
    column: { type: 'string', minLength: 1, description: 'Header name of the column.' },
    value: { type: ['string', 'number', 'boolean'], description: 'A constant instead of a column.' },
    type: { enum: ['string', 'decimal', 'integer', 'date', 'datetime', 'boolean'], description: 'string when absent; the event time is a datetime.' },
    format: { type: 'string', minLength: 1, description: 'Date format for this field (YYYY, YY, MM, M, DD, D, HH, H, mm, ss, or RFC3339).' },
    codes: { enum: ['item', 'supplier', 'unit'], description: "Cross reference: masterData.itemCodes/supplierCodes of the mapping's source, or the mapping's units." },
    values: { type: 'object', additionalProperties: { type: 'string' }, description: 'Local values and the canonical values they stand for.' },
    optional: { type: 'boolean', description: 'An empty cell leaves the field out.' },
  },
} as const;
const csvMapping = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'source', 'eventType', 'time', 'fields'],
  properties: {
    id: identifier,
    source: { ...identifier, description: 'The system or partner the file speaks for; only its credentials may send it.' },
    eventType,
    dataversion: { type: 'integer', minimum: 1, description: 'Contract version of the events (default 1).' },
    encoding: { enum: ['utf-8', 'windows-1252', 'latin1'], default: 'utf-8', description: 'A UTF-8 byte order mark overrides it; latin1 is read as windows-1252.' },
    delimiter: { type: 'string', minLength: 1, maxLength: 1, default: ',' },
    quote: { type: 'string', minLength: 1, maxLength: 1, default: '"' },
    decimal: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { separator: { enum: ['.', ','], default: '.' }, thousands: { enum: ['.', ',', ' ', "'"] } },
    },
    dates: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        format: { type: 'string', minLength: 1, default: 'YYYY-MM-DD' },
        timezone: { type: 'string', minLength: 1, default: 'UTC', description: 'IANA time zone of local date-times in the file.' },
      },
    },
    groupBy: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, description: 'Columns that gather rows into one event (one row per array item).' },
    key: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, description: 'Columns that identify the event in the source (default groupBy); without them, the file digest and line do.' },
    time: { ...csvField, description: "When the fact happened: the event's time." },
    fields: {
      type: 'object',
      description: 'Canonical field path (receiptId, lines[].quantity) to where its value comes from.',
      minProperties: 1,
      additionalProperties: csvField,
    },
    units: { type: 'object', additionalProperties: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,9}$' }, description: 'Local unit codes and the canonical units.' },
    dropFolder: { type: 'string', minLength: 1, description: 'A folder millrace serve watches for files of this mapping, relative to the manifest.' },
  },
} as const;

const edgeField = {
  type: 'object',
  additionalProperties: false,
  properties: {
    field: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$', description: 'Dot path of the value in the JSON payload (counts.good); per-line fields read within each item of the array.' },
    topicLevel: { type: 'integer', minimum: 1, description: 'The value is this level of the topic name (1 is the first).' },
    value: { type: ['string', 'number', 'boolean'], description: 'A constant.' },
    type: { enum: ['string', 'decimal', 'integer', 'date', 'datetime', 'boolean'], description: 'string when absent; decimals are best sent as strings.' },
    format: { type: 'string', minLength: 1, description: 'Date format (as in CSV mappings; default RFC3339).' },
    codes: { enum: ['item', 'supplier', 'unit'], description: "Cross reference: masterData.itemCodes/supplierCodes of the topic's source, or the topic's units." },
    values: { type: 'object', additionalProperties: { type: 'string' }, description: 'Local values and the canonical values they stand for.' },
    optional: { type: 'boolean', description: 'An absent value leaves the field out.' },
  },
} as const;
const mqttTopic = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'filter', 'source'],
  properties: {
    id: { ...identifier, description: 'Starts the ids of the events of this topic: <id>/<publisher>/<sequence>.' },
    filter: { type: 'string', minLength: 1, description: 'MQTT topic filter the hub subscribes to (QoS 1), e.g. plants/P01/mes/+/completed.' },
    source: { ...identifier, description: 'The system (or partner) the messages speak for: the door checks them as its events.' },
    format: { enum: ['json', 'cloudevent'], default: 'json', description: 'json: a plant payload mapped with fields; cloudevent: the payload is a structured-mode CloudEvent.' },
    eventType,
    dataversion: { type: 'integer', minimum: 1 },
    publisher: { ...edgeField, description: 'Who published the message (a topic level or a payload field); sequences count per publisher.' },
    sequence: { ...edgeField, description: "The publisher's message counter: a skipped number is a sequence_gap exception, a number going back a sequence_reset." },
    key: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, description: 'Payload fields that identify the event when there is no sequence.' },
    time: { ...edgeField, description: "When the fact happened: the event's time." },
    fields: { type: 'object', minProperties: 1, additionalProperties: edgeField, description: 'Canonical field path (productionOrder, lines[].quantity) to where its value comes from.' },
    dates: { type: 'object', additionalProperties: false, required: ['timezone'], properties: { timezone: { type: 'string', minLength: 1 } }, description: 'IANA time zone of local date-times in the payload.' },
    units: { type: 'object', additionalProperties: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,9}$' } },
  },
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
        store: { type: 'string', minLength: 1, description: "sqlite:PATH (a relative PATH is read from this file's folder) or postgres://..." },
        bodyLimit: { type: ['string', 'integer'], description: 'Largest accepted request body, e.g. 5MB or 1048576.' },
        edgePayloadLimit: { type: ['string', 'integer'], description: 'Largest MQTT or NATS message taken, e.g. 1MB; a larger one is kept in quarantine as payload_too_large (its first bytes only). Default: bodyLimit.' },
        dropFolderLimit: { type: ['string', 'integer'], description: 'Largest CSV drop folder file taken, e.g. 50MB; a larger one is moved to failed/ unread and kept in quarantine as payload_too_large (its first bytes only). Default: bodyLimit.' },
        logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
        otlpEndpoint: { type: 'string', minLength: 1, description: 'OTLP/HTTP collector for traces, e.g. http://127.0.0.1:4318; absent: tracing is off.' },
        metricsAuth: {
          enum: ['none', 'operator'],
          description: 'Who may scrape GET /metrics: none (no key needed, the default) or operator (an operator key, e.g. one made with keys add --operator prometheus --role viewer).',
        },
        x12: { ...x12Identity, description: "The hub's own interchange id: ISA05/ISA06 of the 850s and acknowledgements it sends." },
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
    domains: {
      type: 'array',
      default: [],
      description: 'Data domains (purchasing, inventory, finance, ...), each owned by a team.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'owner'],
        properties: {
          id: identifier,
          name: { type: 'string' },
          owner: { ...identifier, description: 'Team id.' },
          eventTypes: { ...eventTypeList, description: 'Event types whose data belongs to this domain.' },
        },
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
          plant,
          region: { type: 'string', minLength: 1, maxLength: 32 },
          roles: {
            type: 'object',
            default: {},
            description: 'Role of the system per data domain: the system of record, of execution or of engagement.',
            propertyNames: identifier,
            additionalProperties: { enum: ['record', 'execution', 'engagement'] },
          },
          publishes: eventTypeList,
          mode,
          maxLag,
          cadence,
          rateLimit,
          x12: { ...x12Identity, description: 'Interchange identifiers of a system that sends X12 itself (a buyer ERP sending 850s): ISA05/ISA06.' },
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
          mode,
          maxLag,
          cadence,
          rateLimit,
          x12: x12Identity,
          credentials: {
            type: 'array',
            description: 'Ids of the credentials (in a secret store) the partner uses; never the secrets.',
            items: { type: 'string', minLength: 1 },
            uniqueItems: true,
          },
        },
      },
    },
    contracts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        folder: {
          type: 'string',
          minLength: 1,
          description: "The board's own contracts (new event types, new versions), relative to this file; they extend the shipped contracts and may not redefine one.",
        },
        compatibility: {
          enum: ['backward', 'backward_transitive', 'forward', 'forward_transitive', 'full', 'full_transitive', 'none'],
          default: 'backward',
          description: 'What a new contract version must keep (Confluent Schema Registry modes); millrace diff checks it.',
        },
        inForce: {
          type: 'object',
          description: "Contract versions the door accepts per event type (a type left out: every version in the contracts folder, shipped or the board's); events already in the log are read whatever their version, through upcasters.",
          propertyNames: eventType,
          additionalProperties: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, uniqueItems: true },
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
        credit_memo_hold: { ...duration, description: 'A credit memo that names an invoice the PO line does not have yet waits this long for it before credited_invoice_missing (default 4h).' },
      },
    },
    tolerances: {
      ...toleranceSet,
      default: {},
      description: 'Match and confirmation tolerances; `suppliers` and `categories` override them for one supplier or item category.',
      properties: {
        ...toleranceSet.properties,
        suppliers: { type: 'object', description: 'Per canonical supplier id.', additionalProperties: toleranceSet },
        categories: { type: 'object', description: 'Per item category (the PO line itemCategory); a supplier override wins.', additionalProperties: toleranceSet },
      },
    },
    exceptionOwners: {
      type: 'object',
      default: {},
      description: 'Team owning each exception code; {plant} is replaced by the plant code in lower case (receiving-{plant}).',
      propertyNames: { pattern: '^[a-z][a-z0-9_]*$' },
      additionalProperties: { type: 'string', pattern: '^[a-z0-9{][a-z0-9._{}-]{0,63}$' },
    },
    subscriptions: {
      type: 'array',
      default: [],
      description: 'Who receives which events, how, and when not.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'subscriber', 'types', 'channel'],
        properties: {
          id: identifier,
          subscriber: { ...identifier, description: 'A system or partner id.' },
          types: { ...eventTypeList, minItems: 1 },
          filter: {
            type: 'object',
            additionalProperties: false,
            properties: { plant, supplierId: { type: 'string', minLength: 1 } },
          },
          channel: {
            type: 'object',
            required: ['kind'],
            additionalProperties: false,
            properties: {
              kind: { enum: ['webhook', 'nats', 'mqtt', 'x12'] },
              url: { type: 'string', format: 'uri' },
              subject: { type: 'string', minLength: 1 },
              topic: { type: 'string', minLength: 1 },
              secret: { type: 'string', minLength: 1, description: 'Id of the HMAC secret (in a secret store), for webhooks.' },
            },
          },
          maintenanceWindows: {
            type: 'array',
            description: 'Times when deliveries wait instead of failing.',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['days', 'from', 'to'],
              properties: {
                days: { type: 'array', items: weekday, minItems: 1, uniqueItems: true },
                from: clockTime,
                to: { ...clockTime, description: 'Earlier than `from`: the window runs past midnight.' },
                timezone: { type: 'string', minLength: 1, default: 'UTC' },
              },
            },
          },
          delivery: {
            type: 'object',
            additionalProperties: false,
            description: 'Retries of outbound deliveries: exponential backoff with jitter from initialBackoff, capped at maxBackoff; dead letter after maxAttempts.',
            properties: {
              maxAttempts: { type: 'integer', minimum: 1, maximum: 100, description: 'Attempts before a delivery is dead-lettered (default 8).' },
              initialBackoff: { ...deliveryDuration, description: 'Wait after the first failure (default 30s); doubles after each further failure.' },
              maxBackoff: { ...deliveryDuration, description: 'Longest wait between attempts (default 1h).' },
              timeout: { ...deliveryDuration, description: 'How long one attempt may take (default 10s).' },
            },
          },
        },
      },
    },
    plant: plantSection,
    csvMappings: {
      type: 'array',
      default: [],
      description: 'CSV files of legacy plant systems (POST /v1/inbound/csv/:mapping and drop folders): which columns become which canonical fields (docs/csv.md).',
      items: csvMapping,
    },
    mqtt: {
      type: 'object',
      additionalProperties: false,
      required: ['url', 'clientId'],
      description: 'MES messages over MQTT 5: the broker, the persistent session of the hub and the topics it maps to canonical events.',
      properties: {
        url: { type: 'string', pattern: '^mqtts?://', description: 'mqtt://host:1883 or mqtts://...' },
        clientId: { type: 'string', minLength: 1, maxLength: 128, description: 'Stable client id: the broker keeps the session, and the messages sent while the hub is away, under it. One per hub.' },
        sessionExpiry: { ...deliveryDuration, default: '7d', description: 'How long the broker keeps the session after the hub disconnects.' },
        topics: { type: 'array', default: [], items: mqttTopic },
      },
    },
    nats: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      description: 'NATS JetStream at the edge: durable consumers of canonical events, and the default server of nats subscriptions.',
      properties: {
        url: { type: 'string', pattern: '^nats://', description: 'nats://host:4222' },
        consumers: {
          type: 'array',
          default: [],
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'stream', 'durable', 'source'],
            properties: {
              id: identifier,
              stream: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'The JetStream stream (created by the plant).' },
              durable: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'Durable consumer name; the hub creates it when missing (explicit acks).' },
              filterSubject: { type: 'string', minLength: 1 },
              source: { ...identifier, description: 'The system whose structured-mode CloudEvents the stream carries.' },
              ackWait: { ...deliveryDuration, default: '30s', description: 'How long JetStream waits for the hub to ack before redelivering (after a crash).' },
            },
          },
        },
      },
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
            additionalProperties: decimal,
          },
        },
        itemCodes: {
          type: 'object',
          description: "Per system or partner id, its local item codes and the canonical item ids they stand for.",
          additionalProperties: { type: 'object', additionalProperties: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        supplierCodes: {
          type: 'object',
          description: "Per system or partner id, its local supplier codes and the canonical supplier ids.",
          additionalProperties: { type: 'object', additionalProperties: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        plantCodes: { ...codeTable, description: 'Per system or partner id, its local plant codes and the canonical plant codes.' },
        unitCodes: { ...codeTable, description: 'Per system or partner id, its local unit codes and the canonical units (PCS: EA).' },
        alignment: {
          type: 'object',
          additionalProperties: false,
          description: 'Master data alignment at intake (docs/adr/0019): codes of a source with a cross-reference table are mapped to canonical ids; an unmapped one waits in quarantine.',
          properties: {
            owner: { ...identifier, description: 'Team owning master_data_gap exceptions (default: exceptionOwners.master_data_gap, else master-data).' },
          },
        },
        standardCosts: {
          type: 'object',
          description: 'Standard cost per canonical item, for the production postings (wip_issue, finished_goods_receipt, scrap); absent: no production postings.',
          additionalProperties: {
            type: 'object',
            additionalProperties: false,
            required: ['currency', 'unitCost', 'uom'],
            properties: { currency: { type: 'string', pattern: '^[A-Z]{3}$' }, unitCost: decimal, uom: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,9}$' } },
          },
        },
      },
    },
  },
} as const;
