// reachwatch live dashboard: polls the status API every 2 s and redraws what changed. No framework,
// no build: the charts are the SVG of the HTML report (AvailabilityReport), drawn here from the API:
// availability for every incident, and speed under it for a throttled one.
'use strict';

const POLL_MS = 2000;
const MAX_CHARTS = 8;
const W = 960, H = 260, SPEED_H = 200, LEFT = 48, RIGHT = 16, TOP = 16, BOTTOM = 36;
const PHASE_COLOURS = {blocked: '#d62728', partial: '#ff9f1c', throttled: '#6a3d9a'};
const CONTROL_COLOUR = '#888';
const NETWORK_COLOURS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#7f7f7f', '#bcbd22'];
const SVG_NS = 'http://www.w3.org/2000/svg';

let lastVersion = -1;
const chartStamps = new Map(); // incidentId -> lastChangeAt drawn

async function getJson(url) {
  const response = await fetch(url, {cache: 'no-store'});
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.error || ('HTTP ' + response.status));
    error.status = response.status;
    throw error;
  }
  return body;
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function utc(iso) {
  return iso ? iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, '') : '';
}

function service(target) {
  return target === '*' ? 'connectivity' : target;
}

function percent(v) {
  return v === null || v === undefined ? '' : Math.round(v * 100) + '%';
}

async function pollHealth() {
  const node = document.getElementById('health');
  try {
    const response = await fetch('/health', {cache: 'no-store'});
    const health = await response.json();
    node.textContent = health.status === 'UP' ? 'detector ' + health.streams.toLowerCase()
      : 'detector ' + health.status.toLowerCase() + ' (' + health.streams + ', registry ' + health.registry + ')';
    node.className = 'pill ' + (health.status === 'UP' ? 'up' : 'down');
  } catch (e) {
    node.textContent = 'server unreachable';
    node.className = 'pill down';
  }
}

const EVENT_LABELS = {
  DISRUPTION_STARTED: 'blocked', PARTIAL_RESTORATION: 'partially restored', RESTORED: 'restored', REBLOCKED: 'blocked again',
  INCIDENT_CLOSED: 'closed', METHOD_CHANGED: 'blocking method changed', THROTTLING_STARTED: 'throttled',
  THROTTLING_ENDED: 'throttling ended'
};
const STATE_LABELS = {
  BLOCKED: 'blocked', PARTIALLY_RESTORED: 'partially restored', RESTORED: 'restored', CLOSED: 'closed', THROTTLED: 'throttled'
};

/** A readable name for an event type or incident state; an unknown one (a newer detector) as its words in lower case. */
function label(table, symbol) {
  return table[symbol] || String(symbol || '').toLowerCase().replace(/_/g, ' ');
}

function isCountryLevel(e) {
  return e.asn === null || e.asn === undefined;
}

/** Bytes/s as bit/s with an SI prefix and three significant digits, as in the HTML report. */
function speed(bytesPerSecond) {
  if (bytesPerSecond === null || bytesPerSecond === undefined) return '';
  let bits = bytesPerSecond * 8, i = 0;
  const prefixes = ['', 'k', 'M', 'G', 'T'];
  while (i < prefixes.length - 1 && Math.abs(bits) >= 999.5) { bits /= 1000; i++; }
  const digits = Math.abs(bits) >= 99.5 ? 0 : Math.abs(bits) >= 9.95 ? 1 : 2;
  return bits.toFixed(digits) + ' ' + prefixes[i] + 'bit/s';
}

function compact(bits) {
  const prefixes = ['', 'k', 'M', 'G', 'T'];
  let i = 0;
  while (i < prefixes.length - 1 && bits >= 1000) { bits /= 1000; i++; }
  return (Number.isInteger(bits) ? bits.toFixed(0) : bits.toFixed(1)) + prefixes[i];
}

