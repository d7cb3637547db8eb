// reachwatch live dashboard: polls the status API every 2 s and redraws what changed. No framework,
// no build: the chart is the SVG of the HTML report (AvailabilityReport), drawn here from the API.
'use strict';

const POLL_MS = 2000;
const MAX_CHARTS = 8;
const W = 960, H = 260, LEFT = 48, RIGHT = 16, TOP = 16, BOTTOM = 36;
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
    row.appendChild(el('td', {class: 'phase'}, inc.state));
    row.appendChild(el('td', {class: 'networks'}, inc.blockedNetworks.join(', ')));
    const last = inc.lastEvent;
    row.appendChild(el('td', {class: 'last-event'}, last ? last.type + ' ' + utc(last.at) : ''));
    row.addEventListener('click', () => {
      const card = document.getElementById('card-' + inc.incidentId);
      if (card) card.scrollIntoView({behavior: 'smooth'});
    });
    body.appendChild(row);
  }
}

/** Blocked and partial stretches of the country-level events, as in the HTML report. */
function phases(events, end) {
  const out = [];
  let from = null, kind = null;
  for (const e of events) {
    if (e.asn !== null || e.type === 'METHOD_CHANGED') continue;
    let next;
    if (['DISRUPTION_STARTED', 'REBLOCKED', 'THROTTLING_STARTED'].includes(e.type)) next = 'blocked';
    else if (e.type === 'PARTIAL_RESTORATION') next = 'partial';
    else if (['RESTORED', 'INCIDENT_CLOSED'].includes(e.type)) next = null;
    else next = kind;
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

function drawChart(windows, events) {
  const times = [];
  windows.forEach(w => { times.push(Date.parse(w.windowStart)); times.push(Date.parse(w.windowEnd)); });
  events.forEach(e => times.push(Date.parse(e.at)));
  const start = Math.min(...times), end = Math.max(...times);
  const span = Math.max(1, end - start);
  const x = t => LEFT + (W - LEFT - RIGHT) * (t - start) / span;
  const y = v => TOP + (H - TOP - BOTTOM) * (1 - v);
  const chart = svg('svg', {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart'});
  for (const p of phases(events, new Date(end).toISOString())) {
    const x0 = x(Date.parse(p.from)), x1 = Math.max(x0 + 1, x(Date.parse(p.to)));
    chart.appendChild(svg('rect', {x: x0.toFixed(1), y: TOP, width: (x1 - x0).toFixed(1), height: H - TOP - BOTTOM,
      fill: p.kind === 'blocked' ? '#d62728' : '#ff9f1c', opacity: '0.18', class: 'phase-' + p.kind}));
  }
  for (let i = 0; i <= 4; i++) {
    const v = i / 4, yy = y(v);
    chart.appendChild(svg('line', {x1: LEFT, x2: W - RIGHT, y1: yy, y2: yy, stroke: '#eee'}));
    chart.appendChild(svg('text', {x: LEFT - 4, y: yy + 4, 'font-size': 11, 'text-anchor': 'end'}, Math.round(v * 100) + '%'));
  }
  for (let i = 0; i <= 5; i++) {
    const t = start + span * i / 5;
    chart.appendChild(svg('text', {x: x(t).toFixed(1), y: H - BOTTOM + 16, 'font-size': 11, 'text-anchor': 'middle'},
      new Date(t).toISOString().slice(5, 16).replace('T', ' ')));
  }
  const series = new Map();
  for (const w of windows) {
    const key = w.asn || '';
    if (!series.has(key)) series.set(key, []);
    series.get(key).push(w);
  }
  const networks = [...series.keys()].filter(k => k !== '').sort();
  const colours = new Map(networks.map((asn, i) => [asn, NETWORK_COLOURS[i % NETWORK_COLOURS.length]]));
  const polyline = (list, colour, width, opacity, cls) => {
    let points = [];
    const flush = () => {
      if (points.length) chart.appendChild(svg('polyline', {fill: 'none', stroke: colour, 'stroke-width': width, opacity,
        points: points.join(' '), class: cls}));
      points = [];
    };
    for (const w of list) {
      if (w.availability === null) { flush(); continue; } // no conclusive data: a gap, not a fake value
      const mid = (Date.parse(w.windowStart) + Date.parse(w.windowEnd)) / 2;
      points.push(x(mid).toFixed(1) + ',' + y(w.availability).toFixed(1));
    }
    flush();
  };
  networks.forEach(asn => polyline(series.get(asn), colours.get(asn), 1, '0.55', 'network'));
  polyline(series.get('') || [], '#111', 2.5, '1', 'country');
  for (const e of events) {
    if (e.asn !== null) continue;
    const xx = x(Date.parse(e.at));
    chart.appendChild(svg('line', {x1: xx.toFixed(1), x2: xx.toFixed(1), y1: TOP, y2: H - BOTTOM, stroke: '#d62728',
      'stroke-dasharray': '3,3', class: 'event-marker', 'data-type': e.type}));
    chart.appendChild(svg('text', {x: (xx - 3).toFixed(1), y: TOP + 2, 'font-size': 10, 'text-anchor': 'end',
      transform: `rotate(-90 ${(xx - 3).toFixed(1)} ${TOP + 2})`}, e.type));
  }
  const legend = el('div', {class: 'legend'});
  const country = el('span');
  country.appendChild(el('b', {style: 'color:#111'}, '\u2501'));
  country.appendChild(document.createTextNode(' country'));
  legend.appendChild(country);
  colours.forEach((colour, asn) => {
    const s = el('span');
    s.appendChild(el('b', {style: 'color:' + colour}, '\u2500'));
    s.appendChild(document.createTextNode(' ' + asn));
    legend.appendChild(s);
  });
  return [chart, legend];
}

async function renderCard(inc) {
  const detail = await getJson('/api/v1/incidents/' + encodeURIComponent(inc.incidentId));
  const query = new URLSearchParams({country: inc.country, target: inc.target, asn: '*'});
  const windows = (await getJson('/api/v1/windows?' + query)).windows;
  const card = el('div', {class: 'card', id: 'card-' + inc.incidentId, 'data-incident': inc.incidentId, 'data-state': inc.state});
  card.appendChild(el('h3', {}, service(inc.target) + ' from ' + inc.country + ': ' + inc.state + ' (' + inc.cause + ')'));
  card.appendChild(el('div', {class: 'muted'}, 'incident ' + inc.incidentId + ', since ' + utc(inc.at) + ' UTC'
    + (inc.blockedNetworks.length ? ', blocked on ' + inc.blockedNetworks.join(', ') : '')));
  drawChart(windows, detail.events).forEach(n => card.appendChild(n));
  const list = el('table', {class: 'events'});
  const head = el('tr');
  ['at (UTC)', 'event', 'availability', 'baseline', 'networks blocking', 'methods'].forEach(h => head.appendChild(el('th', {}, h)));
  list.appendChild(head);
  for (const e of detail.events) {
    const row = el('tr', {class: 'event', 'data-type': e.type});
    [utc(e.at), e.type, percent(e.availability), percent(e.baseline),
      (e.networks || []).filter(n => n.blocked).map(n => n.asn).join(', '), (e.methods || []).join(', ')]
      .forEach(v => row.appendChild(el('td', {}, v)));
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
