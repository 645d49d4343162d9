/**
 * Script of the admin page (`GET /admin/app.js`): a dependency-free client of the admin API
 * (docs/reference/DESIGN.md "Admin API"). Kept as a string so esbuild bundles it into the admin Lambda.
 *
 * Rules for the code below: it is a `String.raw` template, so it must not contain a backtick or a
 * dollar sign followed by an opening brace (the one exception inlines the Connections section,
 * `connections-js.ts`, into the same closure). Everything is rendered with DOM APIs and
 * `textContent`; no `innerHTML`, no inline handlers (the CSP forbids them anyway).
 */
import { CONNECTIONS_JS } from './connections-js.js';

export const APP_JS = String.raw`(function () {
'use strict';

var KEY_STORE = 'idpb.adminKey';
var UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// Any well-formed UUID that is never a workspace: a 404 for it proves the key was accepted.
var PROBE_ID = '00000000-0000-0000-0000-000000000000';

var SECTIONS = [
  { id: 'setup', label: 'Setup URLs', title: 'Setup URLs' },
  { id: 'connections', label: 'Connections', title: 'Sign-in connections' },
  { id: 'domains', label: 'Domains', title: 'Email domains' },
  { id: 'scim', label: 'SCIM tokens', title: 'SCIM tokens' },
  { id: 'roles', label: 'Roles & mappings', title: 'Roles and mappings' },
  { id: 'users', label: 'Users', title: 'Users' },
  { id: 'groups', label: 'Groups', title: 'Groups' },
  { id: 'audit', label: 'Audit log', title: 'Audit log' }
];

/** Old bookmarks of the Okta and SAML forms open the connections, where both now live. */
var SECTION_ALIASES = { okta: 'connections', saml: 'connections' };

var S = { key: readKey(), sso: false, ws: null, flash: null, routeSeq: 0, presets: null };
var root = document.getElementById('app');
var seq = 0;

// ---------------------------------------------------------------- utilities

function readKey() {
  try { return sessionStorage.getItem(KEY_STORE) || ''; } catch (e) { return ''; }
}
function writeKey(k) {
  try { if (k) sessionStorage.setItem(KEY_STORE, k); else sessionStorage.removeItem(KEY_STORE); } catch (e) { /* storage blocked: key lives in memory only */ }
  S.key = k;
}
function uid(prefix) { seq += 1; return (prefix || 'id') + '-' + seq; }

/** Creates an element. Strings and numbers become text nodes: data is never parsed as HTML. */
function h(tag, props) {
  var el = document.createElement(tag);
  if (props) {
    Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = String(v);
      else if (k === 'value') el.value = String(v);
      else if (k === 'checked') el.checked = true;
      else if (k.slice(0, 2) === 'on' && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    });
  }
  add(el, Array.prototype.slice.call(arguments, 2));
  return el;
}
function add(el, kids) {
  (Array.isArray(kids) ? kids : [kids]).forEach(function (c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) return add(el, c);
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  });
  return el;
}
function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
function announce(text) {
  var a = document.getElementById('announcer');
  if (!a) return;
  a.textContent = '';
  setTimeout(function () { a.textContent = text; }, 30);
}
function fmtTime(iso) {
  var d = new Date(iso);
  if (isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}
function timeEl(iso, empty) {
  return iso ? h('time', { datetime: iso, title: iso }, fmtTime(iso)) : h('span', { class: 'muted' }, empty || '—');
}
function str(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(function (x) { return x && typeof x === 'object' ? str(x.display || x.value || x.id || x.displayName) : str(x); }).filter(Boolean).join(', ');
  return str(v.display || v.value || v.id || v.displayName || '');
}
function splitList(text) {
  return String(text || '').split(/[\s,;]+/).map(function (s) { return s.trim(); }).filter(Boolean);
}
function wsPath(teamId, rest) { return '/api/admin/workspaces/' + encodeURIComponent(teamId) + (rest || ''); }
function go(hash) { if (location.hash === hash) route(); else location.hash = hash; }

// ---------------------------------------------------------------- API client

function ApiError(status, code, message) {
  this.status = status;
  this.code = code;
  this.message = message;
}
ApiError.prototype = Object.create(Error.prototype);

/**
 * One call to the admin API. With a platform key: 'Authorization: Bearer <key>' and no cookies.
 * Without one: the browser's same-origin cookies (an admin's SSO session) authenticate.
 */
function request(method, path, body) {
  var headers = { accept: 'application/json' };
  var init = { method: method, headers: headers, cache: 'no-store', credentials: 'same-origin' };
  if (S.key) { headers.authorization = 'Bearer ' + S.key; init.credentials = 'omit'; }
  if (body !== undefined) { headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
  return fetch(path, init).then(function (res) {
    if (res.ok) return res;
    return res.text().then(function (text) {
      var data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      var err = data && data.error && typeof data.error === 'object' ? data.error : null;
      var msg = err && err.message ? String(err.message) : (data && data.message ? String(data.message) : 'The server answered ' + res.status + '.');
      throw new ApiError(res.status, err && err.code ? String(err.code) : 'http_' + res.status, msg);
    });
  }, function () {
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
  }).catch(function (e) {
    // A key that stopped working (rotated or mistyped): back to sign-in, saying why.
    if (e instanceof ApiError && e.status === 401 && S.key && path.indexOf(PROBE_ID) < 0) {
      writeKey('');
      S.ws = null;
      renderSignIn('The platform admin key was not accepted any more. Sign in again.');
    }
    throw e;
  });
}
function api(method, path, body) {
  return request(method, path, body).then(function (res) {
    if (res.status === 204) return null;
    return res.text().then(function (t) { return t ? JSON.parse(t) : null; });
  });
}
function nextLink(res) {
  var link = res.headers.get('link');
  if (!link) return null;
  var m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link);
  if (!m) return null;
  // Same-origin only (connect-src 'self'): keep the path and query of the advertised URL.
  var u = new URL(m[1], location.href);
  return u.pathname + u.search;
}

// ---------------------------------------------------------------- form building blocks

function alertBox() { return h('div', { class: 'alert', role: 'alert' }); }
function statusBox() { return h('p', { class: 'status', role: 'status' }); }

/** Shows an API error next to the form and marks the field it names (messages start with 'field:'). */
function showError(box, e, form) {
  clear(box);
  var msg = e && e.message ? e.message : String(e);
  add(box, [h('strong', {}, msg), e && e.code && e.status ? h('span', { class: 'code' }, '(' + e.code + ')') : null]);
  if (!form) return;
  var first = null;
  form.querySelectorAll('[data-api]').forEach(function (c) {
    // data-api lists the body fields a control feeds, space-separated (e.g. 'issuer domain').
    var bad = c.getAttribute('data-api').split(' ').some(function (name) {
      return new RegExp('(^|: |; )' + name.replace(/[.]/g, '\\.') + '[.:]').test(msg);
    });
    if (bad) { c.setAttribute('aria-invalid', 'true'); if (!first) first = c; } else c.removeAttribute('aria-invalid');
  });
  if (first) first.focus();
}
function resetErrors(box, form) {
  clear(box);
  if (form) form.querySelectorAll('[aria-invalid]').forEach(function (c) { c.removeAttribute('aria-invalid'); });
}

function input(props) {
  var p = Object.assign({ type: 'text', autocomplete: 'off', spellcheck: 'false' }, props);
  return h('input', p);
}
function field(label, control, hint) {
  if (!control.id) control.id = uid('f');
  var hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: control.id + '-hint' }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}
function check(label, control, hint) {
  if (!control.id) control.id = uid('c');
  var hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: control.id + '-hint' }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'check' }, control, h('label', { for: control.id }, label), hintEl);
}

/**
 * A form wired to the API: disables its submit button while busy, shows the API's error in its
 * role="alert" box, and the success message the handler returns in its role="status" line.
 */
function apiForm(opts) {
  var alert = alertBox();
  var status = statusBox();
  var submit = h('button', { type: 'submit', class: 'btn primary' }, opts.submit);
  var form = h('form', { 'aria-label': opts.label || null, novalidate: opts.novalidate || null }, alert, opts.body, h('div', { class: 'actions' }, submit, opts.extra || null, status));
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    resetErrors(alert, form);
    status.textContent = '';
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    Promise.resolve().then(function () { return opts.onSubmit(form); }).then(function (msg) {
      if (msg) status.textContent = msg;
    }, function (e) {
      showError(alert, e, form);
    }).then(function () {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    });
  });
  form.alertBox = alert;
  form.statusBox = status;
  return form;
}

function copyButton(text, label) {
  var b = h('button', { type: 'button', class: 'btn small copy', 'aria-label': 'Copy ' + label }, 'Copy');
  var timer = 0;
  b.addEventListener('click', function () {
    var value = typeof text === 'function' ? text() : text;
    var done = function (ok) {
      b.textContent = ok ? 'Copied' : 'Copy failed';
      b.classList.toggle('copied', ok);
      announce(ok ? label + ' copied to the clipboard.' : 'Could not copy. Select the text and copy it manually.');
      clearTimeout(timer);
      timer = setTimeout(function () { b.textContent = 'Copy'; b.classList.remove('copied'); }, 1800);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(value).then(function () { done(true); }, function () { done(fallbackCopy(value)); });
    } else done(fallbackCopy(value));
  });
  return b;
}
function fallbackCopy(value) {
  var t = h('textarea', { class: 'sr-only', 'aria-hidden': 'true' });
  t.value = value;
  document.body.appendChild(t);
  t.select();
  var ok = false;
  try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  t.remove();
  return ok;
}

/** A modal confirmation (native <dialog>: focus-trapped, Esc cancels, Cancel has first focus). */
function confirmDialog(title, body, confirmLabel) {
  return new Promise(function (resolve) {
    var tid = uid('dlg');
    var dlg = h('dialog', { class: 'dialog', 'aria-labelledby': tid },
      h('form', { method: 'dialog' },
        h('h2', { id: tid }, title),
        h('p', {}, body),
        h('div', { class: 'actions' },
          h('button', { class: 'btn', value: 'cancel' }, 'Cancel'),
          h('button', { class: 'btn danger solid', value: 'ok' }, confirmLabel))));
    dlg.addEventListener('close', function () { resolve(dlg.returnValue === 'ok'); dlg.remove(); });
    document.body.appendChild(dlg);
    dlg.showModal();
  });
}

function card(title, lead) {
  var kids = Array.prototype.slice.call(arguments, 2);
  return h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), lead ? h('p', { class: 'card-lead' }, lead) : null, kids);
}
function kvTable(caption, rows) {
  return h('table', { class: 'kv bordered' },
    h('caption', { class: 'sr-only' }, caption),
    h('tbody', {}, rows.map(function (r) {
      return h('tr', {},
        h('th', { scope: 'row' }, r[0]),
        h('td', { class: 'value' }, h('code', { 'data-setup': r[2] || null }, r[1])),
        h('td', { class: 'copy' }, copyButton(r[1], r[0])));
    })));
}
function dataTable(caption, columns, rows) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'bordered' },
    h('caption', { class: 'sr-only' }, caption),
    h('thead', {}, h('tr', {}, columns.map(function (c) { return h('th', { scope: 'col' }, c || h('span', { class: 'sr-only' }, 'Actions')); }))),
    rows && rows.tagName === 'TBODY' ? rows : h('tbody', {}, rows)));
}
/** A table of inputs; the first column of the roles table (the default radio) stays narrow. */
function editTable(caption, columns, tbody, kind) {
  var wrap = dataTable(caption, columns, tbody);
  var table = wrap.querySelector('table');
  table.classList.add('edit', 'edit-' + kind);
  if (kind === 'roles') table.querySelector('th').classList.add('center');
  return wrap;
}
function pill(text, kind) { return h('span', { class: 'pill ' + (kind || '') }, text); }

// ---------------------------------------------------------------- top bar

function renderTop() {
  var top = document.getElementById('top-actions');
  if (!top) return;
  clear(top);
  if (S.key) {
    add(top, [pill('Platform admin key'),
      h('a', { class: 'btn small', href: '#/' }, 'Workspaces'),
      h('button', { type: 'button', class: 'btn small', onclick: signOut }, 'Sign out')]);
  } else if (S.sso && S.ws) {
    add(top, pill('Signed in with SSO'));
  }
}
function signOut() {
  writeKey('');
  S.ws = null;
  S.sso = false;
  history.replaceState(null, '', location.pathname + location.search);
  renderSignIn();
}

// ---------------------------------------------------------------- screens

function screen(el, title) {
  clear(root);
  root.appendChild(el);
  document.title = (title ? title + ' · ' : '') + 'idp-bridge admin';
  renderTop();
}
function focusHeading(container) {
  var h1 = container.querySelector('h1');
  if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
}

function renderSignIn(message) {
  S.ws = null;
  var keyInput = input({ type: 'password', name: 'adminKey', required: true, autocomplete: 'current-password', 'data-api': 'key' });
  var keyForm = apiForm({
    label: 'Sign in with the platform admin key',
    submit: 'Sign in',
    body: field('Platform admin key', keyInput, 'Kept in this browser tab only (session storage) and sent as a bearer token.'),
    onSubmit: function () {
      var k = keyInput.value.trim();
      if (!k) throw new ApiError(0, '', 'key: enter the platform admin key.');
      writeKey(k);
      return api('GET', wsPath(PROBE_ID)).then(function () { return null; }, function (e) {
        if (e.status === 404) return null;
        writeKey('');
        if (e.status === 401) throw new ApiError(401, e.code, 'key: this key was not accepted.');
        throw e;
      }).then(function () { route(); });
    }
  });
  var idInput = input({ name: 'teamId', required: true, placeholder: '00000000-0000-0000-0000-000000000000', 'data-api': 'teamId' });
  var ssoForm = apiForm({
    label: 'Open a workspace with your SSO session',
    submit: 'Open workspace',
    body: field('Workspace ID', idInput, 'Workspace admins: sign in to the app through your identity provider first; your session opens your own workspace.'),
    onSubmit: function () {
      var id = idInput.value.trim().toLowerCase();
      if (!UUID.test(id)) throw new ApiError(0, '', 'teamId: enter the workspace ID (a UUID).');
      go('#/w/' + id + '/setup');
    }
  });
  var alert = alertBox();
  if (message) alert.textContent = message;
  var el = h('div', { class: 'center' },
    h('h1', { class: 'page-title' }, 'Sign in'),
    h('p', { class: 'page-lead' }, 'Configure sign-in connections (Okta, Entra ID, Google, SAML and more), SCIM provisioning, roles and audit exports for a workspace.'),
    alert,
    h('div', { class: 'grid-2' },
      card('Platform administrators', 'Use the platform admin key of this region\u2019s stack.', keyForm),
      card('Workspace administrators', 'Already signed in to the app with SSO? Open your workspace.', ssoForm)));
  screen(el, 'Sign in');
  keyInput.focus();
}

function renderHome(message) {
  var idInput = input({ name: 'teamId', required: true, placeholder: '00000000-0000-0000-0000-000000000000', 'data-api': 'teamId' });
  var openForm = apiForm({
    label: 'Open a workspace',
    submit: 'Open',
    body: field('Workspace ID', idInput),
    onSubmit: function () {
      var id = idInput.value.trim().toLowerCase();
      if (!UUID.test(id)) throw new ApiError(0, '', 'teamId: enter the workspace ID (a UUID).');
      go('#/w/' + id + '/setup');
    }
  });
  var nameInput = input({ name: 'name', required: true, maxlength: 200, 'data-api': 'name', spellcheck: 'true' });
  var createForm = apiForm({
    label: 'Create a workspace',
    submit: 'Create workspace',
    body: field('Workspace name', nameInput, 'The workspace is created in this stack\u2019s region.'),
    onSubmit: function () {
      return api('POST', '/api/admin/workspaces', { name: nameInput.value }).then(function (ws) {
        S.ws = ws;
        S.flash = { section: 'setup', text: 'Workspace \u201c' + ws.name + '\u201d created in region ' + String(ws.region).toUpperCase() + '. Paste the values below into Okta.' };
        go('#/w/' + ws.id + '/setup');
      });
    }
  });
  var alert = alertBox();
  if (message) alert.textContent = message;
  var el = h('div', { class: 'center' },
    h('h1', { class: 'page-title' }, 'Workspaces'),
    h('p', { class: 'page-lead' }, 'Open an existing workspace by its ID, or create a new one.'),
    alert,
    h('div', { class: 'grid-2' },
      card('Open a workspace', null, openForm),
      card('Create a workspace', 'Platform admin key only.', createForm)));
  screen(el, 'Workspaces');
  focusHeading(el);
}

function renderLoading() {
  screen(h('div', { class: 'center' }, h('p', { class: 'loading', role: 'status' }, 'Loading\u2026')), null);
}

function parseHash() {
  var m = /^#\/w\/([0-9a-fA-F-]{36})(?:\/([a-z]+)(?:\/([a-z0-9][a-z0-9-]{0,39}))?)?\/?$/.exec(location.hash);
  if (!m) return null;
  var section = m[2] || 'setup';
  return { teamId: m[1].toLowerCase(), section: SECTION_ALIASES[section] || section, sub: m[3] || null };
}

function route() {
  var r = parseHash();
  var mine = ++S.routeSeq;
  if (!r) {
    if (!S.key) return renderSignIn();
    return renderHome();
  }
  if (S.ws && S.ws.id === r.teamId) return renderWorkspace(r.section, r.sub);
  renderLoading();
  api('GET', wsPath(r.teamId)).then(function (ws) {
    if (mine !== S.routeSeq) return;
    S.ws = ws;
    S.sso = !S.key;
    renderWorkspace(r.section, r.sub);
  }, function (e) {
    if (mine !== S.routeSeq) return;
    if (!S.key) {
      if (e.status === 401) return renderSignIn('No SSO session was found for this workspace. Sign in to the app through your identity provider first, or use the platform admin key.');
      return renderSignIn(e.message);
    }
    if (e.status === 401) return;
    renderHome(e.message);
  });
}

// ---------------------------------------------------------------- workspace shell

function renderWorkspace(sectionId, sub) {
  var ws = S.ws;
  var section = SECTIONS.filter(function (s) { return s.id === sectionId; })[0] || SECTIONS[0];
  var nav = h('nav', { class: 'nav', 'aria-label': 'Workspace sections' },
    h('ul', {}, SECTIONS.map(function (s) {
      return h('li', {}, h('a', { href: '#/w/' + ws.id + '/' + s.id, 'aria-current': s.id === section.id ? 'page' : null }, s.label));
    })));
  var aside = h('aside', { class: 'sidebar' },
    h('div', { class: 'ws-card' },
      h('div', { class: 'ws-name' }, ws.name),
      h('div', { class: 'ws-meta' }, pill(ws.region, 'region'), h('span', {}, 'region')),
      h('div', { class: 'ws-id', title: 'Workspace ID' }, ws.id)),
    nav);
  var main = h('main', { class: 'content', id: 'main', tabindex: '-1' });
  var head = h('div', { class: 'section-head' }, h('h1', {}, section.title));
  main.appendChild(head);
  var flash = S.flash && S.flash.section === section.id ? S.flash.text : null;
  S.flash = null;
  if (flash) main.appendChild(h('p', { class: 'banner-ok', role: 'status' }, flash));
  screen(h('div', { class: 'shell' }, aside, main), section.title + ' · ' + ws.name);
  RENDER[section.id](main, ws, head, sub);
  focusHeading(main);
}

function lead(head, text) { head.appendChild(h('p', {}, text)); }

// ---------------------------------------------------------------- sections

var RENDER = {};

RENDER.setup = function (main, ws, head) {
  var s = ws.setup || {};
  var t = s.oktaTemplates || {};
  lead(head, 'Paste these values into your Okta app. They belong to the ' + String(ws.region).toUpperCase() + ' region: never mix URLs of different regions in one Okta app. Every connection (Entra ID, Google, other providers) shows its own values under Connections.');
  var used = { region: 1, workspaceId: 1, oktaTemplates: 1 };
  function row(label, key, value) {
    if (key) used[key] = 1;
    var v = value !== undefined ? value : s[key];
    return v === undefined || v === null ? null : [label, Array.isArray(v) ? v.join(', ') : String(v), key];
  }
  function rows(list) { return list.filter(Boolean); }
  main.appendChild(card('Workspace', 'Okta asks for the workspace ID as the tenant setting team_id and refers to it as app.team_id.',
    kvTable('Workspace', rows([row('Workspace ID (team_id)', 'workspaceId', s.workspaceId || ws.id), row('Region', 'region', s.region || ws.region)]))));
  main.appendChild(card('OIDC sign-in', 'Okta app \u2192 General and Sign On. Grant type Authorization Code; scopes openid email profile.',
    kvTable('OIDC sign-in', rows([
      row('Sign-in redirect URI', 'redirectUri'),
      row('Initiate login URI', 'initiateLoginUri'),
      row('Initiate login URI (Okta template)', 'oktaTemplates.initiateLoginUri', t.initiateLoginUri),
      row('Sign-out redirect URI (post-logout)', 'postLogoutUri')
    ]))));
  main.appendChild(card('Universal Logout', 'Okta app \u2192 General \u2192 Universal Logout (Global Token Revocation). This is separate from the post-logout URI.',
    kvTable('Universal Logout', rows([
      row('Global token revocation endpoint', 'universalLogoutEndpoint'),
      row('Authentication method', null, 'SIGNED_JWT'),
      row('Subject format', null, 'Email'),
      row('Partial support', null, ws.okta && ws.okta.partialLogout ? 'On' : 'Off'),
      row('Shared Signals receiver (SSF)', 'sharedSignalsEndpoint')
    ]))));
  main.appendChild(card('SCIM provisioning', 'Okta app \u2192 Provisioning \u2192 Integration. Unique identifier field: userName. Authenticate with OAuth 2.0, or with an HTTP header token from SCIM tokens.',
    kvTable('SCIM provisioning', rows([
      row('SCIM connector base URL', 'scimBaseUrl'),
      row('Base URL (Okta expression)', 'oktaTemplates.scimBaseUrl', t.scimBaseUrl),
      row('OAuth authorize endpoint', 'scimOAuthAuthorizeUrl'),
      row('OAuth token endpoint', 'scimOAuthTokenUrl'),
      row('Scopes', 'scimOAuthScopes')
    ]))));
  main.appendChild(card('SAML 2.0', 'Okta app \u2192 General \u2192 SAML Settings. Name ID format EmailAddress; application username Email.',
    kvTable('SAML 2.0', rows([
      row('Single sign-on URL (ACS URL)', 'samlAcsUrl'),
      row('Audience URI (SP Entity ID)', 'samlAudienceUri'),
      row('SP metadata URL', 'samlMetadataUrl'),
      row('SP-initiated login URL', 'samlLoginUrl')
    ]))));
  // Any value a newer API adds still shows up, so an admin never misses a URL to paste.
  var extra = Object.keys(s).filter(function (k) { return !used[k] && (typeof s[k] === 'string' || Array.isArray(s[k])); });
  if (extra.length) main.appendChild(card('Other values', null, kvTable('Other values', extra.map(function (k) { return row(k, k); }))));
};

RENDER.domains = function (main, ws, head) {
  lead(head, 'People who type a work email on the sign-in page are sent to the workspace that owns its domain. Claim a domain, publish the TXT record shown in your DNS, then verify. Public mail domains (gmail.com, outlook.com, …) cannot be claimed.');
  var name = input({ name: 'domain', required: true, placeholder: 'acme.com', 'data-api': 'domain' });
  var list = h('div', {}, h('p', { class: 'loading' }, 'Loading domains…'));
  var listAlert = alertBox();
  var listStatus = statusBox();
  var form = apiForm({
    label: 'Claim a domain',
    submit: 'Claim domain',
    body: field('Domain', name, 'For example acme.com. Only the workspace that proves it owns the domain routes its sign-ins.'),
    onSubmit: function () {
      return api('POST', wsPath(ws.id, '/domains'), { domain: name.value.trim() }).then(function (d) {
        name.value = '';
        return loadList().then(function () { return 'Claimed ' + d.domain + '. Publish its TXT record, then select Verify.'; });
      });
    }
  });
  function act(button, method, path, done) {
    resetErrors(listAlert);
    listStatus.textContent = '';
    button.disabled = true;
    return api(method, path).then(function (d) {
      listStatus.textContent = done(d);
      return loadList();
    }, function (e) {
      button.disabled = false;
      showError(listAlert, e);
    });
  }
  function loadList() {
    return api('GET', wsPath(ws.id, '/domains')).then(function (data) {
      var domains = (data && data.domains) || [];
      clear(list);
      if (!domains.length) return add(list, h('p', { class: 'empty' }, 'No domains claimed yet.'));
      add(list, dataTable('Claimed domains', ['Domain', 'Status', 'TXT record', ''], domains.map(function (d) {
        var dpath = '/domains/' + encodeURIComponent(d.domain);
        var actions = h('td', { class: 'row-actions' });
        if (d.status !== 'verified') {
          var verify = h('button', { type: 'button', class: 'btn small', 'aria-label': 'Verify ' + d.domain }, 'Verify');
          verify.addEventListener('click', function () {
            act(verify, 'POST', wsPath(ws.id, dpath + '/verify'), function () { return d.domain + ' verified: it now routes sign-ins to this workspace.'; });
          });
          actions.appendChild(verify);
          if (S.key) {
            var approve = h('button', { type: 'button', class: 'btn small', 'aria-label': 'Approve ' + d.domain + ' without DNS' }, 'Approve');
            approve.addEventListener('click', function () {
              act(approve, 'POST', wsPath(ws.id, dpath + '/approve'), function () { return d.domain + ' approved by the platform.'; });
            });
            actions.appendChild(approve);
          }
        }
        var remove = h('button', { type: 'button', class: 'btn small danger', 'aria-label': 'Remove ' + d.domain }, 'Remove');
        remove.addEventListener('click', function () {
          confirmDialog('Remove ' + d.domain + '?', 'Sign-ins by email of this domain stop coming to this workspace.', 'Remove domain').then(function (ok) {
            if (!ok) return remove.focus();
            act(remove, 'DELETE', wsPath(ws.id, dpath), function () { return d.domain + ' removed.'; });
          });
        });
        actions.appendChild(remove);
        var r = d.txtRecord || {};
        return h('tr', { 'data-domain': d.domain },
          h('td', {}, d.domain),
          h('td', {}, d.status === 'verified' ? pill(d.method === 'platform' ? 'Approved' : 'Verified', 'ok') : pill('Pending', 'off')),
          h('td', { class: 'value' },
            h('div', {}, h('span', { class: 'muted' }, 'Name '), h('code', { 'data-txt': 'name' }, r.name || ''), ' ', copyButton(r.name || '', 'TXT name of ' + d.domain)),
            h('div', {}, h('span', { class: 'muted' }, 'Value '), h('code', { 'data-txt': 'value' }, r.value || ''), ' ', copyButton(r.value || '', 'TXT value of ' + d.domain))),
          actions);
      })));
    }, function (e) {
      clear(list);
      showError(listAlert, e);
    });
  }
  main.appendChild(card('Claim a domain', null, form));
  main.appendChild(card('Domains', 'Pending domains route nothing until verified.', listAlert, list, h('div', { class: 'table-foot' }, listStatus)));
  loadList();
};

RENDER.scim = function (main, ws, head) {
  lead(head, 'Your identity provider pushes users and groups with a bearer token. Create one token per app (Okta: Provisioning \u2192 Integration; Entra ID: Provisioning \u2192 Admin Credentials, Secret Token), and revoke it here when it is no longer used.');
  var s = ws.setup || {};
  main.appendChild(card('Connection', null, kvTable('SCIM connection', [
    ['SCIM connector base URL', s.scimBaseUrl, 'scimBaseUrl'],
    ['Authentication mode', 'HTTP Header (Bearer token)', null]
  ].filter(function (r) { return r[1]; }))));
  var reveal = h('div', { hidden: true });
  var label = input({ name: 'label', required: true, maxlength: 100, placeholder: 'okta-production', 'data-api': 'label' });
  var expires = h('input', { type: 'date', name: 'expiresAt', 'data-api': 'expiresAt' });
  var list = h('div', {}, h('p', { class: 'loading' }, 'Loading tokens\u2026'));
  var listAlert = alertBox();
  var listStatus = statusBox();
  var form = apiForm({
    label: 'New SCIM token',
    submit: 'Generate token',
    body: h('div', { class: 'fields-2' },
      field('Label', label, 'Where the token is used, e.g. okta-production.'),
      field('Expires on (optional)', expires, 'The token stops working at the end of this day.')),
    onSubmit: function () {
      var body = { label: label.value.trim() };
      if (expires.value) body.expiresAt = new Date(expires.value + 'T23:59:59').toISOString();
      return api('POST', wsPath(ws.id, '/scim-tokens'), body).then(function (t) {
        showToken(t);
        label.value = '';
        expires.value = '';
        loadList();
        return null;
      });
    }
  });
  function showToken(t) {
    clear(reveal);
    var tokenInput = h('input', { type: 'text', readonly: true, class: 'mono', 'aria-label': 'New SCIM token', value: t.token, 'data-token': 'new' });
    var done = h('button', { type: 'button', class: 'btn' }, 'I have copied it');
    done.addEventListener('click', function () { clear(reveal); reveal.hidden = true; label.focus(); });
    add(reveal, h('section', { class: 'warn', role: 'region', 'aria-label': 'Token shown once' },
      h('h2', {}, 'Copy the token for \u201c' + t.label + '\u201d now'),
      h('p', {}, 'This is the only time it is shown. Paste it into Okta (Provisioning \u2192 Integration \u2192 API token) or your password manager.'),
      h('div', { class: 'secret-row' }, tokenInput, copyButton(function () { return tokenInput.value; }, 'SCIM token')),
      done));
    reveal.hidden = false;
    tokenInput.focus();
    tokenInput.select();
  }
  function loadList() {
    return api('GET', wsPath(ws.id, '/scim-tokens')).then(function (data) {
      var tokens = (data && data.tokens) || [];
      clear(list);
      if (!tokens.length) return add(list, h('p', { class: 'empty' }, 'No SCIM tokens yet.'));
      add(list, dataTable('SCIM tokens', ['Label', 'Created', 'Expires', 'Last used', 'Status', ''], tokens.map(function (t) {
        var revoke = h('button', { type: 'button', class: 'btn small danger', 'aria-label': 'Revoke token ' + (t.label || t.id) }, 'Revoke');
        revoke.addEventListener('click', function () {
          confirmDialog('Revoke \u201c' + (t.label || t.id) + '\u201d?', 'Okta requests that use this token fail immediately. This cannot be undone.', 'Revoke token').then(function (ok) {
            if (!ok) return revoke.focus();
            resetErrors(listAlert);
            listStatus.textContent = '';
            revoke.disabled = true;
            api('DELETE', wsPath(ws.id, '/scim-tokens/' + encodeURIComponent(t.id))).then(function () {
              listStatus.textContent = 'Token \u201c' + (t.label || t.id) + '\u201d revoked.';
              return loadList();
            }, function (e) {
              revoke.disabled = false;
              showError(listAlert, e);
            });
          });
        });
        return h('tr', { 'data-token-id': t.id },
          h('td', {}, t.label || h('span', { class: 'muted' }, 'unlabelled')),
          h('td', {}, timeEl(t.createdAt)),
          h('td', {}, timeEl(t.expiresAt, 'never')),
          h('td', {}, timeEl(t.lastUsedAt, 'never')),
          h('td', {}, t.expired ? pill('Expired', 'bad') : pill('Active', 'ok')),
          h('td', { class: 'row-actions' }, revoke));
      })));
    }, function (e) {
      clear(list);
      showError(listAlert, e);
    });
  }
  main.appendChild(reveal);
  main.appendChild(card('New token', null, form));
  main.appendChild(card('Tokens', 'Secrets are never shown again; only a keyed hash is stored.', listAlert, list, h('div', { class: 'table-foot' }, listStatus)));
  loadList();
};

RENDER.roles = function (main, ws, head) {
  lead(head, 'The role catalogue is what Okta discovers as entitlements (SCIM /Roles). Mappings turn IdP groups and IdP role values into these roles at sign-in and provisioning.');
  var rolesBody = h('tbody');
  var radioName = uid('default');
  function roleRow(r, isDefault) {
    var tr = h('tr', { 'data-role-row': '' },
      h('td', { class: 'center' }, h('input', { type: 'radio', name: radioName, class: 'r-default', 'aria-label': 'Default role', checked: isDefault })),
      h('td', {}, input({ class: 'r-id', value: r.id, 'aria-label': 'Role ID', required: true, maxlength: 64, pattern: '[A-Za-z0-9_.:\\-]+', 'data-api': 'roles' })),
      h('td', {}, input({ class: 'r-name', value: r.displayName, 'aria-label': 'Display name', required: true, maxlength: 200, spellcheck: 'true' })),
      h('td', {}, input({ class: 'r-desc', value: r.description || '', 'aria-label': 'Description', maxlength: 1000, spellcheck: 'true' })),
      h('td', { class: 'row-actions' }, null));
    var rm = h('button', { type: 'button', class: 'btn small link', 'aria-label': 'Remove role' }, 'Remove');
    rm.addEventListener('click', function () { tr.remove(); });
    tr.lastChild.appendChild(rm);
    rolesBody.appendChild(tr);
    return tr;
  }
  (ws.roles || []).forEach(function (r) { roleRow(r, r.id === ws.defaultRole); });
  var addRole = h('button', { type: 'button', class: 'btn' }, 'Add role');
  addRole.addEventListener('click', function () { roleRow({ id: '', displayName: '' }, false).querySelector('.r-id').focus(); });
  var rolesForm = apiForm({
    label: 'Role catalogue',
    submit: 'Save roles',
    extra: addRole,
    body: editTable('Role catalogue', ['Default', 'Role ID', 'Display name', 'Description', ''], rolesBody, 'roles'),
    onSubmit: function () {
      var roles = [];
      var def = null;
      rolesBody.querySelectorAll('tr').forEach(function (tr) {
        var id = tr.querySelector('.r-id').value.trim();
        var name = tr.querySelector('.r-name').value.trim();
        var desc = tr.querySelector('.r-desc').value.trim();
        if (!id && !name && !desc) return;
        var role = { id: id, displayName: name };
        if (desc) role.description = desc;
        roles.push(role);
        if (tr.querySelector('.r-default').checked) def = id;
      });
      if (!def) throw new ApiError(0, '', 'defaultRole: choose the default role.');
      return api('PUT', wsPath(ws.id, '/roles'), { roles: roles, defaultRole: def }).then(function (next) {
        S.ws = next;
        paintMappings();
        return 'Roles saved.';
      });
    }
  });
  main.appendChild(card('Role catalogue', 'Users without a mapped role get the default role.', rolesForm));

  var groupsBody = h('tbody');
  var valuesBody = h('tbody');
  function roleSelect(selected, labelText) {
    var sel = h('select', { class: 'm-role', 'aria-label': labelText, 'data-api': 'role' });
    var roles = S.ws.roles || [];
    if (selected && !roles.some(function (r) { return r.id === selected; })) sel.appendChild(h('option', { value: selected }, selected + ' (not in catalogue)'));
    roles.forEach(function (r) { sel.appendChild(h('option', { value: r.id }, r.displayName + ' (' + r.id + ')')); });
    sel.value = selected || S.ws.defaultRole || (roles[0] && roles[0].id) || '';
    return sel;
  }
  function removeBtn(tr, what) {
    var rm = h('button', { type: 'button', class: 'btn small link', 'aria-label': 'Remove ' + what }, 'Remove');
    rm.addEventListener('click', function () { tr.remove(); });
    return rm;
  }
  function groupRow(m) {
    var tr = h('tr', { 'data-group-row': '' },
      h('td', {}, input({ class: 'm-group', value: m.group || '', 'aria-label': 'IdP group', placeholder: 'claresia-admins', maxlength: 255 })),
      h('td', {}, roleSelect(m.role, 'Role')),
      h('td', {}, input({ class: 'm-grants', value: (m.grants || []).join(', '), 'aria-label': 'Extra grants', placeholder: 'archetype-eng' })));
    tr.appendChild(h('td', { class: 'row-actions' }, removeBtn(tr, 'group mapping')));
    groupsBody.appendChild(tr);
    return tr;
  }
  function valueRow(m) {
    var tr = h('tr', { 'data-value-row': '' },
      h('td', {}, input({ class: 'm-value', value: m.value || '', 'aria-label': 'IdP Role Value', placeholder: 'Admin', maxlength: 255 })),
      h('td', {}, roleSelect(m.role, 'Organization Role')));
    tr.appendChild(h('td', { class: 'row-actions' }, removeBtn(tr, 'role value mapping')));
    valuesBody.appendChild(tr);
    return tr;
  }
  function paintMappings() {
    // Keep what the admin typed; only the role choices change with the catalogue.
    var groups = readGroups(true);
    var values = readValues(true);
    clear(groupsBody);
    clear(valuesBody);
    groups.forEach(groupRow);
    values.forEach(valueRow);
  }
  function readGroups(keepBlank) {
    var out = [];
    groupsBody.querySelectorAll('tr').forEach(function (tr) {
      var g = tr.querySelector('.m-group').value.trim();
      if (!g && !keepBlank) return;
      var m = { group: g, role: tr.querySelector('.m-role').value };
      var grants = splitList(tr.querySelector('.m-grants').value);
      if (grants.length) m.grants = grants;
      out.push(m);
    });
    return out;
  }
  function readValues(keepBlank) {
    var out = [];
    valuesBody.querySelectorAll('tr').forEach(function (tr) {
      var v = tr.querySelector('.m-value').value.trim();
      if (!v && !keepBlank) return;
      out.push({ value: v, role: tr.querySelector('.m-role').value });
    });
    return out;
  }
  var rm = ws.roleMappings || { groups: [], roleValues: [] };
  (rm.groups || []).forEach(groupRow);
  (rm.roleValues || []).forEach(valueRow);
  var addGroup = h('button', { type: 'button', class: 'btn small' }, 'Add group mapping');
  addGroup.addEventListener('click', function () { groupRow({}).querySelector('.m-group').focus(); });
  var addValue = h('button', { type: 'button', class: 'btn small' }, 'Add role value mapping');
  addValue.addEventListener('click', function () { valueRow({}).querySelector('.m-value').focus(); });
  var mapForm = apiForm({
    label: 'Role mappings',
    submit: 'Save mappings',
    body: [
      h('h3', {}, 'IdP group \u2192 role'),
      h('p', { class: 'group-note' }, 'Okta group names as pushed by SCIM or sent in the groups claim, e.g. claresia-admins \u2192 tenant_admin.'),
      editTable('Group mappings', ['IdP group', 'Role', 'Extra grants (comma-separated)', ''], groupsBody, 'groups'),
      h('div', { class: 'actions' }, addGroup),
      h('h3', { class: 'spaced' }, 'IdP role value \u2192 role'),
      h('p', { class: 'group-note' }, 'The role value exactly as Okta sends it in roles[primary eq true].value, e.g. Admin.'),
      editTable('Role value mappings', ['IdP Role Value', 'Organization Role', ''], valuesBody, 'values'),
      h('div', { class: 'actions' }, addValue),
      h('hr', { class: 'sep' })
    ],
    onSubmit: function () {
      return api('PUT', wsPath(ws.id, '/role-mappings'), { groups: readGroups(false), roleValues: readValues(false) }).then(function (next) {
        S.ws = next;
        return 'Mappings saved.';
      });
    }
  });
  main.appendChild(card('Mappings', 'Roles appear here once saved in the catalogue.', mapForm));
};

/** Users and groups: the list endpoints may still answer 501 on a stack that does not have them yet. */
function directorySection(kind) {
  return function (main, ws, head) {
    lead(head, kind === 'users'
      ? 'People provisioned by your identity provider (SCIM) or created at their first sign-in (JIT).'
      : 'Groups pushed by your identity provider. Map them to roles under Roles and mappings.');
    var alert = alertBox();
    var body = h('tbody');
    var holder = h('div', {}, h('p', { class: 'loading' }, 'Loading\u2026'));
    var more = h('button', { type: 'button', class: 'btn', hidden: true }, 'Load more');
    var count = h('p', { class: 'muted' });
    var shown = 0;
    var next = null;
    var columns = kind === 'users'
      ? ['User name', 'Name', 'Status', 'Roles', 'Source', 'External ID', 'Updated']
      : ['Name', 'External ID', 'Created', 'Updated'];
    function personName(x) {
      if (typeof x.name === 'string' && x.name) return x.name;
      if (x.name && typeof x.name === 'object') return x.name.formatted || [x.name.givenName, x.name.familyName].filter(Boolean).join(' ');
      return x.displayName || '';
    }
    function cells(x) {
      var updated = timeEl(x.updatedAt || (x.meta && x.meta.lastModified));
      if (kind === 'users') {
        var user = x.userName || x.email || str(x.emails) || x.id;
        var email = x.email && x.email !== user ? h('div', { class: 'muted small' }, x.email) : null;
        var status = x.active === undefined ? '' : (x.active ? pill('Active', 'ok') : pill('Inactive', 'off'));
        return [[user, email], personName(x), status, str(x.roles), str(x.source), x.externalId || '', updated];
      }
      return [x.displayName || x.name || x.id, x.externalId || '', timeEl(x.createdAt || (x.meta && x.meta.created)), updated];
    }
    function listOf(data) {
      if (Array.isArray(data)) return data;
      if (!data) return [];
      var keys = [kind, 'items', 'Resources', 'results', 'data'];
      for (var i = 0; i < keys.length; i++) if (Array.isArray(data[keys[i]])) return data[keys[i]];
      return [];
    }
    function load(path) {
      more.disabled = true;
      return request('GET', path).then(function (res) {
        return res.text().then(function (t) {
          var data = t ? JSON.parse(t) : null;
          var items = listOf(data);
          var cursor = data && !Array.isArray(data) ? (data.nextCursor || data.cursor || null) : null;
          next = nextLink(res) || (typeof data?.next === 'string' ? data.next : null) || (cursor ? wsPath(ws.id, '/' + kind + '?cursor=' + encodeURIComponent(cursor)) : null);
          if (next && next.charAt(0) !== '/') { var u = new URL(next, location.href); next = u.pathname + u.search; }
          if (shown === 0) {
            clear(holder);
            if (!items.length) return add(holder, h('p', { class: 'empty' }, kind === 'users' ? 'No users yet.' : 'No groups yet.'));
            add(holder, dataTable(kind === 'users' ? 'Users' : 'Groups', columns, body));
          }
          items.forEach(function (x) { body.appendChild(h('tr', {}, cells(x).map(function (c) { return h('td', {}, c); }))); });
          shown += items.length;
          var noun = kind === 'users' ? (shown === 1 ? ' user' : ' users') : (shown === 1 ? ' group' : ' groups');
          count.textContent = 'Showing ' + shown + noun + (next ? ' (more available)' : '') + '.';
        });
      }).then(function () {
        more.hidden = !next;
        more.disabled = false;
      }, function (e) {
        more.disabled = false;
        if (shown === 0) clear(holder);
        if (e.status === 501) {
          add(holder, h('div', { class: 'notice', role: 'status' },
            h('strong', {}, (kind === 'users' ? 'The users list' : 'The groups list') + ' is not available yet on this stack.'),
            e.message));
          return;
        }
        showError(alert, e);
      });
    }
    more.addEventListener('click', function () { if (next) load(next); });
    main.appendChild(card(kind === 'users' ? 'Users' : 'Groups', null, alert, holder, h('div', { class: 'table-foot' }, count, more)));
    load(wsPath(ws.id, '/' + kind));
  };
}
RENDER.users = directorySection('users');
RENDER.groups = directorySection('groups');

RENDER.audit = function (main, ws, head) {
  lead(head, 'Every change is recorded with actor, time, source IP, and before and after state. Export a time range as newline-delimited JSON for auditors.');
  var since = h('input', { type: 'datetime-local', name: 'since', 'data-api': 'since' });
  var until = h('input', { type: 'datetime-local', name: 'until', 'data-api': 'until' });
  var preview = h('div');
  var form = apiForm({
    label: 'Audit export',
    submit: 'Download NDJSON',
    body: h('div', { class: 'fields-2' },
      field('From (optional)', since, 'Your local time. Leave empty to start at the first record.'),
      field('Until (optional)', until, 'Leave empty to include everything up to now.')),
    onSubmit: function () {
      var q = new URLSearchParams();
      if (since.value) q.set('since', new Date(since.value).toISOString());
      if (until.value) q.set('until', new Date(until.value).toISOString());
      var qs = q.toString();
      var path = wsPath(ws.id, '/audit-export') + (qs ? '?' + qs : '');
      var chunks = [];
      var pages = 0;
      var status = form.statusBox;
      function page(p) {
        return request('GET', p).then(function (res) {
          return res.text().then(function (text) {
            pages += 1;
            if (text) chunks.push(text.charAt(text.length - 1) === '\n' ? text : text + '\n');
            var n = nextLink(res);
            status.textContent = 'Fetched ' + pages + (pages === 1 ? ' page' : ' pages') + '\u2026';
            if (n && pages < 10000) return page(n);
          });
        });
      }
      return page(path).then(function () {
        var all = chunks.join('');
        var lines = all.split('\n').filter(Boolean);
        var blob = new Blob([all], { type: 'application/x-ndjson' });
        var url = URL.createObjectURL(blob);
        var stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
        var a = h('a', { href: url, download: 'audit-' + ws.id + '-' + stamp + '.ndjson', hidden: true });
        document.body.appendChild(a);
        a.click();
        a.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
        renderPreview(lines);
        return 'Downloaded ' + lines.length + (lines.length === 1 ? ' record' : ' records') + ' (' + pages + (pages === 1 ? ' page' : ' pages') + ').';
      });
    }
  });
  function renderPreview(lines) {
    clear(preview);
    if (!lines.length) return add(preview, h('p', { class: 'empty' }, 'No records in this range.'));
    var recs = lines.slice(-100).reverse().map(function (l) { try { return JSON.parse(l); } catch (e) { return null; } }).filter(Boolean);
    add(preview, card('Latest records', 'The ' + recs.length + ' most recent records of the export.',
      dataTable('Latest audit records', ['Time', 'Action', 'Actor', 'Target', 'Source IP'], recs.map(function (r) {
        var actor = r.actor ? (r.actor.label || r.actor.id || r.actor.type) : '';
        var target = r.target ? [r.target.type, r.target.id].filter(Boolean).join(' ') : '';
        return h('tr', {}, h('td', { class: 'nowrap' }, timeEl(r.time)), h('td', {}, h('code', {}, str(r.action))), h('td', {}, actor), h('td', { class: 'mono' }, target), h('td', {}, r.source ? str(r.source.ip) : ''));
      }))));
  }
  main.appendChild(card('Export', null, form));
  main.appendChild(preview);
};

${CONNECTIONS_JS}
// ---------------------------------------------------------------- start

document.addEventListener('click', function (ev) {
  var t = ev.target;
  if (t && t.id === 'skip-link') {
    ev.preventDefault();
    var m = document.getElementById('main') || root.querySelector('h1');
    if (m) { if (!m.hasAttribute('tabindex')) m.setAttribute('tabindex', '-1'); m.focus(); }
  }
});
window.addEventListener('hashchange', route);
route();
})();
`;
