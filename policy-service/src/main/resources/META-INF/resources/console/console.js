// Warden console: plain script over policy-service's admin API, no build step.
// The API key stays in sessionStorage (this tab only) and travels as a Bearer header. Every value shown is text
// (textContent), never HTML: tool names, descriptions and schemas come from upstreams and are untrusted.
'use strict';

const KEY_STORE = 'warden.console.key';
const SETTINGS_STORE = 'warden.console.settings';
const ROLES = ['viewer', 'policy_manager', 'admin'];
const OPERATORS = ['eq', 'neq', 'in', 'not_in', 'lt', 'lte', 'gt', 'gte', 'regex', 'contains', 'exists', 'starts_with', 'ends_with'];
const WINDOWS = ['second', 'minute', 'hour', 'day'];
const SCOPES = ['grant', 'server', 'global'];
const ACTIONS = [['default', 'Default'], ['allow', 'Allow'], ['deny', 'Deny'], ['rate_limit', 'Rate-limit'],
  ['approval', 'Require approval'], ['hide', 'Hide']];
const APPROVALS_POLL_MS = 5000;
const VALIDATE_DELAY_MS = 300;

const $ = (id) => document.getElementById(id);
const state = {
  session: null, servers: [], policies: [], grants: [],
  pb: { policy: null, tools: [], validateTimer: null, validateSeq: 0 },
  approvalsTimer: null,
  inventoryTimer: null,
};
const INVENTORY_WAIT_MS = 2000;

// ---- plumbing ---------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
    this.status = status;
    this.problem = problem || {};
  }
}

/** One admin API call; the body is sent as given when it is a string (policy documents keep their exact text). */
async function api(method, path, body) {
  const init = { method, headers: { Authorization: 'Bearer ' + sessionStorage.getItem(KEY_STORE) } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { detail: 'policy-service cannot be reached (' + e.message + '). Check that it runs, then retry.' });
  }
  if (response.status === 401 && sessionStorage.getItem(KEY_STORE)) {
    signOut('The API key was refused (unknown or revoked). Sign in again.');
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch (ignored) { /* not a problem document */ }
    throw new ApiError(response.status, problem);
  }
  return response.status === 204 ? null : response.json();
}

/** A problem document as text: its title, detail and every located error. */
function describe(error) {
  const p = error.problem || {};
  const lines = [p.title && p.detail ? p.title + ': ' + p.detail : error.message];
  for (const e of p.errors || []) lines.push((e.pointer || '') + ' ' + e.message);
  return lines.join('\n');
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'value') e.value = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** A form's control by name (form.id and form.name would be the form's own attributes). */
function field(form, name) {
  return form.elements.namedItem(name);
}

function showError(id, error) {
  const p = $(id);
  p.textContent = error ? describe(error) : '';
  p.hidden = !error;
}

function banner(text) {
  $('banner').textContent = text || '';
  $('banner').hidden = !text;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

function settings() {
  try { return JSON.parse(localStorage.getItem(SETTINGS_STORE)) || {}; } catch (e) { return {}; }
}

function auditBase() {
  return settings().audit || (state.session && state.session.audit_dashboard_url) || '';
}

function gatewayBase() {
  return (settings().gateway || (state.session && state.session.gateway_url) || location.protocol + '//' + location.hostname + ':8080')
    .replace(/\/+$/, '');
}

/** A link into audit-service's dashboard filtered to server / grant / tool, or null when no URL is set. */
function auditLink(filters, text) {
  const base = auditBase();
  if (!base) return null;
  const url = new URL(base, location.href);
  for (const [k, v] of Object.entries(filters)) if (v) url.searchParams.set(k, v);
  return el('a', { href: url.toString(), target: '_blank', rel: 'noopener', class: 'audit-link' }, text || 'Audit ↗');
}

function pointerEscape(s) {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

// ---- roles ------------------------------------------------------------------------------------------------------

function allows(needed) {
  return state.session && ROLES.indexOf(state.session.role) >= ROLES.indexOf(needed);
}

/** Disables what the key's role may not do and says why, before the API would refuse it. */
function applyRole() {
  for (const e of document.querySelectorAll('[data-needs]')) {
    const ok = allows(e.dataset.needs);
    const why = 'Needs the ' + e.dataset.needs + ' role; this key has ' + state.session.role + '.';
    if (e.classList.contains('role-note')) {
      e.textContent = why + ' Ask an admin for a key with that role.';
      e.hidden = ok;
    } else {
      e.disabled = !ok;
      if (!ok) e.title = why; else e.removeAttribute('title');
    }
  }
}

// ---- sign in and navigation -------------------------------------------------------------------------------------

async function signIn(key) {
  sessionStorage.setItem(KEY_STORE, key);
  try {
    state.session = await api('GET', '/api/console/session');
  } catch (e) {
    sessionStorage.removeItem(KEY_STORE);
    throw e;
  }
  $('who-name').textContent = state.session.label || state.session.id;
  $('who-role').textContent = state.session.role;
  $('signin').hidden = true;
  $('nav').hidden = false;
  $('who').hidden = false;
  applyRole();
  route();
}

function signOut(message) {
  sessionStorage.removeItem(KEY_STORE);
  state.session = null;
  stopApprovals();
  hideMinted();
  for (const v of document.querySelectorAll('.view')) v.hidden = true;
  $('nav').hidden = true;
  $('who').hidden = true;
  $('signin').hidden = false;
  $('key').value = '';
  $('signin-error').textContent = message || '';
  $('signin-error').hidden = !message;
  $('key').focus();
}

const VIEWS = { servers: showServers, server: showServer, policies: showPolicies, grants: showGrants,
  approvals: showApprovals, settings: showSettings };

/** #servers, #servers/<id>, #policies[/<server>], #grants, #approvals, #settings. */
function route() {
  if (!state.session) return;
  const [first, arg] = location.hash.replace(/^#/, '').split('/').map((part) => {
    try { return decodeURIComponent(part); } catch (e) { return part; }
  });
  const name = first === 'servers' && arg ? 'server' : (VIEWS[first] && first !== 'server' ? first : 'servers');
  stopApprovals();
  banner('');
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-' + name;
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === (name === 'server' ? 'servers' : name)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // Keyboard and screen-reader users land on the new page's title, not on the link they left behind.
  const title = $('view-' + name).querySelector('.page-title');
  if (title && document.activeElement && document.activeElement.closest('#nav, main')) {
    title.tabIndex = -1;
    title.focus();
  }
  VIEWS[name](arg).catch((e) => banner(describe(e)));
}

// ---- servers ----------------------------------------------------------------------------------------------------

async function loadServers() {
  state.servers = await api('GET', '/api/servers');
  return state.servers;
}

function health(inventory) {
  const f = inventory && inventory.last_fetch;
  if (!f) return el('span', { class: 'badge outline' }, 'not fetched yet');
  return f.ok ? el('span', { class: 'badge ok', title: 'last fetch ' + when(f.at) }, 'reachable' + (f.era ? ' · ' + f.era : ''))
    : el('span', { class: 'badge bad', title: f.error || '' }, 'unreachable');
}

async function showServers() {
  const servers = await loadServers();
  const body = $('servers-table').tBodies[0];
  body.replaceChildren(...servers.map((s) => el('tr', { 'data-server': s.id },
    el('th', { scope: 'row' }, el('a', { href: '#servers/' + encodeURIComponent(s.id) }, s.name), el('div', { class: 'muted' }, s.id)),
    el('td', {}, el('code', {}, s.url)), el('td', {}, s.era), el('td', { class: 'http' }, httpVersion(s)),
    el('td', { class: 'health' }, '…'),
    el('td', { class: 'num count' }, '…'), el('td', { class: 'pending' }, ''))));
  $('servers-empty').hidden = servers.length > 0;
  // Health and counts come from each server's inventory; fetched side by side, each row fills in when it arrives.
  await Promise.all(servers.map(async (s) => {
    const row = body.querySelector('tr[data-server="' + CSS.escape(s.id) + '"]');
    try {
      const inv = await api('GET', '/api/servers/' + encodeURIComponent(s.id) + '/tools');
      row.querySelector('.health').replaceChildren(health(inv));
      row.querySelector('.count').textContent = inv.tools.filter((t) => t.listed).length;
      row.querySelector('.pending').replaceChildren(inv.pending_approval.length
        ? el('span', { class: 'badge warn' }, inv.pending_approval.length + ' changed') : '');
    } catch (e) {
      row.querySelector('.health').textContent = describe(e);
    }
  }));
}

/** The protocol Warden (gateway and inventory alike) speaks to the server. */
function httpVersion(server) {
  return server.http2 ? 'HTTP/2' : 'HTTP/1.1';
}

function addHeaderRow() {
  const n = $('header-rows').children.length + 1;
  const row = el('div', { class: 'row header-row' },
    el('label', {}, 'Header name ' + n, el('input', { name: 'header-name', autocomplete: 'off', placeholder: 'Authorization' })),
    el('label', { class: 'wide' }, 'Value ' + n, el('input', { name: 'header-value', type: 'password', autocomplete: 'new-password' })),
    el('button', { type: 'button', class: 'secondary small', onclick: () => row.remove(), 'aria-label': 'Remove header ' + n }, 'Remove'));
  $('header-rows').append(row);
  row.querySelector('input').focus();
}

async function registerServer(event) {
  event.preventDefault();
  const form = event.target;
  const headers = {};
  for (const row of form.querySelectorAll('.header-row')) {
    const name = row.querySelector('[name=header-name]').value.trim();
    if (name) headers[name] = row.querySelector('[name=header-value]').value;
  }
  const body = { id: field(form, 'id').value.trim(), name: field(form, 'name').value.trim(), url: field(form, 'url').value.trim(),
    era: field(form, 'era').value, http2: field(form, 'http2').checked, headers };
  try {
    await api('POST', '/api/servers', body);
  } catch (e) {
    showError('server-form-error', e);
    return;
  }
  showError('server-form-error', null);
  // The secrets leave the page as soon as the server has them.
  form.reset();
  $('header-rows').replaceChildren();
  location.hash = '#servers/' + encodeURIComponent(body.id);
}

function riskBadge(risk) {
  return el('span', { class: 'badge risk-' + risk }, risk + ' risk');
}

function annotationsList(a) {
  const entries = Object.entries(a || {});
  if (!entries.length) return el('span', { class: 'muted', title: 'Missing annotations are read pessimistically' }, 'none');
  return el('ul', {}, entries.map(([k, v]) => el('li', {}, el('code', {}, k), ': ', JSON.stringify(v))));
}

/** A line diff of two pretty-printed definitions: enough to see what a changed tool now says. */
function lineDiff(before, after) {
  const a = JSON.stringify(before, null, 2).split('\n');
  const b = JSON.stringify(after, null, 2).split('\n');
  const inA = new Set(a);
  const inB = new Set(b);
  const out = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) { out.push(['  ', a[i]]); i++; j++; }
    else if (i < a.length && !inB.has(a[i])) { out.push(['- ', a[i]]); i++; }
    else if (j < b.length && !inA.has(b[j])) { out.push(['+ ', b[j]]); j++; }
    else if (i < a.length) { out.push(['- ', a[i]]); i++; }
    else { out.push(['+ ', b[j]]); j++; }
  }
  return el('pre', { class: 'definition-diff', 'aria-label': 'Accepted definition (−) against the one listed now (+)' },
    out.map(([mark, line]) => el('span', { class: mark === '- ' ? 'diff-del' : mark === '+ ' ? 'diff-add' : '' }, mark + line + '\n')));
}

