// The hub's HTTP API as the page uses it: the operator key kept in this tab's sessionStorage
// and sent as a Bearer token; problem+json answers become errors with the hub's words.
const KEY = 'millrace.operatorKey';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  remember: (key) => sessionStorage.setItem(KEY, key),
  forget: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** GET (or POST with `body`) a path of this hub; resolves with the parsed JSON. */
export async function api(path, { method = 'GET', body, key = session.key() } = {}) {
  const headers = { accept: 'application/json, application/problem+json', authorization: `Bearer ${key ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    // The hub is down or the network is: the browser says only "Failed to fetch".
    throw new ApiError(`Cannot reach the hub (${error instanceof Error ? error.message : String(error)}). Check that it is running; the page tries again by itself.`, 0);
  }
  const text = await response.text();
  let parsed;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not the hub's JSON: a proxy's or load balancer's own error page, say. Its status, not a parser's complaint.
    throw new ApiError(`The hub did not answer (${response.status} ${response.statusText}); something between this page and the hub did.`, response.status);
  }
  if (!response.ok) throw new ApiError(parsed?.detail ?? `${response.status} ${response.statusText}`, response.status, parsed?.code);
  return parsed;
}

/**
 * The items of a paged listing, page after page, until the last page or `max` items; `more` when
 * the hub holds more than were read (the listing is cut, and the page must say so).
 */
export async function all(path, max = 10_000) {
  const items = [];
  let next;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await api(`${path}${separator}limit=500${next === undefined ? '' : `&after=${encodeURIComponent(next)}`}`);
    items.push(...page.items);
    next = page.next;
  } while (next !== undefined && items.length < max);
  return { items: items.slice(0, max), more: next !== undefined || items.length > max };
}