function renderTable(incidents) {
  const body = document.querySelector('#incidents tbody');
  body.replaceChildren();
  if (incidents.length === 0) {
    const row = el('tr', {class: 'empty'});
    row.appendChild(el('td', {colspan: '8'}, 'No incident yet.'));
    body.appendChild(row);
    return;
  }
  for (const inc of incidents) {
    const row = el('tr', {class: 'incident', 'data-incident': inc.incidentId, 'data-state': inc.state});
    const state = el('td');
    state.appendChild(el('span', {class: 'state state-' + inc.state}, inc.open ? 'OPEN' : 'CLOSED'));
    row.appendChild(state);
    row.appendChild(el('td', {}, inc.country + (inc.asn ? ' ' + inc.asn : '')));
    row.appendChild(el('td', {}, service(inc.target)));
    row.appendChild(el('td', {}, inc.cause));
    row.appendChild(el('td', {}, utc(inc.at)));
    row.appendChild(el('td', {class: 'phase'}, label(STATE_LABELS, inc.state)));
    const blocked = (inc.blockedNetworks || []).join(', ');
    const throttled = (inc.throttledNetworks || []).join(', ');
    row.appendChild(el('td', {class: 'networks'}, [blocked && 'blocked: ' + blocked, throttled && 'throttled: ' + throttled]
      .filter(Boolean).join('; ')));
    const last = inc.lastEvent;
    row.appendChild(el('td', {class: 'last-event', title: last ? last.type : ''}, last ? label(EVENT_LABELS, last.type) + ' '
      + utc(last.at) : ''));
    row.addEventListener('click', () => {
      const card = document.getElementById('card-' + inc.incidentId);
      if (card) card.scrollIntoView({behavior: 'smooth'});
    });
    body.appendChild(row);
  }
}

/** The events the phases and markers follow: the country level when there is one, else the networks'. */
function storyEvents(events) {
  return events.some(isCountryLevel) ? events.filter(isCountryLevel) : events;
}

/**
 * Blocked, partial and throttled stretches, one state at a time, as in the HTML report (AvailabilityReport.phases):
 * THROTTLING_ENDED ends a throttled stretch only, RESTORED does not end one (availability is back, speed is not).
 */
function phases(events, end) {
  const out = [];
  let from = null, kind = null;
  for (const e of storyEvents(events)) {
    if (e.type === 'METHOD_CHANGED') continue;
    let next;
    switch (e.type) {
      case 'DISRUPTION_STARTED': case 'REBLOCKED': next = 'blocked'; break;
      case 'PARTIAL_RESTORATION': next = 'partial'; break;
      case 'THROTTLING_STARTED': next = 'throttled'; break;
      case 'THROTTLING_ENDED': next = kind === 'throttled' ? null : kind; break;
      case 'RESTORED': next = kind === 'throttled' ? kind : null; break;
      case 'INCIDENT_CLOSED': next = null; break;
      default: next = kind;
    }
    if (from !== null && next !== kind) {
      out.push({from, to: e.at, kind});
      from = null;
    }
    if (next !== null && from === null) from = e.at;
    kind = next;
  }
  if (from !== null) out.push({from, to: end, kind});
  return out;
}

/** Whether the incident is (or was) a throttle: its state or phases, its methods, or any of its events. */
function isThrottled(inc, events) {
  if (inc.state === 'THROTTLED' || (inc.phases || []).some(p => p.state === 'THROTTLED')
    || (inc.methods || []).includes('THROTTLING') || (inc.throttledNetworks || []).length) return true;
  return events.some(e => e.type === 'THROTTLING_STARTED' || e.type === 'THROTTLING_ENDED'
    || (e.methods || []).includes('THROTTLING') || (e.networks || []).some(n => n.throttled));
}

function shade(chart, x, list, height) {
  for (const p of list) {
    const x0 = x(Date.parse(p.from)), x1 = Math.max(x0 + 1, x(Date.parse(p.to)));
    chart.appendChild(svg('rect', {x: x0.toFixed(1), y: TOP, width: (x1 - x0).toFixed(1), height: height - TOP - BOTTOM,
      fill: PHASE_COLOURS[p.kind] || PHASE_COLOURS.partial, opacity: '0.18', class: 'phase-' + p.kind}));
  }
}

function timeLabels(chart, axis, height) {
  for (let i = 0; i <= 5; i++) {
    const t = axis.start + axis.span * i / 5;
    chart.appendChild(svg('text', {x: axis.x(t).toFixed(1), y: height - BOTTOM + 16, 'font-size': 11, 'text-anchor': 'middle'},
      new Date(t).toISOString().slice(5, 16).replace('T', ' ')));
  }
}

function markers(chart, axis, events, height, labels) {
  for (const e of storyEvents(events)) {
    const xx = axis.x(Date.parse(e.at));
    const throttling = e.type === 'THROTTLING_STARTED' || e.type === 'THROTTLING_ENDED';
    chart.appendChild(svg('line', {x1: xx.toFixed(1), x2: xx.toFixed(1), y1: TOP, y2: height - BOTTOM,
      stroke: throttling ? PHASE_COLOURS.throttled : PHASE_COLOURS.blocked, 'stroke-dasharray': '3,3', class: 'event-marker',
      'data-type': e.type}));
    if (labels) {
      chart.appendChild(svg('text', {x: (xx - 3).toFixed(1), y: TOP + 2, 'font-size': 10, 'text-anchor': 'end',
        transform: `rotate(-90 ${(xx - 3).toFixed(1)} ${TOP + 2})`}, label(EVENT_LABELS, e.type)));
    }
  }
}

