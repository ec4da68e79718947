// Warden audit dashboard: plain script over audit-service's HTTP API, no build step.
// The API key stays in sessionStorage (this tab only) and travels as a Bearer header; every value shown is text
// (textContent), never HTML, because decisions carry strings chosen by agents and upstreams.
'use strict';

const KEY_STORE = 'warden.audit.key';
const LIVE_DECISIONS_MS = 3000;
const LIVE_AGGREGATES_MS = 15000;
const RANGES = { '1h': [3600e3, '5m'], '24h': [86400e3, '1h'], '7d': [7 * 86400e3, '1d'] };
const COLORS = { allowed: 'var(--allow)', denied: 'var(--deny)', hidden: 'var(--hidden)',
  rate_limited: 'var(--limited)', approval_required: 'var(--approval)', approval_granted: 'var(--allow-light)',
  approval_denied: 'var(--deny-light)', approval_expired: 'var(--approval-light)', unauthenticated: 'var(--anonymous)',
  upstream_error: 'var(--error)', gateway_error: 'var(--gateway-error)' };
const FILTERS = ['server', 'grant', 'tool', 'outcome', 'q'];

const $ = (id) => document.getElementById(id);
const state = { cursor: null, seen: new Set(), timers: [], outcomes: [] };

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
    this.status = status;
    this.problem = problem;
  }
}

async function api(path, params) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) {
    for (const one of [].concat(v)) {
      if (one !== undefined && one !== null && one !== '') url.searchParams.append(k, one);
    }
  }
  let response;
  try {
    response = await fetch(url, { headers: { Authorization: 'Bearer ' + sessionStorage.getItem(KEY_STORE) } });
  } catch (e) {
    throw new ApiError(0, { detail: 'audit-service cannot be reached (' + e.message + ')' });
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch (ignored) { /* not a problem document */ }
    throw new ApiError(response.status, problem);
  }
  return response.json();
}

function color(outcome) {
  if (COLORS[outcome]) return COLORS[outcome];
  let h = 0;
  for (const c of outcome) h = (h * 31 + c.charCodeAt(0)) % 360;
  return 'hsl(' + h + ', 45%, 45%)';
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k === 'style') e.style.cssText = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c === undefined || c === null ? '' : String(c)));
  return e;
}

function badge(outcome) {
  return el('span', { class: 'badge', style: 'background:' + color(outcome) }, outcome);
}

function range() {
  const [span, bucket] = RANGES[$('range').value];
  const to = new Date();
  return { from: new Date(to.getTime() - span).toISOString(), to: new Date(to.getTime() + 1000).toISOString(), bucket };
}

function filters() {
  const form = $('filters');
  const out = {};
  for (const name of FILTERS) {
    const v = form.elements[name].value.trim();
    if (v) out[name] = v;
  }
  return out;
}

function showBanner(text) {
  $('banner').textContent = text;
  $('banner').hidden = !text;
}

/** What an API failure means for the person looking: sign in again, wait, or fix a filter. */
function failed(error, where) {
  if (error.status === 401) {
    signOut('The API key was refused. Sign in with a key that has a viewer, policy_manager or admin role.');
  } else if (error.status === 400 && where === 'filters') {
    $('filter-error').textContent = 'That filter cannot be used: ' + error.message;
    $('filter-error').hidden = false;
  } else if (error.status === 503) {
    showBanner('audit-service cannot reach its database right now; decisions are kept in Kafka and appear when it is back. Retrying…');
  } else {
    showBanner(error.message + ' Retrying…');
  }
}

// ---- chart ------------------------------------------------------------------------------------------------------

