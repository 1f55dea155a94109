// JSON from outside the hub, parsed the one way every channel parses it: a `__proto__` key, or a
// `constructor` key holding `prototype`, is refused as not JSON (prototype poisoning), so HTTP,
// NATS and MQTT refuse such a payload alike rather than each in its own words (ADR 0024, 0067).
import secureJson from 'secure-json-parse';

/**
 * `JSON.parse`, refusing prototype-poisoning keys: throws a SyntaxError (not JSON) or the
 * parser's "Object contains forbidden prototype property" error, whose message the caller shows.
 */
export function parseUntrustedJson(text: string): unknown {
  // A `__proto__` or `constructor` key is written out or spelled with \u escapes: a text with
  // neither word and no escape cannot poison a prototype, and skips secure-json-parse's two
  // scans of the whole text (the common case, measured in docs/adr/0024).
  return mayPoison(text) ? secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }) : JSON.parse(text);
}

/** Whether a JSON text may hold a `__proto__` or `constructor` key, literally or escaped. */
function mayPoison(text: string): boolean {
  return text.includes('__proto__') || text.includes('constructor') || text.includes('\\u');
}
