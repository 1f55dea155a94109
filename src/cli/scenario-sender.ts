// Sends one scenario message through the hub's real door for its channel (POST /v1/events,
// /v1/inbound/x12, /v1/inbound/csv/:mapping) and says what the door answered, in the
// scenario's terms. Shared by `millrace demo` and `millrace simulate`.
import type { ScenarioMessage } from '../core/index.js';

export interface SendResult {
  readonly message: ScenarioMessage;
  readonly status: number;
  /** The door's answer in the scenario's terms (a DoorOutcome), or the problem code of an unexpected refusal. */
  readonly outcome: string;
  readonly detail: string;
}

export function principalOf(message: Pick<ScenarioMessage, 'sender'>): string {
  return `${message.sender.kind}:${message.sender.id}`;
}

export async function sendMessage(baseUrl: string, key: string, message: ScenarioMessage): Promise<SendResult> {
  const authorization = `Bearer ${key}`;
  let response: Response;
  if (message.channel === 'x12') {
    response = await fetch(`${baseUrl}/v1/inbound/x12`, { method: 'POST', headers: { authorization, 'content-type': 'application/edi-x12' }, body: message.x12 ?? '' });
  } else if (message.channel === 'csv') {
    const csv = message.csv;
    if (csv === undefined) throw new Error(`a CSV message without a file: ${message.what}`);
    response = await fetch(`${baseUrl}/v1/inbound/csv/${encodeURIComponent(csv.mapping)}?filename=${encodeURIComponent(csv.filename)}`, { method: 'POST', headers: { authorization, 'content-type': 'text/csv' }, body: csv.text });
  } else {
    const events = message.events ?? [];
    const batch = events.length > 1;
    response = await fetch(`${baseUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization, 'content-type': batch ? 'application/cloudevents-batch+json' : 'application/cloudevents+json' },
      body: JSON.stringify(batch ? events : events[0]),
    });
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { message, status: response.status, ...outcomeOf(message, response.status, body) };
}

function outcomeOf(message: ScenarioMessage, status: number, body: Record<string, unknown>): { outcome: string; detail: string } {
  const list = (name: string) => (Array.isArray(body[name]) ? (body[name] as unknown[]) : []);
  if (message.channel === 'x12' && status === 200) {
    const rejected = list('rejected') as { code?: string; reason?: string }[];
    if (rejected.length > 0 && list('accepted').length === 0) return { outcome: rejected[0]?.code ?? 'rejected', detail: rejected[0]?.reason ?? '' };
    if (rejected.length > 0) return { outcome: 'partly_rejected', detail: rejected.map((r) => r.reason).join('; ') };
  }
  if (message.channel === 'csv' && status === 207) return { outcome: 'quarantined', detail: JSON.stringify(body.quarantined) };
  if (status === 200 || status === 202) {
    const accepted = list('accepted').length;
    const duplicates = list('duplicates').length;
    return duplicates > 0 && accepted === 0 ? { outcome: 'duplicate', detail: `${duplicates} already in the log` } : { outcome: 'accepted', detail: `${accepted} committed` };
  }
  const code = typeof body.code === 'string' ? body.code : `http_${status}`;
  const outcome = code === 'event_conflict' ? 'conflict' : code.startsWith('forbidden') ? 'forbidden' : code;
  const violations = (body.violations as { pointer: string; message: string }[] | undefined) ?? [];
  const denials = (body.denials as { rule?: string; message?: string }[] | undefined) ?? [];
  const detail = violations.length > 0 ? violations.map((v) => `${v.pointer} ${v.message}`).join('; ') : (denials[0]?.rule ?? denials[0]?.message ?? (typeof body.detail === 'string' ? body.detail : ''));
  return { outcome, detail };
}

/** Runs `work` over `items` with at most `limit` in flight, in order of start. */
export async function inParallel<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