async function showServer(id) {
  state.serverId = id;
  await loadServers();
  const server = state.servers.find((s) => s.id === id);
  if (!server) {
    $('server-title').textContent = 'No server "' + id + '"';
    $('server-meta').textContent = 'It may have been deleted. Go back to the list of servers.';
    $('tools-table').tBodies[0].replaceChildren();
    return;
  }
  $('server-title').textContent = server.name;
  $('server-meta').textContent = server.id + ' · ' + server.url + ' · era ' + server.era + ' · ' + httpVersion(server)
    + ' · headers: ' + (Object.keys(server.headers || {}).join(', ') || 'none');
  field($('server-http2-form'), 'http2').checked = !!server.http2;
  showError('server-http2-error', null);
  $('server-build').href = '#policies/' + encodeURIComponent(id);
  const link = auditLink({ server: id });
  $('server-audit').hidden = !link;
  if (link) $('server-audit').href = link.href;
  await renderTools(id);
}

async function renderTools(id) {
  const inv = await api('GET', '/api/servers/' + encodeURIComponent(id) + '/tools');
  const f = inv.last_fetch;
  $('server-status').replaceChildren(health(inv), ' ',
    f ? (f.ok ? 'Tools fetched ' + when(f.at) + '.' : 'The last fetch failed: ' + (f.error || 'unknown error') + '. Check the URL and headers, then fetch again.')
      : 'The tools have not been fetched yet; this happens right after registration, or use "Fetch tools now".');
  const body = $('tools-table').tBodies[0];
  body.replaceChildren(...inv.tools.flatMap((t) => {
    const def = el('td', {},
      el('details', {}, el('summary', {}, 'Input schema'), el('pre', {}, JSON.stringify(t.input_schema || {}, null, 2))));
    // A changed definition gets a full-width row under the tool: what it said when accepted against what it says now.
    const diffRow = t.changed ? el('tr', { class: 'changed-row', 'data-diff-for': t.name },
      el('td', { colspan: '7' },
        el('div', { class: 'buttons' }, el('span', { class: 'badge warn' }, 'definition changed since it was accepted'),
          el('button', { type: 'button', class: 'small', 'data-needs': 'policy_manager', onclick: () => approveDefinition(id, t.name) },
            'Approve new definition'),
          el('span', { class: 'muted' }, 'Until then, read the change: a new description can carry instructions to the agent.')),
        lineDiff(t.previous_definition, t.definition))) : null;
    if (t.changed) def.prepend(el('div', {}, el('span', { class: 'badge warn' }, 'definition changed')));
    if (!t.listed) def.prepend(el('div', { class: 'muted' }, 'no longer listed by the upstream'));
    const audit = auditLink({ server: id, tool: t.name });
    return [el('tr', { 'data-tool': t.name, class: t.changed ? 'changed-row' : '' },
      el('th', { scope: 'row' }, el('code', {}, t.name), t.title ? el('div', {}, t.title) : null,
        t.description ? el('div', { class: 'muted' }, t.description) : null, audit),
      el('td', { class: 'category' }, t.category),
      el('td', { class: 'risk' }, riskBadge(t.risk)),
      el('td', { class: 'why' }, el('ul', {}, (t.reasons || []).map((r) => el('li', {}, r)))),
      el('td', {}, annotationsList(t.annotations)),
      el('td', {}, t.recommended ? [el('strong', {}, t.recommended.action), el('div', { class: 'muted' }, t.recommended.why)] : ''),
      def), diffRow].filter(Boolean);
  }));
  $('tools-empty').hidden = inv.tools.length > 0;
  // Right after registration the first fetch runs in the background: look again until it has happened.
  clearTimeout(state.inventoryTimer);
  if (!f) state.inventoryTimer = setTimeout(() => renderTools(id).catch((e) => banner(describe(e))), INVENTORY_WAIT_MS);
  $('tools-empty').textContent = 'No tools known yet. ' + (f && !f.ok ? 'The upstream could not be reached: fix it, then "Fetch tools now".'
    : 'Use "Fetch tools now" to list them.');
  applyRole();
}