/** One polyline per run of values; a null value (no data in that window) is a gap, not a fake value. */
function polyline(chart, axis, y, list, value, attrs) {
  let points = [];
  const flush = () => {
    if (points.length) chart.appendChild(svg('polyline', Object.assign({fill: 'none', points: points.join(' ')}, attrs)));
    points = [];
  };
  for (const w of list) {
    const v = value(w);
    if (v === null || v === undefined || Number.isNaN(v)) { flush(); continue; }
    const mid = (Date.parse(w.windowStart) + Date.parse(w.windowEnd)) / 2;
    points.push(axis.x(mid).toFixed(1) + ',' + y(v).toFixed(1));
  }
  flush();
}

function legendItem(legend, colour, glyph, text) {
  const s = el('span');
  s.appendChild(el('b', {style: 'color:' + colour}, glyph));
  s.appendChild(document.createTextNode(' ' + text));
  legend.appendChild(s);
}

/**
 * The availability chart and, for a throttled incident whose windows carry speeds, the speed chart under it on the same
 * time axis (the HTML report's charts): speed in bit/s on a log axis, the country bold, each network thin in its
 * availability colour, the median of the country's control targets dashed grey, the throttled stretch shaded.
 */
function drawCharts(windows, events, controls, throttled) {
  const times = [];
  windows.forEach(w => { times.push(Date.parse(w.windowStart)); times.push(Date.parse(w.windowEnd)); });
  events.forEach(e => times.push(Date.parse(e.at)));
  if (times.length === 0) return [el('div', {class: 'muted'}, 'nothing to chart yet')];
  const start = Math.min(...times), end = Math.max(...times);
  const span = Math.max(1, end - start);
  const axis = {start, end, span, x: t => LEFT + (W - LEFT - RIGHT) * (t - start) / span};
  const list = phases(events, new Date(end).toISOString());
  const series = new Map();
  for (const w of windows) {
    const key = w.asn || '';
    if (!series.has(key)) series.set(key, []);
    series.get(key).push(w);
  }
  const networks = [...series.keys()].filter(k => k !== '').sort();
  const colours = new Map(networks.map((asn, i) => [asn, NETWORK_COLOURS[i % NETWORK_COLOURS.length]]));

  const y = v => TOP + (H - TOP - BOTTOM) * (1 - v);
  const chart = svg('svg', {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart availability'});
  shade(chart, axis.x, list, H);
  for (let i = 0; i <= 4; i++) {
    const v = i / 4, yy = y(v);
    chart.appendChild(svg('line', {x1: LEFT, x2: W - RIGHT, y1: yy, y2: yy, stroke: '#eee'}));
    chart.appendChild(svg('text', {x: LEFT - 4, y: yy + 4, 'font-size': 11, 'text-anchor': 'end'}, Math.round(v * 100) + '%'));
  }
  timeLabels(chart, axis, H);
  const availability = w => w.availability;
  networks.forEach(asn => polyline(chart, axis, y, series.get(asn), availability, {stroke: colours.get(asn), 'stroke-width': 1,
    opacity: '0.55', class: 'network', 'data-asn': asn}));
  polyline(chart, axis, y, series.get('') || [], availability, {stroke: '#111', 'stroke-width': 2.5, opacity: '1', class: 'country'});
  markers(chart, axis, events, H, true);
  const legend = el('div', {class: 'legend'});
  legendItem(legend, '#111', '\u2501', 'country');
  colours.forEach((colour, asn) => legendItem(legend, colour, '\u2500', asn));
  const out = [chart, legend];
  if (throttled) out.push(...drawSpeed(axis, series, networks, colours, controls, events, list));
  return out;
}

/** The median over the country's control targets of each one's country-level median speed, per window, in bit/s. */
function controlSeries(controls, axis) {
  const byStart = new Map();
  for (const w of controls) {
    const v = w.medianThroughputBytesPerSecond;
    if (!w.control || !isCountryLevel(w) || v === null || v === undefined) continue;
    const s = Date.parse(w.windowStart), e = Date.parse(w.windowEnd);
    if (s < axis.start || e > axis.end) continue;
    if (!byStart.has(s)) byStart.set(s, {windowStart: w.windowStart, windowEnd: w.windowEnd, values: []});
    byStart.get(s).values.push(v * 8);
  }
  return [...byStart.keys()].sort((a, b) => a - b).map(k => {
    const p = byStart.get(k), v = p.values.sort((a, b) => a - b), mid = Math.floor(v.length / 2);
    return {windowStart: p.windowStart, windowEnd: p.windowEnd, bits: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2};
  });
}

function drawSpeed(axis, series, networks, colours, controls, events, list) {
  const bits = w => {
    const v = w.medianThroughputBytesPerSecond;
    return v === null || v === undefined ? null : v * 8;
  };
  const hasSpeed = l => (l || []).some(w => bits(w) !== null);
  const speedNetworks = networks.filter(asn => hasSpeed(series.get(asn)));
  if (!hasSpeed(series.get('')) && speedNetworks.length === 0) return []; // no data: no empty box
  const control = controlSeries(controls, axis);
  const values = [];
  [series.get('') || [], ...speedNetworks.map(asn => series.get(asn))].forEach(l => l.forEach(w => values.push(bits(w))));
  control.forEach(p => values.push(p.bits));
  const positive = values.filter(v => v !== null && v > 0);
  let low = 0, high = 1;
  if (positive.length) {
    low = Math.floor(Math.log10(Math.min(...positive)));
    high = Math.max(Math.ceil(Math.log10(Math.max(...positive))), low + 1);
  }
  const y = v => TOP + (SPEED_H - TOP - BOTTOM) * (high - (v > 0 ? Math.log10(v) : low)) / (high - low);
  const chart = svg('svg', {width: W, height: SPEED_H, viewBox: `0 0 ${W} ${SPEED_H}`, role: 'img', class: 'chart speed'});
  shade(chart, axis.x, list.filter(p => p.kind === 'throttled'), SPEED_H);
  for (let d = low; d <= high; d++) {
    const decade = Math.pow(10, d);
    const ticks = high - low <= 2 && d < high ? [decade, 2 * decade, 5 * decade] : [decade];
    for (const t of ticks) {
      chart.appendChild(svg('line', {x1: LEFT, x2: W - RIGHT, y1: y(t).toFixed(1), y2: y(t).toFixed(1), stroke: '#eee'}));
      chart.appendChild(svg('text', {x: LEFT - 4, y: (y(t) + 4).toFixed(1), 'font-size': 11, 'text-anchor': 'end',
        class: 'speed-tick', 'data-value': String(t)}, compact(t)));
    }
  }
  chart.appendChild(svg('text', {x: LEFT + 4, y: TOP - 4, 'font-size': 11, fill: '#555'}, 'download speed, bit/s (log scale)'));
  timeLabels(chart, axis, SPEED_H);
  speedNetworks.forEach(asn => polyline(chart, axis, y, series.get(asn), bits, {stroke: colours.get(asn), 'stroke-width': 1,
    opacity: '0.55', class: 'network', 'data-asn': asn}));
  polyline(chart, axis, y, control, p => p.bits, {stroke: CONTROL_COLOUR, 'stroke-width': 1.5, opacity: '1',
    'stroke-dasharray': '6,4', class: 'control'});
  polyline(chart, axis, y, series.get('') || [], bits, {stroke: '#111', 'stroke-width': 2.5, opacity: '1', class: 'country'});
  markers(chart, axis, events, SPEED_H, false);
  const legend = el('div', {class: 'legend'});
  legendItem(legend, '#111', '\u2501', 'country median speed');
  speedNetworks.forEach(asn => legendItem(legend, colours.get(asn), '\u2500', asn));
  if (control.length) {
    const names = [...new Set(controls.filter(w => w.control && isCountryLevel(w)).map(w => w.target))].sort();
    legendItem(legend, CONTROL_COLOUR, '\u2504', 'controls (' + names.join(', ') + ')');
  } else {
    legend.appendChild(el('span', {}, 'no control target measured speed'));
  }
  legendItem(legend, PHASE_COLOURS.throttled, '\u2588', 'throttled');
  return [chart, legend];
}

async function renderCard(inc) {
  const detail = await getJson('/api/v1/incidents/' + encodeURIComponent(inc.incidentId));
  const events = detail.events || [];
  const query = new URLSearchParams({country: inc.country, target: inc.target, asn: '*'});
  const windows = (await getJson('/api/v1/windows?' + query)).windows;
  const throttled = isThrottled(inc, events);
  let controls = [];
  if (throttled) {
    const range = {country: inc.country, control: 'true'};
    if (windows.length) {
      range.from = windows.reduce((a, w) => w.windowStart < a ? w.windowStart : a, windows[0].windowStart);
    }
    controls = (await getJson('/api/v1/windows?' + new URLSearchParams(range))).windows
      .filter(w => w.target !== inc.target);
  }
  const card = el('div', {class: 'card', id: 'card-' + inc.incidentId, 'data-incident': inc.incidentId, 'data-state': inc.state});
  card.appendChild(el('h3', {}, service(inc.target) + ' from ' + inc.country + ': ' + label(STATE_LABELS, inc.state)
    + ' (' + inc.cause + ')'));
  const blocked = inc.blockedNetworks || [], throttledOn = inc.throttledNetworks || [];
  card.appendChild(el('div', {class: 'muted'}, 'incident ' + inc.incidentId + ', since ' + utc(inc.at) + ' UTC'
    + (blocked.length ? ', blocked on ' + blocked.join(', ') : '') + (throttledOn.length ? ', throttled on ' + throttledOn.join(', ') : '')));
  drawCharts(windows, events, controls, throttled).forEach(n => card.appendChild(n));
  const list = el('table', {class: 'events'});
  const head = el('tr');
  const speeds = throttled || events.some(e => e.throughputBytesPerSecond !== null && e.throughputBytesPerSecond !== undefined);
  ['at (UTC)', 'event', 'availability', 'baseline', 'networks blocking']
    .concat(speeds ? ['speed', 'expected speed', 'networks throttling'] : []).concat(['methods'])
    .forEach(h => head.appendChild(el('th', {}, h)));
  list.appendChild(head);
  for (const e of events) {
    const row = el('tr', {class: 'event', 'data-type': e.type});
    row.appendChild(el('td', {}, utc(e.at)));
    row.appendChild(el('td', {class: 'event-label', title: e.type}, label(EVENT_LABELS, e.type) + (e.asn ? ' (' + e.asn + ')' : '')));
    [percent(e.availability), percent(e.baseline), (e.networks || []).filter(n => n.blocked).map(n => n.asn).join(', ')]
      .forEach(v => row.appendChild(el('td', {}, v)));
    if (speeds) {
      row.appendChild(el('td', {class: 'speed'}, speed(e.throughputBytesPerSecond)));
      row.appendChild(el('td', {class: 'expected'}, speed(e.expectedThroughputBytesPerSecond)));
      row.appendChild(el('td', {class: 'throttled-networks'}, (e.networks || []).filter(n => n.throttled)
        .map(n => n.asn + (n.throughputBytesPerSecond === null || n.throughputBytesPerSecond === undefined ? ''
          : ' (' + speed(n.throughputBytesPerSecond) + ')')).join(', ')));
    }
    row.appendChild(el('td', {}, (e.methods || []).join(', ')));
    list.appendChild(row);
  }
  card.appendChild(list);
  return card;
}

async function poll() {
  try {
    const body = await getJson('/api/v1/incidents?state=all');
    document.getElementById('updated').textContent = 'updated ' + new Date().toISOString().slice(11, 19) + ' UTC';
    if (body.version !== lastVersion) {
      lastVersion = body.version;
      renderTable(body.incidents);
      const charts = document.getElementById('charts');
      const shown = body.incidents.slice(0, MAX_CHARTS);
      const keep = new Set(shown.map(i => i.incidentId));
      [...charts.children].forEach(c => { if (!keep.has(c.dataset.incident)) { c.remove(); chartStamps.delete(c.dataset.incident); } });
      let previous = null;
      for (const inc of shown) {
        let card = document.getElementById('card-' + inc.incidentId);
        if (!card || chartStamps.get(inc.incidentId) !== inc.lastChangeAt + '/' + body.version) {
          const fresh = await renderCard(inc);
          if (card) card.replaceWith(fresh); else charts.appendChild(fresh);
          card = fresh;
          chartStamps.set(inc.incidentId, inc.lastChangeAt + '/' + body.version);
        }
        // Open incidents first, as the table.
        if (previous ? previous.nextSibling !== card : charts.firstChild !== card) {
          if (previous) previous.after(card); else charts.prepend(card);
        }
        previous = card;
      }
    }
  } catch (e) {
    if (e.status === 503) {
      document.getElementById('updated').textContent = 'detector starting…';
    } else {
      throw e;
    }
  }
}

async function loop() {
  await pollHealth();
  try {
    await poll();
  } finally {
    setTimeout(loop, POLL_MS);
  }
}

loop();
