// The dashboard's views. Each loads what it shows from the API (no KPI is computed here),
// renders plain semantic markup, and draws its charts after it is in the page.
import { all, api, ApiError } from './api.js';
import { chartFigure, drawChart } from './charts.js';
import { ago, count, decimal, hours, html, idClass, minutes, money, percent, raw, render, team, term, when, words } from './words.js';

const poLink = (poNumber, text = poNumber) => html`<a href="#/po/${encodeURIComponent(poNumber)}">${text}</a>`;
const sourceName = (source) => source.replace(/^\/(systems|partners)\//, '');
const ageBucket = (seconds) => (seconds < 86_400 ? 'under_1d' : seconds < 3 * 86_400 ? '1d_to_3d' : seconds < 7 * 86_400 ? '3d_to_7d' : 'over_7d');
const AGE_BUCKETS = ['under_1d', '1d_to_3d', '3d_to_7d', 'over_7d'];

/** A step still expected, in words: an open exception reads as its team resolving it. */
function gapWords(gap) {
  const exception = words('exception', gap.reason);
  if (gap.owner && exception !== gap.reason.replaceAll('_', ' ')) return html`${team(gap.owner)} resolves: ${term('exception', gap.reason)}`;
  return html`${gap.expected}${gap.owner ? html` <span class="muted">(${team(gap.owner)})</span>` : ''}`;
}

/**
 * The invoices of a PO's lines. Invoice numbers are unique per supplier only, so an invoice from
 * another supplier than the PO's is labelled with its supplier: two suppliers' INV-1 read apart.
 */
function invoiceTable(lines) {
  const rows = lines.flatMap((l) => l.invoices.map((i) => ({ line: l, invoice: i })));
  if (rows.length === 0) return html`<p class="empty" id="po-invoices-none"><strong>Invoices:</strong> No invoice for this purchase order has reached the hub yet.</p>`;
  return html`<table id="po-invoices">
    <caption>Invoices</caption>
    <thead><tr><th scope="col">Line</th><th scope="col">Invoice</th><th scope="col">Quantity</th><th scope="col">Unit price</th><th scope="col">Where it stands</th></tr></thead>
    <tbody>${rows.map(
      ({ line, invoice }) => html`<tr><td>${line.line}</td><th scope="row">${invoice.supplierId === line.supplierId ? invoice.invoiceNumber : `${invoice.invoiceNumber} from ${invoice.supplierId}`}</th>
        <td class="num">${decimal(invoice.quantity)}</td><td class="num">${decimal(invoice.unitPrice)}</td><td>${words('invoiceStatus', invoice.status)}</td></tr>`,
    )}</tbody>
  </table>`;
}

function tile(label, figure, note, id) {
  return html`<div class="tile"><h3>${label}</h3><p class="figure"${id ? raw(` id="${id}"`) : ''}>${figure}</p><p class="note">${note}</p></div>`;
}

/** Events an hour as a reader says it: 12, 2.5, "under 0.1", 0. */
function rate(perHour) {
  if (perHour === 0) return '0';
  if (perHour < 0.1) return 'under 0.1';
  return perHour >= 10 ? count(Math.round(perHour)) : perHour.toFixed(1);
}

/** What the manifest declares for a source: its allowed delay and how often it must send. */
function declared(source) {
  const parts = [];
  if (source.maxLagMinutes !== null) parts.push(`delay up to ${minutes(source.maxLagMinutes)}`);
  if (source.cadenceMinutes !== null) parts.push(`sends at least every ${minutes(source.cadenceMinutes)}`);
  return parts.length === 0 ? 'nothing' : parts.join('; ');
}

function statusBadge(status) {
  return html`<span class="badge ${status}" title="code: ${status}">${words('health', status)}</span>`;
}

/** The sources' statuses the tile "Needing attention" counts (with failing subscribers): the overview lists them too. */
const ATTENTION = new Set(['failing', 'overdue', 'late']);
/** The Integrations page's filter for exactly those (ADR 0061): the overview's link opens the page with it. */
const ATTENTION_WORDS = 'needing attention';

// ---------------------------------------------------------------- overview

/** "2 cancelled, 1 stopped by an exception, 1 still waiting": why lines went no further. */
function dropWords(dropped) {
  const parts = [];
  if (dropped.cancelled > 0) parts.push(`${count(dropped.cancelled)} cancelled`);
  if (dropped.inException > 0) parts.push(`${count(dropped.inException)} stopped by an exception`);
  if (dropped.waiting > 0) parts.push(`${count(dropped.waiting)} still waiting`);
  return parts.join(', ');
}

/** What became of the lines at a step: how many went no further and why, and who skipped it. */
function funnelNotes(s) {
  const notes = [];
  if (s.dropped) {
    const stopped = s.dropped.cancelled + s.dropped.inException + s.dropped.waiting;
    if (stopped > 0) notes.push(html`<strong>${count(stopped)} ${words('funnelDrop', s.step)}</strong> <span class="muted">(${dropWords(s.dropped)})</span>`);
  } else if (s.reached > 0) notes.push(html`done`);
  if (s.skipped > 0) notes.push(html`${count(s.skipped)} ${words('funnelSkip', s.step)}`);
  if (s.firstTime !== undefined && s.reached > 0) {
    const corrected = s.reached - s.firstTime;
    notes.push(html`${count(s.firstTime)} matched the first time${corrected > 0 ? `, ${count(corrected)} only after a correction` : ''}`);
  }
  if (notes.length === 0) return s.reached === 0 ? '—' : 'all went further';
  return html`<ul class="plain">${notes.map((n) => html`<li>${n}</li>`)}</ul>`;
}

/** The P2P funnel of the lines released in the window, for everyone or one plant or supplier. */
function funnelSection(kpis, filter) {
  const groups = filter.kind === 'plant' ? kpis.funnel.byPlant : filter.kind === 'supplier' ? kpis.funnel.bySupplier : undefined;
  const shown = groups === undefined ? kpis.funnel : (groups[filter.key] ?? { lines: 0, steps: kpis.funnel.steps.map((s) => ({ ...s, reached: 0, skipped: 0 })) });
  const whose = groups === undefined ? '' : filter.kind === 'plant' ? ` for plant ${filter.key}` : ` from supplier ${filter.key}`;
  const selected = (kind, key) => (filter.kind === kind && filter.key === key ? raw(' selected') : '');
  // A bookmarked plant or supplier with nothing released this week stays chosen in the list.
  const keys = (kind, group) => [...new Set([...Object.keys(group), ...(filter.kind === kind ? [filter.key] : [])])].sort();
  return html`
    <section aria-labelledby="funnel-title">
      <h2 id="funnel-title">Procure-to-pay funnel</h2>
      <form class="filters" id="funnel-form">
        <label for="funnel-filter">Show</label>
        <select id="funnel-filter" name="funnel">
          <option value="">Every plant and supplier</option>
          <optgroup label="Plants">${keys('plant', kpis.funnel.byPlant).map((p) => html`<option value="plant/${encodeURIComponent(p)}"${selected('plant', p)}>Plant ${p}</option>`)}</optgroup>
          <optgroup label="Suppliers">${keys('supplier', kpis.funnel.bySupplier).map((p) => html`<option value="supplier/${encodeURIComponent(p)}"${selected('supplier', p)}>Supplier ${p}</option>`)}</optgroup>
        </select>
      </form>
      ${shown.lines === 0
        ? html`<p class="empty" id="funnel-empty">No purchase order line was released${whose} in the last 7 days.</p>`
        : html`<table class="p2p-funnel" id="p2p-funnel">
            <caption>Of the ${count(shown.lines)} purchase order lines released${whose} in the last 7 days, how many got this far by now</caption>
            <thead><tr><th scope="col">Step</th><th scope="col">PO lines</th><th scope="col">Of those released</th><th scope="col"><span class="visually-hidden">Bar</span></th><th scope="col">What became of the others</th></tr></thead>
            <tbody>${shown.steps.map(
              (s) => html`<tr data-step="${s.step}"><th scope="row">${term('funnel', s.step)}</th><td class="num reached">${count(s.reached)}</td><td class="num">${percent(s.reached / shown.lines)}</td>
                <td class="bar-cell" aria-hidden="true"><span class="bar" style="--share:${(s.reached / shown.lines).toFixed(3)}"></span></td><td class="notes">${funnelNotes(s)}</td></tr>`,
            )}</tbody>
          </table>`}
    </section>`;
}

export const overview = {
  title: 'Overview',
  async load([kind, key]) {
    const [kpis, series, stuck, health] = await Promise.all([api('/v1/kpis?days=7'), api('/v1/kpis/series?days=14'), api('/v1/stuck?oldest=3'), api('/v1/integrations/health')]);
    const filter = (kind === 'plant' || kind === 'supplier') && key !== undefined ? { kind, key: decodeURIComponent(key) } : {};
    return { kpis, series, stuck, health, filter };
  },
  render({ kpis, stuck, health, filter }) {
    const owners = Object.entries(kpis.exceptions.byOwner);
    const open = owners.reduce((n, [, g]) => n + g.open, 0);
    const oldest = Math.max(0, ...owners.map(([, g]) => g.oldestOpenHours ?? 0));
    const grir = Object.entries(kpis.grir.openBalance);
    const waiting = stuck.stages.filter((s) => s.count > 0);
    const widest = Math.max(1, ...waiting.map((s) => s.count));
    const attention = [...health.sources.filter((s) => ATTENTION.has(s.status)), ...health.subscribers.filter((s) => s.status === 'failing')];
    return html`
      <h1>Overview</h1>
      <p class="lead">Procure-to-pay over the last 7 days: the key figures, how far the lines released this week got, and where open purchase order lines wait now.</p>
      <section aria-labelledby="kpi-title">
        <h2 id="kpi-title" class="visually-hidden">Key figures</h2>
        <div class="tiles">
          ${tile('Open exceptions', count(open), open === 0 ? 'nothing waits for a person' : `oldest open for ${hours(oldest)}`, 'open-exceptions')}
          ${tile('Invoices matched first time', percent(kpis.match.firstTimeRate), `${count(kpis.match.invoices)} invoices; ${percent(kpis.match.finalRate)} matched by now`)}
          ${tile('Supplier confirmation time', minutes(kpis.confirmationLatency.medianMinutes), `median of ${count(kpis.confirmationLatency.count)}; 90% within ${minutes(kpis.confirmationLatency.p90Minutes)}`)}
          ${tile('Goods announced before arrival', percent(kpis.asnBeforeReceipt.rate), `${count(kpis.asnBeforeReceipt.receipts)} receipts with a shipping notice first`)}
          ${tile('Received, not yet invoiced', grir.length === 0 ? '—' : grir.map(([c, a], i) => html`${i > 0 ? raw('<br>') : ''}<span class="amount">${money(a, c)}</span>`), `${count(kpis.grir.lines)} lines (GR/IR)`)}
          ${tile('Events under governance', percent(kpis.governance.eventShare), `${count(kpis.governance.events)} events from ${count(kpis.governance.flows)} flows`)}
        </div>
      </section>
      ${funnelSection(kpis, filter)}
      <section aria-labelledby="trend-title">
        <h2 id="trend-title">Trends, day by day</h2>
        <div class="charts" id="trend-charts"></div>
      </section>
      <div class="columns">
        <section aria-labelledby="stuck-title">
          <h2 id="stuck-title">Where open PO lines wait</h2>
          ${waiting.length === 0
            ? html`<p>No open purchase order line is waiting.</p>`
            : html`<ol class="funnel">${waiting.map(
                (s) => html`<li><span class="label">${term('waiting', s.stage)}</span><span class="bar" style="--share:${(s.count / widest).toFixed(3)}"></span><span class="n">${count(s.count)}</span></li>`,
              )}</ol>
              <table class="stuck">
                <caption>How long they have waited, and the longest waiting</caption>
                <thead><tr><th scope="col">Stage</th>${AGE_BUCKETS.map((b) => html`<th scope="col">${words('ageing', b)}</th>`)}<th scope="col">Waiting longest</th></tr></thead>
                <tbody>${waiting.map(
                  (s) => html`<tr><th scope="row">${term('waiting', s.stage)}</th>${AGE_BUCKETS.map((b) => html`<td class="num">${count(s.ageing[b])}</td>`)}
                    <td><ul class="plain">${s.oldest.map((l) => html`<li>${poLink(l.poNumber, `PO ${l.poNumber} line ${l.line}`)} <span class="muted">${hours(l.ageHours)}${l.codes ? raw(' · ') : ''}${l.codes ? l.codes.map((c, i) => html`${i > 0 ? ', ' : ''}${term('exception', c)}`) : ''}</span></li>`)}</ul></td></tr>`,
                )}</tbody>
              </table>`}
        </section>
        <section aria-labelledby="owners-title">
          <h2 id="owners-title">Exceptions by team</h2>
          ${owners.length === 0
            ? html`<p>No exception in the last 7 days.</p>`
            : html`<table>
                <caption class="visually-hidden">Exceptions by team</caption>
                <thead><tr><th scope="col">Team</th><th scope="col">Open</th><th scope="col">Oldest open</th><th scope="col">Raised this week</th></tr></thead>
                <tbody>${owners.map(([owner, g]) => html`<tr><th scope="row"><a href="#/exceptions/${encodeURIComponent(owner)}">${team(owner)}</a></th><td class="num">${count(g.open)}</td><td>${hours(g.oldestOpenHours)}</td><td class="num">${count(g.raised)}</td></tr>`)}</tbody>
              </table>`}
          <h2>Integrations needing attention</h2>
          ${attention.length === 0
            ? html`<p>Every integration is healthy or quiet. <a href="#/integrations">See all integrations</a>.</p>`
            : html`<ul id="attention-list">${attention.map((a) => html`<li>${statusBadge(a.status)} <strong>${a.source ? (a.publisher?.name ?? sourceName(a.source)) : a.subscription}</strong>: ${a.problems ? a.problems.join('; ') : `${count(a.dead)} dead letters, ${count(a.blocked)} blocked`}</li>`)}</ul>
              <p><a href="#/integrations/${encodeURIComponent(ATTENTION_WORDS)}">See ${attention.length === 1 ? 'the one' : `the ${count(attention.length)}`} needing attention on the Integrations page</a>, or <a href="#/integrations">all integrations</a>.</p>`}
        </section>
      </div>`;
  },
  bind(view, { navigate }) {
    view.querySelector('#funnel-filter')?.addEventListener('change', (event) => navigate(event.target.value === '' ? '#/overview' : `#/overview/${event.target.value}`));
  },
  after({ series }) {
    const days = series.days.map((d) => d.day);
    const pick = (name) => series.days.map((d) => d[name]);
    const charts = [
      ['chart-exceptions', 'Exceptions: open at the end of the day, and raised', [{ label: 'Open', values: pick('openAtEnd') }, { label: 'Raised', values: pick('exceptionsRaised') }], (v) => (v === null || v === undefined ? '—' : count(Math.round(v)))],
      ['chart-match', 'Invoices matched: first time, and by now', [{ label: 'First time', values: pick('firstTimeMatchRate') }, { label: 'By now', values: pick('finalMatchRate') }], percent, [0, 1]],
      ['chart-confirmation', 'Supplier confirmation time, median (hours)', [{ label: 'Median', values: pick('confirmationMedianMinutes').map((m) => (m === null ? null : m / 60)) }], (v) => (v === null || v === undefined ? '—' : `${Number(v.toFixed(1))} h`)],
    ];
    const place = document.getElementById('trend-charts');
    if (!place) return;
    render(place, charts.map(([id, caption, s, format]) => chartFigure(id, caption, days, s, format)));
    for (const [id, , s, format, range] of charts) drawChart(id, days, s, format, range);
  },
};

// ---------------------------------------------------------------- exceptions

/**
 * Oldest first by when each was raised, to the millisecond: the API lists newest first, and its
 * age in whole seconds ties exceptions raised within a second, which a sort by age left newest first.
 */
function oldestFirst(items) {
  return [...items].reverse().sort((a, b) => Date.parse(a.raisedAt) - Date.parse(b.raisedAt));
}

/**
 * An exception's Resolve button. Its name says which exception: a screen reader's list of the
 * page's buttons read "Resolve" as many times as there were exceptions.
 */
function resolveButton(e) {
  const what = `${words('exception', e.code)}${e.poNumber ? `, PO ${e.poNumber}${e.line ? ` line ${e.line}` : ''}` : ''}`;
  return html`<td><button type="button" class="resolve" data-resolve="${e.exceptionId}" data-what="${what}" aria-label="Resolve: ${what}">Resolve</button></td>`;
}

export const exceptions = {
  title: 'Exceptions',
  async load([owner]) {
    // Every page of them: the API lists newest first, so a listing cut after a few pages dropped
    // the oldest, the ones this view shows first, and counted 2,000 of 2,250.
    const { items, more } = await all('/v1/exceptions?status=open');
    return { owner: owner === undefined ? undefined : decodeURIComponent(owner), items, more };
  },
  render({ owner, items, more = false }, { canResolve }) {
    const teams = [...new Set(items.map((e) => e.owner))].sort();
    const shown = owner === undefined ? items : items.filter((e) => e.owner === owner);
    return html`
      <h1>Open exceptions <span class="count" id="open-count">${count(shown.length)}${more ? '+' : ''}</span></h1>
      <p class="lead">Each exception waits for its team. ${canResolve ? 'Resolve one when it is dealt with, saying why.' : 'This key can read, not resolve (viewer role).'}</p>
      ${more ? html`<p class="empty" id="exceptions-more" role="note">The hub holds more than ${count(items.length)} open exceptions; this page reads the ${count(items.length)} raised last, so the oldest are not among them. <code>GET /v1/exceptions?status=open</code> lists them all.</p>` : ''}
      <form class="filters" id="exception-filter">
        <label for="owner-filter">Team</label>
        <select id="owner-filter" name="owner">
          <option value="">Every team</option>
          ${teams.map((t) => html`<option value="${t}"${t === owner ? raw(' selected') : ''}>${team(t)}</option>`)}
        </select>
      </form>
      ${items.length === 0 ? '' : html`<table>
        <caption>Open exceptions by team and how long they have been open</caption>
        <thead><tr><th scope="col">Team</th><th scope="col">Open</th>${AGE_BUCKETS.map((b) => html`<th scope="col">${words('ageing', b)}</th>`)}</tr></thead>
        <tbody>${teams.map((t) => {
          const mine = items.filter((e) => e.owner === t);
          return html`<tr><th scope="row">${team(t)}</th><td class="num">${count(mine.length)}</td>${AGE_BUCKETS.map((b) => html`<td class="num">${count(mine.filter((e) => ageBucket(e.ageSeconds) === b).length)}</td>`)}</tr>`;
        })}</tbody>
      </table>`}
      ${shown.length === 0
        ? html`<p class="empty" id="exceptions-none">No open exception${owner ? ` for ${team(owner)}` : ''}.${items.length === 0 ? ' Nothing waits for a person.' : ''}</p>`
        : html`<table class="list" id="exception-list">
            <caption>${owner ? `Open exceptions of ${team(owner)}` : 'Every open exception'}, oldest first</caption>
            <thead><tr><th scope="col">What happened</th><th scope="col">Team</th><th scope="col">Purchase order</th><th scope="col">Supplier</th><th scope="col">Plant</th><th scope="col">Open for</th>${canResolve ? html`<th scope="col"><span class="visually-hidden">Action</span></th>` : ''}</tr></thead>
            <tbody>${oldestFirst(shown).map(
              (e) => html`<tr data-exception="${e.exceptionId}">
                <th scope="row">${term('exception', e.code)}<div class="muted small message">${e.message}</div></th>
                <td>${team(e.owner)}</td>
                <td class="${idClass(e.poNumber)}">${e.poNumber ? poLink(e.poNumber, `${e.poNumber}${e.line ? ` line ${e.line}` : ''}`) : '—'}</td>
                <td class="${idClass(e.supplierId)}">${e.supplierId ?? '—'}</td>
                <td>${e.plant ?? '—'}</td>
                <td class="nowrap"><span title="raised ${when(e.raisedAt)}">${minutes(e.ageSeconds / 60)}</span></td>
                ${canResolve ? resolveButton(e) : ''}
              </tr>`,
            )}</tbody>
          </table>`}`;
  },
  bind(view, { navigate }) {
    view.querySelector('#owner-filter')?.addEventListener('change', (event) => {
      const value = event.target.value;
      navigate(value === '' ? '#/exceptions' : `#/exceptions/${encodeURIComponent(value)}`);
    });
  },
};

// ---------------------------------------------------------------- a PO's lineage

export const purchaseOrder = {
  title: 'Purchase order',
  async load([po]) {
    // Trimmed as the form trims: a blank number (typed into the address) is no number, which the API would refuse.
    const poNumber = po === undefined ? '' : decodeURIComponent(po).trim();
    if (poNumber === '') return { po: undefined };
    try {
      const [lineage, workflow] = await Promise.all([api(`/v1/lineage?correlation=${encodeURIComponent(poNumber)}`), api(`/v1/workflows/p2p/${encodeURIComponent(poNumber)}`)]);
      return { po: poNumber, lineage, workflow };
    } catch (error) {
      // A mistyped or bookmarked number the hub never heard of is an answer, not a failure.
      if (error instanceof ApiError && error.status === 404) return { po: poNumber, unknown: true };
      throw error;
    }
  },
  render({ po, lineage, workflow, unknown }) {
    const form = html`<form class="filters" id="po-form">
      <label for="po-number">Purchase order number</label>
      <input id="po-number" name="po" value="${po ?? ''}" required>
      <button type="submit">Show</button>
    </form>`;
    if (po === undefined) return html`<h1>Purchase orders</h1><p class="lead">Type a purchase order number to see every message about it, in order, and what is still expected.</p>${form}`;
    if (unknown) return html`<h1>Purchase order ${po}</h1><p class="empty" id="po-unknown">The hub has no purchase order ${po}: no message about it has reached the hub. Check the number.</p>${form}`;
    const messages = [...lineage.messages].sort((a, b) => Date.parse(a.occurred) - Date.parse(b.occurred) || a.sequence - b.sequence);
    return html`
      <h1>Purchase order ${po}</h1>
      <p class="lead">${lineage.supplierId ? html`Supplier <strong>${lineage.supplierId}</strong>` : ''}${lineage.plant ? html`, plant <strong>${lineage.plant}</strong>` : ''}${workflow.currency ? `, in ${workflow.currency}` : ''}.</p>
      ${form}
      <table>
        <caption>Lines</caption>
        <thead><tr><th scope="col">Line</th><th scope="col">Item</th><th scope="col">Where it stands</th><th scope="col">Ordered</th><th scope="col">Received</th><th scope="col">Invoiced</th><th scope="col">Open exceptions</th></tr></thead>
        <tbody>${workflow.lines.map(
          (l) => html`<tr><th scope="row">${l.line}</th><td>${l.itemId ?? '—'}</td><td>${term('stage', l.stage)}</td><td class="num">${decimal(l.quantities.ordered)} ${l.uom ?? ''}</td><td class="num">${decimal(l.quantities.received)}</td><td class="num">${decimal(l.quantities.invoiced)}${l.quantities.stopped === undefined ? '' : html`<br><small title="Billed by invoices stopped by an exception: not counted as invoiced until AP settles them">${decimal(l.quantities.stopped)} stopped</small>`}</td>
            <td>${l.openExceptions.length === 0 ? 'none' : l.openExceptions.map((e, i) => html`${i > 0 ? ', ' : ''}${term('exception', e.code)}`)}</td></tr>`,
        )}</tbody>
      </table>
      ${invoiceTable(workflow.lines)}
      <section aria-labelledby="gaps-title">
        <h2 id="gaps-title">Still expected</h2>
        ${lineage.gaps.length === 0
          ? html`<p>Nothing: every line has all it needs so far.</p>`
          : html`<ul class="gaps">${lineage.gaps.map(
              (g) => html`<li class="${g.overdue ? 'overdue' : ''}"><strong>Line ${g.line}:</strong> ${gapWords(g)}
                — waiting since ${when(g.since)}${g.due ? html`, due ${when(g.due)}` : ''}${g.overdue ? html` <span class="badge failing">overdue</span>` : ''}</li>`,
            )}</ul>`}
      </section>
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <ol class="timeline" id="timeline">${messages.map(
          (m) => html`<li class="${m.derived ? 'derived' : 'inbound'}">
            <time datetime="${m.occurred}">${when(m.occurred)}</time>
            <div><strong>${term('event', m.type)}</strong> ${m.derived ? html`<span class="muted">by the hub</span>` : html`<span class="muted">from ${sourceName(m.source)}</span>`}
              ${m.lagBreach ? html` <span class="badge late" title="${m.lagBreach}">arrived late</span>` : ''}${m.ungoverned ? html` <span class="badge failing" title="${m.ungoverned}">outside governance</span>` : ''}
              <div class="muted small">received ${when(m.received)}${m.processed ? html`, acted on ${when(m.processed)}` : ''}${m.deliveries?.length ? html`; sent to ${m.deliveries.map((d, i) => html`${i > 0 ? ', ' : ''}${d.subscription} (${d.status})`)}` : ''}</div></div>
          </li>`,
        )}</ol>
      </section>`;
  },
  bind(view, { navigate }) {
    view.querySelector('#po-form')?.addEventListener('submit', (event) => {
      event.preventDefault();
      const value = new FormData(event.target).get('po').trim();
      if (value !== '') navigate(`#/po/${encodeURIComponent(value)}`);
    });
  },
};

// ---------------------------------------------------------------- integrations


/**
 * What the filter of the integrations searches in a row: its names and ids, its channel and its
 * status, in words and as codes, lower-cased; "needing attention" for the statuses the tile counts.
 */
function filterWords(...parts) {
  return parts
    .flat()
    .filter((p) => p !== undefined && p !== null && p !== '')
    .join(' ')
    .toLowerCase();
}

function sourceWords(s) {
  const status = [s.status, words('health', s.status), ATTENTION.has(s.status) ? ATTENTION_WORDS : ''];
  const publisher = s.publisher ? [s.publisher.name, s.publisher.kind, s.publisher.id, s.publisher.mode === 'observe' ? 'observed only' : ''] : ['not declared'];
  return [sourceName(s.source), s.source, publisher, status, s.problems];
}

/** A row is kept when every word typed is somewhere in its words: "quiet partner", "p01 csv". */
function keeps(text, query) {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((word) => word !== '')
    .every((word) => text.includes(word));
}

/** The filter's tables: id, what a row is (one, many), and the columns its "nothing matches" row spans. */
const FILTERED = [
  ['sources', 'source', 'sources'],
  ['channels', 'channel of a source', 'channels of sources'],
  ['subscribers', 'subscriber', 'subscribers'],
];

/**
 * Shows the rows of the integrations' tables that `query` keeps, says how many of how many, and
 * puts the filter in the address (without a navigation), so the page's refresh, a reload and a
 * link keep it.
 */
function applyIntegrationsFilter(view, query) {
  const counts = [];
  for (const [id, one, many] of FILTERED) {
    const table = view.querySelector(`#${id}`);
    if (!table) continue;
    const rows = [...table.querySelectorAll('tbody tr[data-filter]')];
    let shown = 0;
    for (const row of rows) {
      row.hidden = !keeps(row.dataset.filter, query);
      if (!row.hidden) shown += 1;
    }
    const none = table.querySelector('tbody tr.none');
    if (none) {
      none.hidden = shown > 0 || rows.length === 0 || query.trim() === '';
      none.querySelector('td').textContent = `No ${one} matches “${query.trim()}”.`;
    }
    counts.push({ shown, total: rows.length, one: id === 'channels' ? 'channel' : one, many: id === 'channels' ? 'channels' : many });
  }
  const noun = (c, n) => (n === 1 ? c.one : c.many);
  const summary = view.querySelector('#integrations-shown');
  if (summary) {
    summary.textContent =
      query.trim() === ''
        ? `All ${counts.map((c) => `${count(c.total)} ${noun(c, c.total)}`).join(', ')}.`
        : `Showing ${counts.map((c) => `${count(c.shown)} of ${count(c.total)} ${noun(c, c.total)}`).join(', ')}.`;
  }
  const hash = query === '' ? '#/integrations' : `#/integrations/${encodeURIComponent(query)}`;
  if (location.hash !== hash && location.hash.startsWith('#/integrations')) history.replaceState(history.state, '', hash);
}

/**
 * The rows a table of the integrations shows and its "nothing matches" row (hidden until a filter
 * leaves none); with no rows at all, `nothing` in words instead.
 */
function filteredRows(rows, columns, nothing) {
  if (rows.length === 0) return html`<tr class="nothing"><td colspan="${columns}">${nothing}</td></tr>`;
  return html`${rows}<tr class="none" hidden><td colspan="${columns}"></td></tr>`;
}

export const integrations = {
  title: 'Integrations',
  async load([query]) {
    let typed = '';
    try {
      typed = query === undefined ? '' : decodeURIComponent(query);
    } catch {
      typed = query ?? '';
    }
    return { health: await api('/v1/integrations/health?hours=24'), query: typed };
  },
  render({ health, query = '' }, { canResolve }) {
    const t = health.totals;
    const lag = (l) => (l.p50Minutes === null ? '—' : `${minutes(l.p50Minutes)} / ${minutes(l.p90Minutes)} / ${minutes(l.p99Minutes)}`);
    const subscribers = health.subscribers.length;
    return html`
      <h1>Integrations</h1>
      <p class="lead">Every system and supplier that sends to the hub, and every subscriber it sends to, over the last 24 hours. Refusals are counted since the hub started (${when(health.refusalsSince)}).</p>
      <form class="filters" id="integrations-filter" role="search">
        <label for="integrations-query">Filter</label>
        <input type="search" id="integrations-query" name="q" value="${query}" autocomplete="off" spellcheck="false" aria-describedby="integrations-query-hint integrations-shown">
        <span class="muted small" id="integrations-query-hint">by name, id, status or channel: “fasteners”, “needing attention”, “quiet partner”</span>
      </form>
      <p id="integrations-shown" class="muted" role="status"></p>
      <div class="tiles">
        ${tile('Needing attention', count(t.needingAttention), `of ${count(t.sources)} ${t.sources === 1 ? 'source' : 'sources'} and ${count(subscribers)} ${subscribers === 1 ? 'subscriber' : 'subscribers'}`, 'attention-count')}
        ${tile('Events received', count(t.events), 'in the last 24 hours')}
        ${tile('Requests refused', count(t.refused), 'wrong contract, no right to publish, ...')}
        ${tile('Held in quarantine', count(t.held), 'files and messages waiting for a fix')}
        ${tile('Waiting to be delivered', count(t.backlog), 'to subscribers')}
        ${tile('Dead letters', count(t.deadLetters), canResolve ? 'gave up; retry them per subscriber below' : 'gave up; an operator can retry')}
      </div>
      <table id="sources">
        <caption>Sources: who sends to the hub</caption>
        <thead><tr><th scope="col">Source</th><th scope="col">Status</th><th scope="col">Last event</th><th scope="col">Events an hour</th><th scope="col">Delay: median / 90% / 99%</th><th scope="col">Declared</th><th scope="col">What to look at</th></tr></thead>
        <tbody>${filteredRows(
          health.sources.map(
            (s) => html`<tr data-filter="${filterWords(sourceWords(s))}"><th scope="row">${s.publisher?.name ?? sourceName(s.source)}<div class="muted small" title="${s.source}">${s.publisher ? `${s.publisher.kind} ${s.publisher.id}${s.publisher.mode === 'observe' ? ', observed only' : ''}` : 'not declared'}</div></th>
            <td>${statusBadge(s.status)}</td><td>${ago(s.lastEventAt, Date.parse(health.now))}</td><td class="num">${rate(s.perHour)}</td><td>${lag(s.lag)}</td><td>${declared(s)}</td>
            <td>${s.problems.length === 0 ? 'nothing' : html`<ul class="plain">${s.problems.map((p) => html`<li>${p}</li>`)}</ul>`}</td></tr>`,
          ),
          7,
          'No source yet: the manifest declares no system or partner, and nobody has sent anything.',
        )}</tbody>
      </table>
      <table id="channels">
        <caption>By channel, last 24 hours</caption>
        <thead><tr><th scope="col">Source</th><th scope="col">Channel</th><th scope="col">Events</th><th scope="col">Delay: median / 90% / 99%</th><th scope="col">Late</th><th scope="col">Refused</th><th scope="col">Quarantined</th><th scope="col">Still held</th></tr></thead>
        <tbody>${filteredRows(
          health.sources.flatMap((s) =>
            s.channels.map(
              (c) => html`<tr data-filter="${filterWords(sourceWords(s), c.channel, words('channel', c.channel))}"><th scope="row">${s.publisher?.name ?? sourceName(s.source)}</th><td>${term('channel', c.channel)}</td><td class="num">${count(c.events)}</td><td>${lag(c.lag)}</td><td class="num">${count(c.lagBreaches)}</td>
              <td class="num" title="${Object.entries(c.refusedByCode).map(([code, n]) => `${code}: ${count(n)}`).join(', ')}">${count(c.refused)}</td><td class="num">${count(c.quarantined)}</td><td class="num">${count(c.held)}</td></tr>`,
            ),
          ),
          8,
          'Nothing received in the last 24 hours.',
        )}</tbody>
      </table>
      <table id="subscribers">
        <caption>Subscribers: who the hub sends to</caption>
        <thead><tr><th scope="col">Subscription</th><th scope="col">Receiver</th><th scope="col">Channel</th><th scope="col">Status</th><th scope="col">Waiting</th><th scope="col">Blocked</th><th scope="col">Dead letters</th><th scope="col">Delivered</th><th scope="col" title="never sent: the manifest narrowed or removed the subscription">Withdrawn</th>${canResolve ? html`<th scope="col"><span class="visually-hidden">Action</span></th>` : ''}</tr></thead>
        <tbody>${filteredRows(
          health.subscribers.map(
            (s) => html`<tr data-filter="${filterWords(s.subscription, s.subscriber, s.channel, words('channel', s.channel), s.status, words('health', s.status), s.status === 'failing' ? ATTENTION_WORDS : '')}"><th scope="row">${s.subscription}</th><td>${s.subscriber}</td><td>${term('channel', s.channel)}</td><td>${statusBadge(s.status)}</td><td class="num">${count(s.backlog)}</td><td class="num">${count(s.blocked)}</td><td class="num">${count(s.dead)}</td><td class="num">${count(s.delivered)}</td><td class="num">${count(s.withdrawn)}</td>${canResolve ? html`<td>${retryDeadButton(s)}</td>` : ''}</tr>`,
          ),
          canResolve ? 10 : 9,
          'No subscriber: the manifest declares no subscription.',
        )}</tbody>
      </table>`;
  },
  bind(view, _shell, { query = '' }) {
    const input = view.querySelector('#integrations-query');
    if (!input) return;
    view.querySelector('#integrations-filter').addEventListener('submit', (event) => event.preventDefault());
    // 'input' for typing and for Escape, which empties a search field.
    input.addEventListener('input', () => applyIntegrationsFilter(view, input.value));
    applyIntegrationsFilter(view, query);
  },
};

/**
 * Sends a subscriber's dead letters again (POST /v1/subscriptions/:subscription/retry, ADR 0052),
 * for a subscription the manifest still declares: each behind what its key already has queued.
 */
function retryDeadButton(s) {
  if (s.dead === 0 || s.subscriber === 'unknown') return '';
  const letters = `${count(s.dead)} dead ${s.dead === 1 ? 'letter' : 'letters'}`;
  return html`<button type="button" data-retry-dead="${s.subscription}" aria-label="Retry the ${letters} of ${s.subscription}">Retry ${letters}</button>`;
}

// ---------------------------------------------------------------- scorecards

function scoreTable(id, caption, label, groups) {
  const rows = Object.entries(groups);
  if (rows.length === 0) return html`<p class="empty"><strong>${caption}:</strong> No ${label.toLowerCase()} activity in this window.</p>`;
  return html`<table id="${id}">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">${label}</th><th scope="col">Confirmations</th><th scope="col">Confirmation time (median)</th><th scope="col">90% confirmed within</th><th scope="col">Invoices</th><th scope="col">Matched first time</th><th scope="col">Matched by now</th><th scope="col">Receipts</th><th scope="col">Announced before arrival</th></tr></thead>
    <tbody>${rows.map(
      ([name, g]) => html`<tr><th scope="row">${name}</th><td class="num">${count(g.confirmationLatency.count)}</td><td>${minutes(g.confirmationLatency.medianMinutes)}</td><td>${minutes(g.confirmationLatency.p90Minutes)}</td>
        <td class="num">${count(g.match.invoices)}</td><td class="num">${percent(g.match.firstTimeRate)}</td><td class="num">${percent(g.match.finalRate)}</td><td class="num">${count(g.asnBeforeReceipt.receipts)}</td><td class="num">${percent(g.asnBeforeReceipt.rate)}</td></tr>`,
    )}</tbody>
  </table>`;
}

export const scorecards = {
  title: 'Scorecards',
  async load([days = '30']) {
    return { days, kpis: await api(`/v1/kpis?days=${encodeURIComponent(days)}`) };
  },
  render({ days, kpis }) {
    const codes = Object.entries(kpis.exceptions.byCode);
    return html`
      <h1>Supplier and plant scorecards</h1>
      <form class="filters" id="window-form">
        <label for="window">Over the last</label>
        <select id="window" name="days">${['7', '30', '90'].map((d) => html`<option value="${d}"${d === days ? raw(' selected') : ''}>${d} days</option>`)}</select>
      </form>
      ${scoreTable('supplier-scores', 'Suppliers', 'Supplier', kpis.bySupplier)}
      ${scoreTable('plant-scores', 'Plants', 'Plant', kpis.byPlant)}
      ${codes.length === 0
        ? html`<p class="empty" id="exceptions-by-kind-none"><strong>Exceptions by kind:</strong> No exception raised in the last ${days} days, and none open.</p>`
        : html`<table>
            <caption>Exceptions by kind</caption>
            <thead><tr><th scope="col">What happened</th><th scope="col">Raised in the window</th><th scope="col">Open now</th><th scope="col">Oldest open</th></tr></thead>
            <tbody>${codes.map(([code, g]) => html`<tr><th scope="row">${term('exception', code)}</th><td class="num">${count(g.raised)}</td><td class="num">${count(g.open)}</td><td>${hours(g.oldestOpenHours)}</td></tr>`)}</tbody>
          </table>`}
      <p class="muted">Recovery time (raised to resolved): median ${minutes(kpis.exceptions.recovery.medianMinutes)}, 90% within ${minutes(kpis.exceptions.recovery.p90Minutes)}, over ${count(kpis.exceptions.recovery.count)} resolved.</p>`;
  },
  bind(view, { navigate }) {
    view.querySelector('#window')?.addEventListener('change', (event) => navigate(`#/scorecards/${event.target.value}`));
  },
};