async function saveHttp2(event) {
  event.preventDefault();
  const id = state.serverId;
  try {
    await api('PATCH', '/api/servers/' + encodeURIComponent(id), { http2: field(event.target, 'http2').checked });
  } catch (e) {
    showError('server-http2-error', e);
    return;
  }
  await showServer(id); // the page shows what was stored, not what was ticked
  $('server-status').textContent = 'Saved: Warden now reaches this server over ' + httpVersion(state.servers.find((s) => s.id === id)) + '.';
}

async function testConnection(id) {
  $('server-status').textContent = 'Testing…';
  try {
    const r = await api('POST', '/api/servers/' + encodeURIComponent(id) + '/test');
    $('server-status').textContent = r.reachable
      ? 'Reachable in ' + r.elapsed_ms + ' ms: era ' + r.era + ', protocol ' + r.protocol_version + ', ' + r.tool_count + ' tools.'
      : 'Not reachable: ' + r.error;
  } catch (e) {
    $('server-status').textContent = describe(e);
  }
}

async function refreshTools(id) {
  $('server-status').textContent = 'Fetching tools…';
  try {
    const r = await api('POST', '/api/servers/' + encodeURIComponent(id) + '/tools/refresh');
    await renderTools(id);
    $('server-status').append(' ' + (r.fetch.ok ? r.tools + ' tools; added ' + r.added.length + ', changed ' + r.changed.length
      + ', removed ' + r.removed.length + '.' : 'Fetch failed: ' + r.fetch.error));
  } catch (e) {
    $('server-status').textContent = describe(e);
  }
}

async function approveDefinition(id, tool) {
  try {
    await api('POST', '/api/servers/' + encodeURIComponent(id) + '/tools/' + encodeURIComponent(tool) + '/approve');
    await renderTools(id);
    $('server-status').textContent = 'The new definition of ' + tool + ' is now the accepted one.';
  } catch (e) {
    $('server-status').textContent = describe(e);
  }
}

// ---- policy builder: the model ----------------------------------------------------------------------------------
// The JSON document is the single source of truth (state.pb.policy). The table reads it; each edit in the table changes
// only the part it shows, so fields the builder does not show (require, methods, categories, ...) survive.

// A document being typed may hold anything: the table reads it defensively and leaves odd shapes to the JSON side.
const isObj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const arr = (x) => (Array.isArray(x) ? x : []);

function ruleOf(policy, name) {
  return isObj(policy.tools) && Object.prototype.hasOwnProperty.call(policy.tools, name) ? policy.tools[name] : undefined;
}

function actionOf(policy, name) {
  if (arr(policy.hide).includes(name)) return 'hide';
  const rule = ruleOf(policy, name);
  if (!isObj(rule)) return 'default';
  if (arr(rule.deny_if).length) return 'deny';
  if (arr(rule.approval).length) return 'approval';
  if (arr(rule.limits).length) return 'rate_limit';
  return 'allow';
}

function counterFor(name) {
  return name.replace(/\|/g, '_').slice(0, 120) + '_calls';
}

/** Rewrites one tool's rule for the chosen action (the previous rule is replaced, as the choice says). */
function setAction(policy, name, action) {
  policy.hide = arr(policy.hide).filter((h) => h !== name);
  if (!isObj(policy.tools)) policy.tools = {};
  delete policy.tools[name];
  switch (action) {
    case 'allow': policy.tools[name] = {}; break;
    case 'deny': policy.tools[name] = { deny_if: [{ conditions: [], on_deny: name + ' is not allowed.' }] }; break;
    case 'rate_limit':
      policy.tools[name] = { limits: [{ counter: counterFor(name), window: 'minute', max: 10, scope: 'grant' }] }; break;
    case 'approval': policy.tools[name] = { approval: [{ conditions: [], reason: 'Needs a person\'s approval: ' + name }] }; break;
    case 'hide': policy.hide.push(name); break;
    default: break;
  }
  if (!policy.hide.length) delete policy.hide;
  if (!Object.keys(policy.tools).length) delete policy.tools;
}

/** A condition's value as typed: JSON when it parses (10, true, ["a","b"], "quoted"), else the plain string. */
function parseValue(text) {
  try { return JSON.parse(text); } catch (e) { return text; }
}

function showValue(v) {
  if (v === undefined) return '';
  if (typeof v === 'string') {
    try { JSON.parse(v); return JSON.stringify(v); } catch (e) { return v; }
  }
  return JSON.stringify(v);
}

// ---- policy builder: the page -----------------------------------------------------------------------------------

function pbText() {
  return JSON.stringify(state.pb.policy, null, 2);
}

/** The table changed the model: write the JSON and check it. */
function modelChanged(rerender) {
  $('pb-json').value = pbText();
  if (rerender) renderBuilder();
  scheduleValidation();
}

function jsonEdited() {
  let parsed;
  try {
    parsed = JSON.parse($('pb-json').value);
  } catch (e) {
    showValidity(false, [{ pointer: '', message: 'Not JSON yet: ' + e.message }]);
    return;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    showValidity(false, [{ pointer: '', message: 'A policy is a JSON object.' }]);
    return;
  }
  state.pb.policy = parsed;
  renderBuilder();
  scheduleValidation();
}

function scheduleValidation() {
  clearTimeout(state.pb.validateTimer);
  state.pb.validateTimer = setTimeout(validateNow, VALIDATE_DELAY_MS);
}

async function validateNow() {
  const seq = ++state.pb.validateSeq;
  const text = $('pb-json').value;
  try {
    JSON.parse(text);
  } catch (e) {
    showValidity(false, [{ pointer: '', message: 'Not JSON yet: ' + e.message }]);
    return;
  }
  try {
    const r = await api('POST', '/api/policy-validation', text);
    if (seq === state.pb.validateSeq) showValidity(r.valid, r.errors);
  } catch (e) {
    if (seq === state.pb.validateSeq) showValidity(false, (e.problem.errors && e.problem.errors.length) ? e.problem.errors
      : [{ pointer: '', message: describe(e) }]);
  }
}

/** The control that shows a pointer: the one whose data-pointer is the longest prefix of it. */
function controlFor(pointer) {
  let best = null;
  for (const c of document.querySelectorAll('#view-policies [data-pointer]')) {
    const p = c.dataset.pointer;
    if ((pointer === p || pointer.startsWith(p + '/')) && (!best || p.length > best.dataset.pointer.length)) best = c;
  }
  return best;
}

function showValidity(valid, errors) {
  $('pb-validity').textContent = valid ? 'Valid: the engine compiles this policy.'
    : (errors.length === 1 ? '1 problem: fix it' : errors.length + ' problems: fix them') + ' before saving.';
  $('pb-validity').className = valid ? 'valid' : 'invalid';
  for (const c of document.querySelectorAll('#view-policies [aria-invalid]')) c.removeAttribute('aria-invalid');
  for (const r of document.querySelectorAll('#pb-tools tr.invalid')) r.classList.remove('invalid');
  $('pb-problems').replaceChildren(...(errors || []).map((e) => {
    const control = e.pointer ? controlFor(e.pointer) : null;
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      const row = control.closest('tr');
      if (row) row.classList.add('invalid');
    }
    return el('li', { 'data-pointer': null },
      el('code', {}, e.pointer || '(document)'), ' ', e.message,
      control ? el('button', { type: 'button', class: 'secondary small', onclick: () => control.focus() }, 'Show') : null);
  }));
  $('pb-save').dataset.valid = valid ? 'true' : 'false';
}