function drawChart(data) {
  const buckets = data.buckets || [];
  const outcomes = buckets.length ? Object.keys(buckets[0].counts) : [];
  state.outcomes = outcomes;
  fillOutcomeSelect(outcomes);
  const totals = {};
  outcomes.forEach((o) => { totals[o] = buckets.reduce((s, b) => s + (b.counts[o] || 0), 0); });
  const total = buckets.reduce((s, b) => s + b.total, 0);
  const c = data.completeness;
  $('totals').textContent = total + ' decisions in range' + (!c ? '' : c.complete ? ' · record complete'
    : ' · record INCOMPLETE: ' + c.gaps + ' missing, ' + c.drops + ' dropped by gateways (see /api/aggregates/completeness)');
  const legend = $('legend');
  legend.replaceChildren(...outcomes.map((o) => el('li', {},
    el('span', { class: 'swatch', style: 'background:' + color(o), 'aria-hidden': 'true' }), o + ' ' + totals[o])));

  const W = 1000, H = 220, P = 30;
  const max = Math.max(1, ...buckets.map((b) => b.total));
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', total + ' decisions in range: ' + outcomes.map((o) => o + ' ' + totals[o]).join(', '));
  const width = (W - P) / Math.max(1, buckets.length);
  buckets.forEach((b, i) => {
    let y = H - P;
    for (const o of outcomes) {
      const n = b.counts[o] || 0;
      if (!n) continue;
      const h = (H - 2 * P) * n / max;
      y -= h;
      const r = document.createElementNS(ns, 'rect');
      r.setAttribute('x', String(P + i * width + 1));
      r.setAttribute('y', String(y));
      r.setAttribute('width', String(Math.max(1, width - 2)));
      r.setAttribute('height', String(h));
      r.setAttribute('fill', color(o));
      const t = document.createElementNS(ns, 'title');
      t.textContent = new Date(b.start).toLocaleString() + ': ' + n + ' ' + o;
      r.append(t);
      svg.append(r);
    }
  });
  for (const [i, b] of buckets.entries()) {
    if (buckets.length > 12 && i % Math.ceil(buckets.length / 8) !== 0) continue;
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', String(P + i * width));
    label.setAttribute('y', String(H - 8));
    label.setAttribute('font-size', '12');
    label.setAttribute('fill', '#5d6675');
    const d = new Date(b.start);
    label.textContent = $('range').value === '7d' ? d.toLocaleDateString() : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    svg.append(label);
  }
  const maxLabel = document.createElementNS(ns, 'text');
  maxLabel.setAttribute('x', '0');
  maxLabel.setAttribute('y', String(P));
  maxLabel.setAttribute('font-size', '12');
  maxLabel.setAttribute('fill', '#5d6675');
  maxLabel.textContent = String(max);
  svg.append(maxLabel);
  $('chart').replaceChildren(svg);
}

function fillOutcomeSelect(outcomes) {
  const select = $('filters').elements.outcome;
  const current = select.value;
  const known = new Set([...select.options].map((o) => o.value));
  for (const o of outcomes) {
    if (!known.has(o)) select.append(el('option', { value: o }, o));
  }
  select.value = current;
}

function fillTable(id, rows, empty) {
  const body = $(id).tBodies[0];
  if (!rows.length) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: String($(id).tHead.rows[0].cells.length), class: 'muted' }, empty)));
    return;
  }
  body.replaceChildren(...rows.map((cells) => el('tr', {}, ...cells.map((c, i) => el('td', i ? { class: 'num' } : {}, c)))));
}

const micros = (v) => (v === null || v === undefined ? '–' : v >= 1000 ? (v / 1000).toFixed(1) + ' ms' : v + ' µs');

async function loadAggregates() {
  const r = range();
  const params = { from: r.from, to: r.to };
  try {
    const [outcomes, tools, rules, grants, latency] = await Promise.all([
      api('/api/aggregates/outcomes', { ...params, bucket: r.bucket }),
      api('/api/aggregates/denied-tools', params),
      api('/api/aggregates/denied-rules', params),
      api('/api/aggregates/grants', params),
      api('/api/aggregates/latency', params)]);
    drawChart(outcomes);
    fillTable('denied-tools', tools.items.map((i) => [i.value, i.count]), 'No denials in this range.');
    fillTable('denied-rules', rules.items.map((i) => [i.value, i.count]), 'No denials in this range.');
    fillTable('grants', grants.items.map((i) => [i.grant_id, i.total, i.counts.denied || 0]), 'No calls in this range.');
    fillTable('latency', [['Gateway', micros(latency.gateway_micros.p50), micros(latency.gateway_micros.p99), micros(latency.gateway_micros.max)],
      ['Upstream', micros(latency.upstream_micros.p50), micros(latency.upstream_micros.p99), micros(latency.upstream_micros.max)]],
      'No calls in this range.');
    showBanner('');
  } catch (e) {
    failed(e, 'aggregates');
  }
}

// ---- decisions --------------------------------------------------------------------------------------------------

function decisionRow(d, fresh) {
  const row = el('tr', { tabindex: '0', 'data-id': d.id, class: fresh ? 'new' : '' },
    el('td', {}, new Date(d.time).toLocaleString()),
    el('td', {}, badge(d.outcome)),
    el('td', {}, d.server_id),
    el('td', {}, d.grant_id),
    el('td', {}, d.tool || d.method),
    el('td', {}, d.rule || ''),
    el('td', { class: 'msg' }, d.message || ''));
  const open = () => showDetail(d);
  row.addEventListener('click', open);
  row.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
  return row;
}

function showEmpty() {
  const body = $('decisions').tBodies[0];
  const any = body.rows.length > 0;
  const filtered = Object.keys(filters()).length > 0;
  $('empty').hidden = any;
  $('empty').textContent = filtered
    ? 'No decision matches these filters in this range. Clear the filters or widen the range.'
    : 'No decisions in this range yet. They appear here a second or two after a gateway makes them; check that '
      + 'gateways publish to Kafka (warden.gateway.decision-log.destinations=kafka) and that an agent is calling.';
}

