import { describeEventStore } from '../../../test/conformance/event-store.conformance.js';
import { MemoryEventStore } from './memory-event-store.js';

describeEventStore('in-memory', () => Promise.resolve({ store: new MemoryEventStore(), cleanup: () => Promise.resolve() }), { durable: false });