function input(attrs, onchange) {
  return el('input', { ...attrs, oninput: (e) => onchange(e.target.value) });
}

function select(options, value, attrs, onchange) {
  const s = el('select', { ...attrs, onchange: (e) => onchange(e.target.value) },
    options.map((o) => (Array.isArray(o) ? el('option', { value: o[0] }, o[1]) : el('option', { value: o }, o))));
  s.value = value;
  return s;
}

/** Rows for a list of conditions (path, operator, value); combinators are shown and kept, edited in the JSON. */
function conditionRows(tool, entry, base, label) {
  const conditions = arr(entry.conditions);
  const rows = conditions.map((c, i) => {
    const p = base + '/' + i;
    const remove = el('button', { type: 'button', class: 'danger small', 'aria-label': 'Remove condition ' + (i + 1) + ' of ' + tool,
      onclick: () => { conditions.splice(i, 1); modelChanged(true); } }, '×');
    if (!c || typeof c !== 'object' || !('path' in c || 'op' in c)) {
      return el('div', { class: 'sub', 'data-pointer': p }, el('code', {}, JSON.stringify(c)), el('span', { class: 'muted' }, '(edit in the JSON)'), remove);
    }
    return el('div', { class: 'sub condition' },
      input({ 'aria-label': 'Path of condition ' + (i + 1) + ' of ' + tool, value: c.path || '', placeholder: 'args.amount',
        'data-pointer': p + '/path', class: 'cond-path' }, (v) => { c.path = v; modelChanged(false); }),
      select(OPERATORS, c.op, { 'aria-label': 'Operator of condition ' + (i + 1) + ' of ' + tool, 'data-pointer': p + '/op', class: 'cond-op' },
        (v) => { c.op = v; modelChanged(false); }),
      input({ 'aria-label': 'Value of condition ' + (i + 1) + ' of ' + tool, value: showValue(c.value), placeholder: '10000',
        'data-pointer': p + '/value', class: 'cond-value' }, (v) => { c.value = parseValue(v); modelChanged(false); }),
      remove);
  });
  return el('div', { 'data-pointer': base },
    el('div', { class: 'muted' }, label + (conditions.length ? '' : ' (no condition: always)')),
    rows,
    el('button', { type: 'button', class: 'secondary small', onclick: () => {
      if (!Array.isArray(entry.conditions)) entry.conditions = conditions;
      conditions.push({ path: 'args.', op: 'eq', value: '' }); modelChanged(true);
      const last = [...document.querySelectorAll('#pb-tools tr[data-tool="' + CSS.escape(tool) + '"] .cond-path')].pop();
      if (last) last.focus();
    } }, 'Add condition'));
}

function limitRows(tool, limits, base) {
  return el('div', { 'data-pointer': base },
    limits.map((l, i) => {
      const p = base + '/' + i;
      return el('div', { class: 'sub limit' },
        input({ 'aria-label': 'Counter of limit ' + (i + 1) + ' of ' + tool, value: l.counter || '', 'data-pointer': p + '/counter', class: 'limit-counter' },
          (v) => { l.counter = v; modelChanged(false); }),
        input({ 'aria-label': 'Most calls per window, limit ' + (i + 1) + ' of ' + tool, value: l.max, type: 'number', min: 1,
          'data-pointer': p + '/max', class: 'num-in limit-max' }, (v) => { l.max = v === '' ? v : Number(v); modelChanged(false); }),
        el('span', {}, 'per'),
        WINDOWS.includes(l.window) || l.window === undefined
          ? select(WINDOWS, l.window, { 'aria-label': 'Window of limit ' + (i + 1) + ' of ' + tool, 'data-pointer': p + '/window', class: 'limit-window' },
            (v) => { l.window = v; modelChanged(false); })
          : input({ 'aria-label': 'Window of limit ' + (i + 1) + ' of ' + tool, value: String(l.window), 'data-pointer': p + '/window', class: 'num-in' },
            (v) => { l.window = /^\d+$/.test(v) ? Number(v) : v; modelChanged(false); }),
        select(SCOPES, l.scope, { 'aria-label': 'Scope of limit ' + (i + 1) + ' of ' + tool, 'data-pointer': p + '/scope', class: 'limit-scope' },
          (v) => { l.scope = v; modelChanged(false); }),
        el('button', { type: 'button', class: 'danger small', 'aria-label': 'Remove limit ' + (i + 1) + ' of ' + tool,
          onclick: () => { limits.splice(i, 1); modelChanged(true); } }, '×'));
    }),
    el('button', { type: 'button', class: 'secondary small', onclick: () => {
      limits.push({ counter: counterFor(tool) + (limits.length ? '_' + (limits.length + 1) : ''), window: 'minute', max: 10, scope: 'grant' });
      modelChanged(true);
    } }, 'Add limit'));
}

function jsonOnly() {
  return el('span', { class: 'muted' }, 'This rule has a shape the table cannot edit: edit it in the JSON.');
}

function detailsFor(name, action) {
  const rule = ruleOf(state.pb.policy, name);
  const base = '/tools/' + pointerEscape(name);
  const extra = isObj(rule)
    ? Object.keys(rule).filter((k) => !['deny_if', 'approval', 'limits'].includes(k)) : [];
  const parts = [];
  if (action === 'deny') {
    const entry = rule.deny_if[0];
    if (!isObj(entry) || (entry.conditions !== undefined && !Array.isArray(entry.conditions))) return [jsonOnly()];
    parts.push(el('label', {}, 'Message to the agent',
      input({ value: entry.on_deny || '', class: 'wide-in', 'data-pointer': base + '/deny_if/0/on_deny' },
        (v) => { entry.on_deny = v; modelChanged(false); })));
    parts.push(conditionRows(name, entry, base + '/deny_if/0/conditions', 'Deny when all hold'));
  } else if (action === 'approval') {
    const entry = rule.approval[0];
    if (!isObj(entry) || (entry.conditions !== undefined && !Array.isArray(entry.conditions))) return [jsonOnly()];
    parts.push(el('label', {}, 'Reason shown to approvers',
      input({ value: entry.reason || '', class: 'wide-in', 'data-pointer': base + '/approval/0/reason' },
        (v) => { entry.reason = v; modelChanged(false); })));
    parts.push(conditionRows(name, entry, base + '/approval/0/conditions', 'Ask when all hold'));
  } else if (action === 'rate_limit') {
    if (!rule.limits.every(isObj)) return [jsonOnly()];
    parts.push(limitRows(name, rule.limits, base + '/limits'));
  } else if (action === 'allow') {
    parts.push(el('span', { class: 'muted' }, 'Every call allowed.'));
  } else if (action === 'hide') {
    parts.push(el('span', { class: 'muted' }, 'Removed from tools/list; a call is answered as an unknown tool.'));
  } else {
    parts.push(el('span', { class: 'muted' }, 'No rule: ' + ((state.pb.policy.default === 'allow') ? 'allowed' : 'denied') + ' by the default.'));
  }
  const moreEntries = isObj(rule) && (arr(rule.deny_if).length > 1 || arr(rule.approval).length > 1
    || (action !== 'rate_limit' && arr(rule.limits).length) || (action === 'deny' && arr(rule.approval).length));
  if (extra.length || moreEntries) {
    parts.push(el('div', { class: 'muted' }, 'More in the JSON: ' + (extra.concat(moreEntries ? ['further entries'] : [])).join(', ')));
  }
  return parts;
}