async function loadDecisions() {
  $('filter-error').hidden = true;
  const r = range();
  try {
    const page = await api('/api/decisions', { ...filters(), from: r.from, to: r.to, limit: 50 });
    state.seen = new Set(page.items.map((d) => d.id));
    state.cursor = page.next_cursor;
    $('decisions').tBodies[0].replaceChildren(...page.items.map((d) => decisionRow(d, false)));
    $('more').hidden = !state.cursor;
    showEmpty();
  } catch (e) {
    failed(e, 'filters');
  }
}

async function loadOlder() {
  const r = range();
  try {
    const page = await api('/api/decisions', { ...filters(), from: r.from, to: r.to, limit: 50, cursor: state.cursor });
    page.items.forEach((d) => state.seen.add(d.id));
    $('decisions').tBodies[0].append(...page.items.map((d) => decisionRow(d, false)));
    state.cursor = page.next_cursor;
    $('more').hidden = !state.cursor;
  } catch (e) {
    failed(e, 'filters');
  }
}

/** Live: the newest page again; rows not seen before go on top, highlighted, and are announced. */
async function refreshDecisions() {
  const r = range();
  try {
    const page = await api('/api/decisions', { ...filters(), from: r.from, to: r.to, limit: 50 });
    const fresh = page.items.filter((d) => !state.seen.has(d.id));
    if (!fresh.length) return;
    fresh.forEach((d) => state.seen.add(d.id));
    $('decisions').tBodies[0].prepend(...fresh.map((d) => decisionRow(d, true)));
    $('live-note').textContent = fresh.length + ' new decision' + (fresh.length > 1 ? 's' : '') + ' at '
      + new Date().toLocaleTimeString();
    showEmpty();
    showBanner('');
  } catch (e) {
    failed(e, 'live');
  }
}

function showDetail(d) {
  const fields = [['Id', d.id], ['Time', d.time], ['Outcome', d.outcome], ['Server', d.server_id], ['Grant', d.grant_id],
    ['Method', d.method], ['Tool', d.tool], ['Rule', d.rule], ['Message', d.message],
    ['Policy', d.policy_id ? d.policy_id + ' v' + d.policy_version : ''], ['Era', d.era + ' ' + (d.protocol_version || '')],
    ['Argument keys', (d.argument_keys || []).join(', ')], ['Upstream status', d.upstream_status],
    ['Gateway time', micros(d.gateway_micros)], ['Upstream time', micros(d.upstream_micros)],
    ['Flags', (d.flags || []).join(', ')], ['Gateway', d.gateway_id]];
  $('detail-fields').replaceChildren(...fields.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  $('detail-json').textContent = JSON.stringify(d, null, 2);
  $('detail').hidden = false;
  $('detail-close').focus();
}

// ---- wiring -----------------------------------------------------------------------------------------------------

function schedule() {
  state.timers.forEach(clearInterval);
  state.timers = [];
  if ($('live').checked) {
    state.timers.push(setInterval(refreshDecisions, LIVE_DECISIONS_MS));
    state.timers.push(setInterval(loadAggregates, LIVE_AGGREGATES_MS));
  }
}

function syncUrl() {
  const params = new URLSearchParams(filters());
  params.set('range', $('range').value);
  history.replaceState(null, '', '?' + params.toString());
}

function reload() {
  syncUrl();
  loadAggregates();
  loadDecisions();
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORE);
  state.timers.forEach(clearInterval);
  state.timers = [];
  $('app').hidden = true;
  $('controls').hidden = true;
  $('detail').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message || '';
  $('signin-error').hidden = !message;
  $('key').value = '';
  $('key').focus();
}

function start() {
  $('signin').hidden = true;
  $('app').hidden = false;
  $('controls').hidden = false;
  reload();
  schedule();
}

document.addEventListener('DOMContentLoaded', () => {
  const initial = new URLSearchParams(location.search);
  for (const name of FILTERS) {
    const v = initial.get(name);
    if (v) {
      const field = $('filters').elements[name];
      if (field.tagName === 'SELECT' && ![...field.options].some((o) => o.value === v)) field.append(el('option', { value: v }, v));
      field.value = v;
    }
  }
  if (RANGES[initial.get('range')]) $('range').value = initial.get('range');

  $('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY_STORE, $('key').value.trim());
    try {
      await api('/api/decisions', { limit: 1 });
      start();
    } catch (err) {
      signOut(err.status === 401 ? 'That API key was refused.' : err.message);
    }
  });
  $('signout').addEventListener('click', () => signOut(''));
  $('filters').addEventListener('submit', (e) => { e.preventDefault(); reload(); });
  $('clear').addEventListener('click', () => { $('filters').reset(); reload(); });
  $('range').addEventListener('change', reload);
  $('live').addEventListener('change', schedule);
  $('more').addEventListener('click', loadOlder);
  $('detail-close').addEventListener('click', () => { $('detail').hidden = true; });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') $('detail').hidden = true; });

  if (sessionStorage.getItem(KEY_STORE)) start(); else signOut('');
});
