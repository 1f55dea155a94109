// Trend charts: one uPlot line chart per figure, days on the x axis, with the values also in a
// table (for screen readers and for anyone who wants the numbers).
import uPlot from '/dashboard/vendor/uPlot.esm.js';
import { html } from './words.js';

const COLOURS = ['#1f6f8b', '#c0582c', '#5b8c3a'];
const charts = new Map();

/**
 * The markup of a chart's figure: a caption, the canvas's place, and the values as a table.
 * `series`: [{ label, values }], `format`: a value in words.
 */
export function chartFigure(id, caption, days, series, format) {
  return html`<figure class="chart">
    <figcaption>${caption}</figcaption>
    <div class="plot" id="${id}" role="img" aria-label="${caption}: ${series.map((s) => `${s.label} ${format(s.values.at(-1))} on the last day`).join('; ')}"></div>
    <details id="${id}-values"><summary>Values</summary>
      <table><caption class="visually-hidden">${caption}</caption>
        <thead><tr><th scope="col">Day</th>${series.map((s) => html`<th scope="col">${s.label}</th>`)}</tr></thead>
        <tbody>${days.map((day, i) => html`<tr><th scope="row">${day}</th>${series.map((s) => html`<td>${format(s.values[i])}</td>`)}</tr>`)}</tbody>
      </table>
    </details>
  </figure>`;
}

/** Draws (again) the chart of a figure placed by `chartFigure`. */
export function drawChart(id, days, series, format, range) {
  const target = document.getElementById(id);
  if (!target) return;
  charts.get(id)?.destroy();
  const xs = days.map((day) => Date.parse(`${day}T12:00:00Z`) / 1000);
  const chart = new uPlot(
    {
      width: Math.max(260, target.clientWidth),
      height: 180,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { y: range === undefined ? {} : { range } },
      series: [
        { label: 'Day', value: (_u, v) => (v === null ? '' : new Date(v * 1000).toISOString().slice(0, 10)) },
        ...series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: true, points: { size: 6 }, value: (_u, v) => format(v) })),
      ],
      axes: [{ space: 60 }, { size: 60, values: (_u, values) => values.map((v) => format(v)) }],
    },
    [xs, ...series.map((s) => s.values)],
    target,
  );
  // uPlot's legend is a table for layout; the figure's caption and its values table carry the meaning.
  chart.root.querySelector('.u-legend')?.setAttribute('role', 'presentation');
  charts.set(id, chart);
}