/** Redraws the table from the document; a shape it cannot draw leaves the table empty with a note, never a broken page. */
function renderBuilder() {
  try {
    drawBuilder();
  } catch (e) {
    $('pb-tools').tBodies[0].replaceChildren();
    $('pb-tools-empty').textContent = 'The table cannot show this document (' + e.message + '); edit it in the JSON.';
    $('pb-tools-empty').hidden = false;
  }
}

function drawBuilder() {
  const policy = state.pb.policy;
  $('pb-default').value = policy.default === 'allow' ? 'allow' : 'deny';
  if (document.activeElement !== $('pb-hide')) $('pb-hide').value = arr(policy.hide).filter((h) => typeof h === 'string').filter((h) => /[*?]/.test(h)
    || !state.pb.tools.some((t) => t.name === h)).join('\n');
  // Every inventory tool, then rule keys the inventory does not list (globs, tools not seen yet).
  const names = state.pb.tools.map((t) => t.name);
  for (const k of Object.keys(isObj(policy.tools) ? policy.tools : {})) if (!names.includes(k)) names.push(k);
  const byName = Object.fromEntries(state.pb.tools.map((t) => [t.name, t]));
  const body = $('pb-tools').tBodies[0];
  const focused = document.activeElement && body.contains(document.activeElement)
    ? [document.activeElement.closest('tr').dataset.tool, document.activeElement.getAttribute('aria-label')] : null;
  body.replaceChildren(...names.map((name) => {
    const t = byName[name];
    const action = actionOf(policy, name);
    return el('tr', { 'data-tool': name, 'data-pointer': '/tools/' + pointerEscape(name) },
      el('th', { scope: 'row' }, el('code', {}, name), ' ', t ? riskBadge(t.risk) : el('span', { class: 'badge outline' }, /[*?]/.test(name) ? 'glob' : 'not listed'),
        t ? el('div', { class: 'muted' }, t.category + (t.recommended ? ' · recommended: ' + t.recommended.action : '')) : null),
      el('td', {}, select(ACTIONS, action, { 'aria-label': 'Rule for ' + name, class: 'action' }, (v) => {
        setAction(state.pb.policy, name, v);
        modelChanged(true);
        const again = body.querySelector('tr[data-tool="' + CSS.escape(name) + '"] select.action');
        if (again) again.focus();
      })),
      el('td', { class: 'details' }, detailsFor(name, action)));
  }));
  $('pb-tools-empty').textContent = 'Choose a server to list its tools, or add rules in the JSON.';
  $('pb-tools-empty').hidden = names.length > 0;
  if (focused) {
    const row = body.querySelector('tr[data-tool="' + CSS.escape(focused[0]) + '"]');
    const again = row && row.querySelector('[aria-label="' + CSS.escape(focused[1]) + '"]');
    if (again) again.focus();
  }
}

function loadIntoBuilder(policy, status) {
  state.pb.policy = policy;
  $('pb-json').value = pbText();
  renderBuilder();
  $('pb-status').textContent = status;
  validateNow();
}

async function pbServerChosen() {
  const id = $('pb-server').value;
  state.pb.tools = [];
  if (id) {
    try {
      state.pb.tools = (await api('GET', '/api/servers/' + encodeURIComponent(id) + '/tools')).tools.filter((t) => t.listed);
    } catch (e) {
      $('pb-status').textContent = describe(e);
    }
  }
  renderBuilder();
  await fillShadowGrants(id);
}

// ---- shadow evaluation --------------------------------------------------------------------------------------------

async function fillShadowGrants(serverId) {
  const pick = $('shadow-grant');
  const kept = pick.value;
  let grants = [];
  if (serverId) {
    try { grants = await api('GET', '/api/grants?server=' + encodeURIComponent(serverId)); } catch (ignored) { /* the replay covers every grant */ }
  }
  pick.replaceChildren(el('option', { value: '' }, 'every grant of the server'),
    ...grants.map((g) => el('option', { value: g.id }, g.label + ' (' + g.id + ')')));
  if (grants.some((g) => g.id === kept)) pick.value = kept;
  $('shadow-result').hidden = true;
  $('shadow-status').textContent = '';
}

const OUTCOME_NAMES = { allowed: 'allowed', denied: 'denied', rate_limited: 'rate-limited', hidden: 'hidden',
  approval_required: 'needs approval', cannot_tell: 'cannot tell' };

function shadowExample(x) {
  const what = x.method === 'tools/call' ? x.tool : x.method;
  const after = x.rule ? ' by ' + x.rule : '';
  return el('li', { 'data-decision': x.id || '' },
    el('code', {}, what || '?'), ' (' + (x.grant || '?') + ', ' + when(x.time) + '): was ' + x.recorded
    + (x.recorded_rule ? ' by ' + x.recorded_rule : '') + '; now ' + (OUTCOME_NAMES[x.outcome] || x.outcome) + after
    + (x.message ? ' — “' + x.message + '”' : '') + (x.reason ? ' — ' + x.reason : ''));
}

async function runShadow() {
  const server = $('pb-server').value;
  const status = $('shadow-status');
  $('shadow-result').hidden = true;
  if (!server) { status.textContent = 'Choose a server first.'; return; }
  let policy;
  try { policy = JSON.parse($('pb-json').value); } catch (e) { status.textContent = 'The JSON does not parse: ' + e.message; return; }
  status.textContent = 'Replaying the last day of decisions…';
  $('shadow-run').disabled = true;
  try {
    const r = await api('POST', '/api/shadow-evaluations', { server, grant: $('shadow-grant').value || null, policy });
    status.textContent = '';
    $('shadow-summary').textContent = 'Replayed ' + r.evaluated + ' decisions from ' + when(r.from) + ' to ' + when(r.to)
      + ': ' + r.unchanged + ' unchanged, ' + r.changed + ' changed, ' + r.cannot_tell_count + ' cannot tell'
      + (r.skipped ? ' (' + r.skipped + ' skipped: no policy decided them)' : '') + '.';
    $('shadow-changes').tBodies[0].replaceChildren(...r.changes.map((c) => el('tr', { 'data-from': c.from, 'data-to': c.to },
      el('td', {}, OUTCOME_NAMES[c.from] || c.from), el('td', {}, el('strong', {}, OUTCOME_NAMES[c.to] || c.to)),
      el('td', { class: 'num' }, String(c.count)), el('td', {}, el('ul', { class: 'examples' }, ...c.examples.map(shadowExample))))));
    $('shadow-changes').hidden = r.changes.length === 0;
    $('shadow-no-changes').hidden = r.changes.length > 0 || r.evaluated === 0;
    $('shadow-cannot-tell').hidden = r.cannot_tell.length === 0;
    $('shadow-cannot-tell-list').replaceChildren(...r.cannot_tell.map(shadowExample));
    $('shadow-notes').replaceChildren(...(r.evaluated === 0 ? ['No decision was recorded for this server in the last 24 hours.'] : [])
      .concat(r.notes).map((n) => el('li', {}, n)));
    $('shadow-result').hidden = false;
  } catch (e) {
    if (e.problem.errors && e.status === 422) showValidity(false, e.problem.errors.map((x) => ({ ...x, pointer: (x.pointer || '').replace(/^\/policy/, '') })));
    status.textContent = describe(e);
  } finally {
    $('shadow-run').disabled = false;
  }
}

async function loadRecommended() {
  const id = $('pb-server').value;
  if (!id) { $('pb-status').textContent = 'Choose a server first.'; return; }
  try {
    loadIntoBuilder(await api('GET', '/api/servers/' + encodeURIComponent(id) + '/recommended-policy'),
      'Started from the recommended policy for ' + id + '. Adjust it, then save.');
  } catch (e) {
    $('pb-status').textContent = describe(e);
  }
}

async function loadCurrent() {
  const name = $('pb-name').value.trim();
  if (!name) { $('pb-status').textContent = 'Type or pick a policy name first.'; return; }
  try {
    const v = await api('GET', '/api/policies/' + encodeURIComponent(name));
    loadIntoBuilder(v.document, 'Loaded version ' + v.version + ' of ' + name + '.');
  } catch (e) {
    $('pb-status').textContent = e.status === 404 ? 'No policy "' + name + '" yet: saving creates it.' : describe(e);
  }
  await renderVersions();
}

async function savePolicy() {
  const name = $('pb-name').value.trim();
  if (!name || !$('pb-name').checkValidity()) {
    $('pb-status').textContent = 'Give the policy a name (letters, digits, dot, underscore, dash) before saving.';
    $('pb-name').focus();
    return;
  }
  const exists = state.policies.some((p) => p.name === name);
  try {
    const v = await api('POST', '/api/policies/' + encodeURIComponent(name) + (exists ? '/versions' : ''), $('pb-json').value);
    $('pb-status').textContent = 'Saved ' + name + ' version ' + v.version + ' (' + v.hash + '). Attach it to grants on the Grants page.';
    state.policies = await api('GET', '/api/policies');
    fillPolicyNames();
  } catch (e) {
    if (e.problem.errors) showValidity(false, e.problem.errors);
    $('pb-status').textContent = 'Not saved. ' + describe(e);
  }
  await renderVersions();
}

async function renderVersions() {
  const name = $('pb-name').value.trim();
  $('pb-versions-name').textContent = name || 'this policy';
  $('pb-diff').hidden = true;
  let versions = [];
  if (name && state.policies.some((p) => p.name === name)) {
    try { versions = await api('GET', '/api/policies/' + encodeURIComponent(name) + '/versions'); } catch (e) { $('pb-status').textContent = describe(e); }
  }
  const current = versions.find((v) => v.current);
  $('pb-versions').tBodies[0].replaceChildren(...versions.slice().reverse().map((v) => el('tr', { 'data-version': v.version },
    el('th', { scope: 'row' }, 'v' + v.version, v.current ? el('span', { class: 'badge ok' }, 'current') : null),
    el('td', {}, when(v.created_at)), el('td', {}, v.author), el('td', {}, v.note || ''),
    el('td', { class: 'buttons' },
      el('button', { type: 'button', class: 'secondary small', onclick: async () => {
        try {
          const doc = await api('GET', '/api/policies/' + encodeURIComponent(name) + '/versions/' + v.version);
          loadIntoBuilder(doc.document, 'Loaded version ' + v.version + ' into the editor; saving makes it a new version.');
        } catch (e) { $('pb-status').textContent = describe(e); }
      } }, 'Edit'),
      current && !v.current ? el('button', { type: 'button', class: 'secondary small', onclick: () => showDiff(name, v.version, current.version) },
        'Diff to current') : null,
      !v.current ? el('button', { type: 'button', class: 'danger small', 'data-needs': 'policy_manager', onclick: async () => {
        if (!confirm('Make version ' + v.version + ' of ' + name + ' current again (as a new version)?')) return;
        try {
          const r = await api('POST', '/api/policies/' + encodeURIComponent(name) + '/rollback', { version: v.version });
          $('pb-status').textContent = 'Rolled back: version ' + r.version + ' has the document of version ' + v.version + '.';
          loadIntoBuilder(r.document, $('pb-status').textContent);
          state.policies = await api('GET', '/api/policies');
        } catch (e) { $('pb-status').textContent = describe(e); }
        await renderVersions();
      } }, 'Roll back') : null))));
  $('pb-versions-empty').hidden = versions.length > 0;
  applyRole();
}

async function showDiff(name, from, to) {
  try {
    const d = await api('GET', '/api/policies/' + encodeURIComponent(name) + '/diff?from=' + from + '&to=' + to);
    $('pb-diff-title').textContent = 'From version ' + from + ' to version ' + to + ': ' + d.changes.length + ' changes';
    $('pb-diff-list').replaceChildren(...d.changes.map((c) => el('li', {},
      el('strong', {}, c.op), ' ', el('code', {}, c.pointer || '/'), ' ',
      c.op !== 'add' ? el('span', { class: 'diff-del' }, JSON.stringify(c.from)) : null, c.op === 'replace' ? ' → ' : ' ',
      c.op !== 'remove' ? el('span', { class: 'diff-add' }, JSON.stringify(c.to)) : null)));
    $('pb-diff').hidden = false;
  } catch (e) {
    $('pb-status').textContent = describe(e);
  }
}

function fillPolicyNames() {
  $('pb-names').replaceChildren(...state.policies.map((p) => el('option', { value: p.name })));
}

async function showPolicies(serverId) {
  const [servers, policies] = await Promise.all([loadServers(), api('GET', '/api/policies')]);
  state.policies = policies;
  fillPolicyNames();
  const chosen = serverId || $('pb-server').value || (servers[0] && servers[0].id) || '';
  $('pb-server').replaceChildren(el('option', { value: '' }, servers.length ? 'Choose a server' : 'No server registered yet'),
    ...servers.map((s) => el('option', { value: s.id }, s.name + ' (' + s.id + ')')));
  $('pb-server').value = chosen;
  if (!state.pb.policy) {
    state.pb.policy = { version: '1', default: 'deny', tools: {} };
    $('pb-json').value = pbText();
  }
  await pbServerChosen();
  await renderVersions();
  applyRole();
}

// ---- grants -----------------------------------------------------------------------------------------------------

function clientConfigs(grant, token) {
  const url = gatewayBase() + '/mcp/' + encodeURIComponent(grant.server);
  const key = grant.server;
  const blocks = [
    ['Claude Desktop (claude_desktop_config.json, through mcp-remote)', JSON.stringify({ mcpServers: { [key]: {
      command: 'npx', args: ['-y', 'mcp-remote', url, '--header', 'Authorization:${WARDEN_AUTH}'],
      env: { WARDEN_AUTH: 'Bearer ' + token } } } }, null, 2)],
    ['Cursor (.cursor/mcp.json)', JSON.stringify({ mcpServers: { [key]: { url, headers: { Authorization: 'Bearer ' + token } } } }, null, 2)],
    ['TypeScript SDK (@modelcontextprotocol/sdk)', [
      "import { Client } from '@modelcontextprotocol/sdk/client/index.js';",
      "import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';",
      '',
      'const transport = new StreamableHTTPClientTransport(new URL(' + JSON.stringify(url) + '), {',
      '  requestInit: { headers: { Authorization: ' + JSON.stringify('Bearer ' + token) + ' } },',
      '});',
      "const client = new Client({ name: 'my-agent', version: '1.0.0' });",
      'await client.connect(transport);'].join('\n')],
    ['Python SDK (mcp)', [
      'from mcp import ClientSession',
      'from mcp.client.streamable_http import streamablehttp_client',
      '',
      'async with streamablehttp_client(' + JSON.stringify(url) + ', headers={"Authorization": ' + JSON.stringify('Bearer ' + token) + '}) as (read, write, _):',
      '    async with ClientSession(read, write) as session:',
      '        await session.initialize()'].join('\n')],
  ];
  return blocks.map(([title, text], i) => el('div', { class: 'config-block' },
    el('h4', { id: 'cfg-title-' + i }, title),
    el('pre', { id: 'cfg-' + i, 'aria-labelledby': 'cfg-title-' + i, tabindex: '0' }, text),
    el('button', { type: 'button', class: 'secondary small copy', 'data-copy': 'cfg-' + i }, 'Copy')));
}

function showMinted(minted) {
  $('minted-grant').textContent = minted.grant.label + ' (' + minted.grant.id + ')';
  $('minted-token').value = minted.token;
  $('minted-configs').replaceChildren(...clientConfigs(minted.grant, minted.token));
  $('minted').hidden = false;
  $('minted').focus();
}

/** Forgets the token: after this, nothing on the page holds it. */
function hideMinted() {
  $('minted-token').value = '';
  $('minted-configs').replaceChildren();
  $('minted').hidden = true;
}

async function copyFrom(id, button) {
  const e = $(id);
  const text = e.value !== undefined && e.tagName === 'INPUT' ? e.value : e.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch (err) {
    // Clipboard access needs a secure context; fall back to selecting the text for Ctrl+C.
    const range = document.createRange();
    range.selectNodeContents(e);
    if (e.select) e.select(); else { getSelection().removeAllRanges(); getSelection().addRange(range); }
    button.textContent = 'Selected: press Ctrl+C';
  }
  setTimeout(() => { button.textContent = button.dataset.label || 'Copy'; }, 2000);
}

async function grantAction(grant, action) {
  if (action === 'revoke' && !confirm('Revoke ' + grant.id + '? Its token stops working at once; this cannot be undone.')) return;
  if (action === 'rotate' && !confirm('Rotate ' + grant.id + '? The old token stops working at once.')) return;
  try {
    const r = await api('POST', '/api/grants/' + encodeURIComponent(grant.id) + '/' + action);
    if (action === 'rotate') showMinted(r);
    banner('');
  } catch (e) {
    banner(describe(e));
  }
  await renderGrants();
}

async function attachPolicy(grant, policy) {
  try {
    await api('PUT', '/api/grants/' + encodeURIComponent(grant.id) + '/policy', { policy: policy || null });
    banner('');
  } catch (e) {
    banner(describe(e));
  }
  await renderGrants();
}

async function renderGrants() {
  state.grants = await api('GET', '/api/grants');
  const policyOptions = [['', 'none (every call denied)']].concat(state.policies.map((p) => [p.name, p.name + ' (v' + p.current_version + ')']));
  $('grants-table').tBodies[0].replaceChildren(...state.grants.map((g) => {
    const active = g.state === 'active';
    const pick = select(policyOptions, g.policy || '', { 'aria-label': 'Policy for ' + g.id, 'data-needs': 'policy_manager' }, () => {});
    return el('tr', { 'data-grant': g.id },
      el('th', { scope: 'row' }, g.label, el('div', { class: 'muted' }, g.id)),
      el('td', {}, g.server),
      el('td', {}, el('span', { class: 'badge ' + (active ? 'ok' : 'outline') }, g.state), g.expires_at ? el('div', { class: 'muted' }, 'expires ' + when(g.expires_at)) : null),
      el('td', { class: 'buttons' }, pick,
        el('button', { type: 'button', class: 'secondary small', 'data-needs': 'policy_manager', disabled: !active,
          onclick: () => attachPolicy(g, pick.value) }, 'Attach')),
      el('td', { class: 'usage' }, '…'),
      el('td', {}, when(g.created_at), g.rotated_at ? el('div', { class: 'muted' }, 'rotated ' + when(g.rotated_at)) : null),
      el('td', { class: 'buttons' },
        active ? el('button', { type: 'button', class: 'secondary small', 'data-needs': 'admin', onclick: () => grantAction(g, 'rotate') }, 'Rotate') : null,
        active ? el('button', { type: 'button', class: 'danger small', 'data-needs': 'admin', onclick: () => grantAction(g, 'revoke') }, 'Revoke') : null,
        auditLink({ server: g.server, grant: g.id }, 'Usage ↗')));
  }));
  $('grants-empty').hidden = state.grants.length > 0;
  applyRole();
  renderUsage(); // not awaited: the table is usable while audit-service answers
  for (const b of document.querySelectorAll('#grants-table button[data-needs="policy_manager"]')) {
    if (b.closest('tr').querySelector('.badge').textContent !== 'active') b.disabled = true;
  }
}

/** Calls in the last 24 h and last use per grant, from audit-service through policy-service. */
async function renderUsage() {
  const note = $('grants-usage-note');
  let usage = null;
  try {
    usage = (await api('GET', '/api/console/grant-usage')).grants;
    note.hidden = true;
  } catch (e) {
    note.textContent = e.status === 503 ? 'Usage needs audit-service, which policy-service is not configured to read'
      + ' (warden.policy.audit-service.url and .api-key).' : 'Usage unavailable. ' + describe(e);
    note.hidden = false;
  }
  for (const row of document.querySelectorAll('#grants-table tr[data-grant]')) {
    const cell = row.querySelector('td.usage');
    const u = usage && usage[row.dataset.grant];
    if (!u) { cell.replaceChildren('—'); continue; }
    cell.replaceChildren(...[el('span', { class: 'calls' }, u.calls + (u.calls === 1 ? ' call' : ' calls')),
      u.refused ? el('span', { class: 'muted' }, ', ' + u.refused + ' refused') : null,
      el('div', { class: 'muted last-used' }, u.last_used ? 'last used ' + when(u.last_used) : 'never used')].filter(Boolean));
  }
}

async function showGrants() {
  const [servers, policies] = await Promise.all([loadServers(), api('GET', '/api/policies')]);
  state.policies = policies;
  const form = $('grant-form');
  const server = form.server.value;
  form.server.replaceChildren(...servers.map((s) => el('option', { value: s.id }, s.name + ' (' + s.id + ')')));
  if (server) form.server.value = server;
  form.policy.replaceChildren(el('option', { value: '' }, 'none yet'), ...policies.map((p) => el('option', { value: p.name }, p.name)));
  await renderGrants();
}

async function mintGrant(event) {
  event.preventDefault();
  const form = event.target;
  const body = { id: field(form, 'id').value.trim(), label: field(form, 'label').value.trim(), server: field(form, 'server').value };
  if (form.policy.value) body.policy = form.policy.value;
  if (form.expires_at.value) body.expires_at = new Date(form.expires_at.value).toISOString();
  try {
    const minted = await api('POST', '/api/grants', body);
    showError('grant-form-error', null);
    form.reset();
    showMinted(minted);
  } catch (e) {
    showError('grant-form-error', e);
    return;
  }
  await renderGrants();
}

// ---- approvals (the approvals API: GET /api/approvals, POST /api/approvals/{id}/approve|deny) ---------------

/** Stops the page's background refreshes (each view starts its own). */
function stopApprovals() {
  clearInterval(state.approvalsTimer);
  state.approvalsTimer = null;
  clearTimeout(state.inventoryTimer);
  state.inventoryTimer = null;
}

function millisOrIso(v) {
  if (v === undefined || v === null || v === '' || v === 0) return null;
  return typeof v === 'number' ? new Date(v).toISOString() : v;
}

function argumentsCell(a) {
  const keys = a.argument_keys || [];
  if (a.arguments && typeof a.arguments === 'object') {
    return el('pre', { class: 'args' }, JSON.stringify(a.arguments, null, 2));
  }
  return el('div', {}, keys.length ? keys.map((k) => el('code', {}, k)).reduce((acc, c) => acc.concat(acc.length ? [', ', c] : [c]), []) : 'none',
    keys.length ? el('div', { class: 'muted' }, 'values are shown to approvers only') : null);
}

async function decide(a, verdict, comment) {
  try {
    await api('POST', '/api/approvals/' + encodeURIComponent(a.id) + '/' + verdict, { comment });
    $('approvals-updated').textContent = (verdict === 'approve' ? 'Approved ' : 'Denied ') + a.tool + '.';
  } catch (e) {
    banner(e.status === 409 ? 'Already decided or expired: ' + describe(e) : describe(e));
  }
  await pollApprovals();
}

async function pollApprovals() {
  let answer;
  try {
    answer = await api('GET', '/api/approvals?state=pending');
  } catch (e) {
    if (e.status === 404) {
      stopApprovals();
      $('approvals-note').textContent = 'This policy-service has no approvals API (GET /api/approvals answered 404), '
        + 'so there is nothing to approve here. Run a policy-service version with approvals to decide calls that hit an '
        + '"approval" rule from this page.';
      $('approvals-note').hidden = false;
      $('approvals-card').hidden = true;
      return;
    }
    $('approvals-updated').textContent = 'Refresh failed (' + describe(e) + '); retrying.';
    return;
  }
  $('approvals-note').hidden = true;
  $('approvals-card').hidden = false;
  const list = Array.isArray(answer) ? answer : (answer.approvals || answer.items || []);
  const pending = list.filter((a) => !a.state || String(a.state).toLowerCase() === 'pending');
  const body = $('approvals-table').tBodies[0];
  // Keep what someone is typing: rows still pending stay as they are, new ones are added, decided ones go.
  const ids = new Set(pending.map((a) => a.id));
  for (const row of [...body.rows]) if (!ids.has(row.dataset.approval)) row.remove();
  for (const a of pending) {
    if (body.querySelector('tr[data-approval="' + CSS.escape(a.id) + '"]')) continue;
    const comment = el('input', { 'aria-label': 'Comment on ' + a.tool + ' for ' + (a.grant_label || a.grant_id), placeholder: 'comment (optional)', class: 'comment' });
    const may = allows('policy_manager');
    body.append(el('tr', { 'data-approval': a.id },
      el('th', { scope: 'row' }, el('code', {}, a.tool), el('div', { class: 'muted' }, a.server), auditLink({ server: a.server, grant: a.grant_id, tool: a.tool })),
      el('td', {}, a.grant_label || a.grant_id, el('div', { class: 'muted' }, a.grant_id)),
      el('td', {}, argumentsCell(a)),
      el('td', {}, a.reason || '', a.rule ? el('div', { class: 'muted' }, el('code', {}, a.rule)) : null),
      el('td', {}, when(millisOrIso(a.requested_at || a.requested_at_millis)),
        el('div', { class: 'muted' }, 'expires ' + when(millisOrIso(a.expires_at || a.expires_at_millis)))),
      el('td', { class: 'buttons' }, comment,
        el('button', { type: 'button', class: 'small', disabled: !may, title: may ? null : 'Needs the policy_manager role',
          onclick: () => decide(a, 'approve', comment.value) }, 'Approve'),
        el('button', { type: 'button', class: 'danger small', disabled: !may, title: may ? null : 'Needs the policy_manager role',
          onclick: () => decide(a, 'deny', comment.value) }, 'Deny'))));
  }
  $('approvals-empty').hidden = pending.length > 0;
  $('approvals-updated').textContent = 'Updated ' + new Date().toLocaleTimeString() + '; refreshes every ' + APPROVALS_POLL_MS / 1000 + ' s.';
}

/** #approvals/<id> (the link a pending approval's notification carries) brings that approval's row into view. */
async function showApprovals(id) {
  $('approvals-table').tBodies[0].replaceChildren();
  await pollApprovals();
  const row = id && $('approvals-table').querySelector('tr[data-approval="' + CSS.escape(id) + '"]');
  if (row) {
    row.classList.add('target');
    row.scrollIntoView({ block: 'center' });
    row.querySelector('input.comment').focus();
  } else if (id && $('approvals-note').hidden) {
    $('approvals-updated').textContent = 'Approval ' + id + ' is no longer pending: it was decided or has expired.';
  }
  if ($('approvals-note').hidden) state.approvalsTimer = setInterval(pollApprovals, APPROVALS_POLL_MS);
}

// ---- settings ---------------------------------------------------------------------------------------------------

async function showSettings() {
  const s = settings();
  $('set-audit').value = s.audit || '';
  $('set-gateway').value = s.gateway || '';
  $('set-audit-default').textContent = 'Configured: ' + (state.session.audit_dashboard_url || 'none (links to the audit dashboard are hidden)');
  $('set-gateway-default').textContent = 'Configured: ' + (state.session.gateway_url || 'none (client configuration uses ' + gatewayBase() + ')');
}

function saveSettings(event) {
  event.preventDefault();
  localStorage.setItem(SETTINGS_STORE, JSON.stringify({ audit: $('set-audit').value.trim(), gateway: $('set-gateway').value.trim() }));
  $('settings-saved').textContent = 'Saved.';
}

// ---- wiring -----------------------------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await signIn($('key').value.trim());
      $('signin-error').hidden = true;
    } catch (err) {
      $('signin-error').textContent = err.status === 401 ? 'That key was refused: it is unknown or revoked.' : describe(err);
      $('signin-error').hidden = false;
    }
  });
  $('signout').addEventListener('click', () => signOut(''));
  $('server-form').addEventListener('submit', registerServer);
  $('add-header').addEventListener('click', addHeaderRow);
  $('grant-form').addEventListener('submit', mintGrant);
  $('server-http2-form').addEventListener('submit', saveHttp2);
  $('server-test').addEventListener('click', () => testConnection(state.serverId));
  $('server-refresh').addEventListener('click', () => refreshTools(state.serverId));
  $('minted-done').addEventListener('click', hideMinted);
  $('settings-form').addEventListener('submit', saveSettings);
  document.addEventListener('click', (e) => {
    const b = e.target.closest('button.copy');
    if (b) { b.dataset.label = b.dataset.label || b.textContent; copyFrom(b.dataset.copy, b); }
  });
  $('pb-server').addEventListener('change', pbServerChosen);
  $('pb-name').addEventListener('change', renderVersions);
  $('pb-load').addEventListener('click', loadCurrent);
  $('pb-recommended').addEventListener('click', loadRecommended);
  $('pb-save').addEventListener('click', savePolicy);
  $('shadow-run').addEventListener('click', runShadow);
  $('pb-json').addEventListener('input', jsonEdited);
  $('pb-default').addEventListener('change', (e) => { state.pb.policy.default = e.target.value; modelChanged(true); });
  $('pb-hide').addEventListener('input', (e) => {
    // Exact names of listed tools are set in the table; this box holds globs and names the table does not list.
    const typed = e.target.value.split('\n').map((s) => s.trim()).filter(Boolean);
    const fromTable = arr(state.pb.policy.hide).filter((h) => !/[*?]/.test(h) && state.pb.tools.some((t) => t.name === h));
    const hide = fromTable.concat(typed.filter((h) => !fromTable.includes(h)));
    if (hide.length) state.pb.policy.hide = hide; else delete state.pb.policy.hide;
    modelChanged(true);
  });
  window.addEventListener('hashchange', route);
  const key = sessionStorage.getItem(KEY_STORE);
  if (key) signIn(key).catch(() => signOut('Sign in again: the stored key no longer works.'));
  else signOut('');
});
