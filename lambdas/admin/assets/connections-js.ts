/**
 * The Connections section of the admin page (`app-js.ts` inlines it into its closure): the
 * workspace's IdP connections listed, added, edited and deleted through the connections API
 * (`GET|POST …/connections`, `GET|PUT|DELETE …/connections/{id}`), each with its own setup values.
 * The forms follow the provider presets of `GET /api/admin/presets` (lambdas/core/connections/presets.ts):
 * a field appears when its preset has a help text for it, and shows that text.
 *
 * An issuer is shown and sent exactly as the API stores it: an edit that leaves the issuer alone sends
 * the stored string back (never a domain to derive it from), so a local `http://` issuer stays `http://`.
 *
 * Same rules as `app-js.ts`: a `String.raw` template (no backtick, no dollar sign before a brace);
 * DOM APIs and `textContent` only.
 */
export const CONNECTIONS_JS = String.raw`
// ---------------------------------------------------------------- connections

var PROTOCOL_LABEL = { oidc: 'OpenID Connect', saml: 'SAML 2.0' };

/**
 * The form's fields, in order, by the API's body field name. 'always' fields show for every preset;
 * the others only when the preset's help texts name them (PresetInfo.fields).
 */
var CONN_FIELDS = {
  oidc: ['issuer', 'tenantId', 'hostedDomain', 'clientId', 'clientSecret', 'groupsClaim'],
  saml: ['metadataUrl', 'idpSsoUrl', 'idpEntityId', 'idpCertificate', 'groupPrefix', 'appInstanceId', 'oktaOrgUrl']
};
var FIELD_LABEL = {
  issuer: 'Issuer URL',
  domain: 'Domain',
  tenantId: 'Directory (tenant) ID',
  hostedDomain: 'Hosted domain',
  clientId: 'Client ID',
  clientSecret: 'Client secret',
  groupsClaim: 'Groups claim',
  metadataUrl: 'IdP metadata URL',
  idpSsoUrl: 'Identity Provider Single Sign-On URL',
  idpEntityId: 'Identity Provider issuer (entity ID)',
  idpCertificate: 'X.509 certificate',
  groupPrefix: 'Group prefix',
  appInstanceId: 'Okta app instance ID',
  oktaOrgUrl: 'Okta org URL',
  emailDomains: 'Email domains'
};
/** Presets whose issuer is typed as a domain or a full URL in one field (the API takes either). */
var DOMAIN_LABEL = { okta: 'Okta domain or issuer', onelogin: 'OneLogin subdomain or issuer' };
var DOMAIN_PLACEHOLDER = { okta: 'acme.okta.com', onelogin: 'acme' };
var PLACEHOLDER = {
  issuer: 'https://idp.example.com',
  tenantId: '00000000-0000-0000-0000-000000000000',
  hostedDomain: 'acme.com',
  groupsClaim: 'groups',
  metadataUrl: 'https://idp.example.com/saml/metadata',
  idpSsoUrl: 'https://idp.example.com/sso/saml',
  idpEntityId: 'https://idp.example.com/entity',
  idpCertificate: '-----BEGIN CERTIFICATE-----',
  groupPrefix: 'claresia-',
  oktaOrgUrl: 'https://acme.okta.com',
  emailDomains: 'acme.com, acme.io'
};
/** The names providers give the values pasted into them (their admin consoles' words). */
var SETUP_LABEL = {
  okta: { redirectUri: 'Sign-in redirect URI', initiateLoginUri: 'Initiate login URI', acsUrl: 'Single sign-on URL (ACS URL)', entityId: 'Audience URI (SP Entity ID)' },
  entra: { redirectUri: 'Redirect URI (platform Web)', initiateLoginUri: 'Front-channel / initiate login URL', acsUrl: 'Reply URL (Assertion Consumer Service URL)', entityId: 'Identifier (Entity ID)', loginUrl: 'Sign on URL' },
  google: { redirectUri: 'Authorized redirect URI', acsUrl: 'ACS URL', entityId: 'Entity ID' }
};
var SETUP_DEFAULT_LABEL = {
  redirectUri: 'Redirect URI',
  initiateLoginUri: 'Initiate login URI',
  loginUrl: 'Login URL (start a sign-in here)',
  acsUrl: 'ACS URL',
  entityId: 'SP entity ID (audience)',
  metadataUrl: 'SP metadata URL',
  postLogoutUri: 'Sign-out redirect URI (post-logout)',
  universalLogoutEndpoint: 'Global token revocation endpoint (Universal Logout)',
  sharedSignalsEndpoint: 'Shared Signals receiver (SSF)',
  scimBaseUrl: 'SCIM base URL'
};

function connPath(ws, id) { return wsPath(ws.id, '/connections' + (id ? '/' + encodeURIComponent(id) : '')); }
function connHash(ws, id) { return '#/w/' + ws.id + '/connections' + (id ? '/' + id : ''); }

/** The presets catalogue, fetched once per page load. */
function loadPresets() {
  if (S.presets) return Promise.resolve(S.presets);
  return api('GET', '/api/admin/presets').then(function (data) {
    S.presets = (data && data.presets) || [];
    return S.presets;
  });
}
function presetOf(id) {
  return (S.presets || []).filter(function (p) { return p.id === id; })[0] || { id: id, label: id, protocols: ['oidc', 'saml'], defaults: {}, fields: {}, notes: [] };
}
function presetHelp(p, name) { return p.fields && typeof p.fields[name] === 'string' ? p.fields[name] : null; }

/** Live when sign-in is on; a SAML connection without its own switch follows the okta connection (connectionPolicy). */
function isLive(c, all) {
  if (typeof c.signInEnabled === 'boolean') return c.signInEnabled;
  var okta = (all || []).filter(function (x) { return x.id === 'okta' && x.protocol === 'oidc'; })[0];
  return okta ? okta.signInEnabled !== false : true;
}
function issuerOf(c) { return c.protocol === 'oidc' ? c.issuer : (c.idpEntityId || c.metadataUrl || ''); }

/** The newest of a SAML connection's certificates (the one sign-ins will rely on). */
function latestCert(c) {
  return (c.certificates || []).reduce(function (a, b) { return !a || b.notAfter > a.notAfter ? b : a; }, null);
}
/**
 * The certificate badge: shown when the API flags the connection (no certificate outlives the
 * 90-day window, so a rotation is due); an older certificate expiring during a rotation is not.
 */
function certPill(c) {
  if (!c.certificateWarning) return null;
  var x = latestCert(c);
  if (!x) return pill('Certificate expires soon', 'warn');
  if (x.warning === 'expired') return pill('Certificate expired', 'bad');
  return pill('Certificate expires in ' + x.daysLeft + (x.daysLeft === 1 ? ' day' : ' days'), 'warn');
}
function statusPills(c, all) {
  return [isLive(c, all) ? pill('Live', 'ok') : pill('Off', 'off'), c.protocol === 'saml' ? certPill(c) : null, c.metadataError ? pill('Metadata refresh failed', 'bad') : null];
}

RENDER.connections = function (main, ws, head, sub) {
  if (sub === 'new') return connectionAdd(main, ws, head);
  if (sub) return connectionDetail(main, ws, head, sub);
  lead(head, 'Each connection lets people sign in through one identity provider, over OIDC or SAML. Several can be live at once: a sign-in picks one by its email domain or its issuer. Open a connection for the values to paste into the provider.');
  var alert = alertBox();
  var status = statusBox();
  var holder = h('div', {}, h('p', { class: 'loading' }, 'Loading connections\u2026'));
  var addLink = h('a', { class: 'btn primary', href: connHash(ws, 'new') }, 'Add connection');
  function paint(list) {
    clear(holder);
    if (!list.length) return add(holder, h('p', { class: 'empty' }, 'No connections yet. Add one so that people can sign in.'));
    add(holder, dataTable('Connections', ['Name', 'Protocol', 'Provider', 'Issuer or entity ID', 'Status', ''], list.map(function (c) {
      var edit = h('a', { class: 'btn small', href: connHash(ws, c.id), 'aria-label': 'Edit ' + c.name }, 'Edit');
      var del = h('button', { type: 'button', class: 'btn small danger', 'aria-label': 'Delete ' + c.name }, 'Delete');
      del.addEventListener('click', function () {
        deleteConnection(ws, c, del, alert).then(function (done) {
          if (!done) return;
          status.textContent = 'Connection \u201c' + c.name + '\u201d deleted.';
          return load();
        });
      });
      return h('tr', { 'data-connection': c.id },
        h('td', {}, h('a', { href: connHash(ws, c.id) }, c.name), h('div', { class: 'muted small mono' }, c.id)),
        h('td', {}, c.protocol === 'oidc' ? 'OIDC' : 'SAML'),
        h('td', {}, presetOf(c.preset).label),
        h('td', { class: 'value' }, h('code', { 'data-conn': 'issuer' }, issuerOf(c))),
        h('td', {}, h('div', { class: 'pills' }, statusPills(c, list))),
        h('td', { class: 'row-actions' }, edit, ' ', del));
    })));
  }
  function load() {
    return Promise.all([api('GET', connPath(ws)), loadPresets()]).then(function (r) {
      var list = (r[0] && r[0].connections) || [];
      S.ws.connections = list;
      paint(list);
    }, function (e) {
      clear(holder);
      showError(alert, e);
    });
  }
  main.appendChild(card('Connections', null, h('div', { class: 'card-tools' }, addLink), alert, holder, h('div', { class: 'table-foot' }, status)));
  load();
};

/** Asks, then deletes; resolves true once deleted. */
function deleteConnection(ws, c, button, alert) {
  return confirmDialog('Delete \u201c' + c.name + '\u201d?', 'People can no longer sign in through this connection, and its setup values stop working. Users, groups and SCIM tokens stay.', 'Delete connection').then(function (ok) {
    if (!ok) { button.focus(); return false; }
    resetErrors(alert);
    button.disabled = true;
    return api('DELETE', connPath(ws, c.id)).then(function () {
      refreshWorkspace(ws);
      return true;
    }, function (e) {
      button.disabled = false;
      showError(alert, e);
      return false;
    });
  });
}

/** Keeps the cached workspace (its okta/saml views and setup) in step after a connection changed. */
function refreshWorkspace(ws) {
  return api('GET', wsPath(ws.id)).then(function (next) { if (S.ws && S.ws.id === next.id) S.ws = next; }, function () { /* the next route reloads it */ });
}

function connectionAdd(main, ws, head) {
  head.querySelector('h1').textContent = 'Add a connection';
  lead(head, 'Pick the protocol and your identity provider; the form then asks for what that provider needs.');
  var alert = alertBox();
  var holder = h('div', {}, h('p', { class: 'loading' }, 'Loading providers\u2026'));
  main.insertBefore(h('p', { class: 'back' }, h('a', { href: connHash(ws) }, '\u2190 All connections')), head);
  main.appendChild(alert);
  main.appendChild(holder);
  loadPresets().then(function (presets) {
    clear(holder);
    var choice = { protocol: 'oidc', preset: presets[0] ? presets[0].id : 'generic' };
    var formHolder = h('div');
    var protoName = uid('proto');
    var presetName = uid('preset');
    var presetTiles = h('div', { class: 'tiles' });
    /** A tile: the whole box selects; the radio's name is the label alone, the hint its description. */
    function radio(name, value, checked, label, hint) {
      var lid = uid('tl');
      var hid = hint ? uid('th') : null;
      var r = h('input', { type: 'radio', name: name, value: value, checked: checked, 'aria-labelledby': lid, 'aria-describedby': hid });
      return { input: r, el: h('label', { class: 'tile' }, r, h('span', { class: 'tile-text' }, h('span', { class: 'tile-label', id: lid }, label), hint ? h('span', { class: 'tile-hint', id: hid }, hint) : null)) };
    }
    var protoRadios = ['oidc', 'saml'].map(function (p) {
      var r = radio(protoName, p, p === choice.protocol, PROTOCOL_LABEL[p], p === 'oidc' ? 'Client ID and secret; the issuer\u2019s keys are discovered.' : 'Metadata URL, or SSO URL, entity ID and certificate.');
      r.input.addEventListener('change', function () { if (r.input.checked) { choice.protocol = p; paintPresets(); paintForm(); } });
      return r;
    });
    function paintPresets() {
      clear(presetTiles);
      var usable = presets.filter(function (p) { return (p.protocols || []).indexOf(choice.protocol) >= 0; });
      if (!usable.some(function (p) { return p.id === choice.preset; })) choice.preset = usable[0] ? usable[0].id : 'generic';
      usable.forEach(function (p) {
        var r = radio(presetName, p.id, p.id === choice.preset, p.label, null);
        r.input.addEventListener('change', function () { if (r.input.checked) { choice.preset = p.id; paintForm(); } });
        presetTiles.appendChild(r.el);
      });
    }
    function paintForm() {
      clear(formHolder);
      formHolder.appendChild(card('Connection details', presetOf(choice.preset).label + ' over ' + PROTOCOL_LABEL[choice.protocol] + '.', connectionForm(ws, null, choice.protocol, choice.preset)));
    }
    paintPresets();
    paintForm();
    add(holder, [
      card('Provider', null,
        h('fieldset', {}, h('legend', {}, 'Protocol'), h('div', { class: 'tiles two' }, protoRadios.map(function (r) { return r.el; }))),
        h('fieldset', { class: 'spaced' }, h('legend', {}, 'Identity provider'), presetTiles)),
      formHolder
    ]);
  }, function (e) {
    clear(holder);
    showError(alert, e);
  });
}

function connectionDetail(main, ws, head, id) {
  var h1 = head.querySelector('h1');
  var back = h('p', { class: 'back' }, h('a', { href: connHash(ws) }, '\u2190 All connections'));
  var alert = alertBox();
  var holder = h('div', {}, h('p', { class: 'loading' }, 'Loading the connection\u2026'));
  main.insertBefore(back, head);
  main.appendChild(alert);
  main.appendChild(holder);
  Promise.all([api('GET', connPath(ws, id)), loadPresets(), api('GET', connPath(ws)).then(null, function () { return null; })]).then(function (r) {
    var c = r[0];
    var all = (r[2] && r[2].connections) || S.ws.connections || [c];
    var p = presetOf(c.preset);
    var summary = h('div', { class: 'summary' });
    var info = h('div');
    head.appendChild(summary);
    /** The heading, summary and setup cards; painted again after a save (the form stays as typed). */
    function paintInfo(next) {
      c = next;
      all = all.map(function (x) { return x.id === next.id ? next : x; });
      h1.textContent = c.name;
      document.title = c.name + ' \u00b7 ' + ws.name + ' \u00b7 idp-bridge admin';
      clear(summary);
      add(summary, [pill(PROTOCOL_LABEL[c.protocol], 'region'), pill(p.label), statusPills(c, all),
        c.protocol === 'oidc' ? h('span', {}, 'Issuer ', h('strong', { 'data-conn': 'issuer' }, c.issuer)) : h('span', {}, 'Entity ID ', h('strong', { 'data-conn': 'issuer' }, c.idpEntityId || '')),
        c.updatedAt ? h('span', {}, 'Updated ', timeEl(c.updatedAt)) : null]);
      clear(info);
      setupCards(info, ws, c, p);
    }
    paintInfo(c);
    clear(holder);
    holder.appendChild(info);
    holder.appendChild(card('Edit connection', null, connectionForm(ws, c, c.protocol, c.preset, all, paintInfo)));
    var del = h('button', { type: 'button', class: 'btn danger' }, 'Delete connection');
    var delAlert = alertBox();
    del.addEventListener('click', function () {
      deleteConnection(ws, c, del, delAlert).then(function (done) {
        if (!done) return;
        S.flash = { section: 'connections', text: 'Connection \u201c' + c.name + '\u201d deleted.' };
        go(connHash(ws));
      });
    });
    holder.appendChild(card('Delete', 'Sign-ins through this connection stop at once. The workspace\u2019s users and their data stay.', delAlert, del));
  }, function (e) {
    clear(holder);
    showError(alert, e);
  });
}

/** Labels of one connection's setup values, in the provider's words. */
function setupLabel(preset, key) {
  var own = SETUP_LABEL[preset] || {};
  return own[key] || SETUP_DEFAULT_LABEL[key] || key;
}

function setupCards(holder, ws, c, p) {
  var s = c.setup || {};
  var rows = [];
  var order = c.protocol === 'oidc'
    ? ['redirectUri', 'initiateLoginUri', 'loginUrl', 'postLogoutUri', 'universalLogoutEndpoint', 'sharedSignalsEndpoint', 'scimBaseUrl']
    : ['acsUrl', 'entityId', 'metadataUrl', 'loginUrl', 'scimBaseUrl'];
  // Entra's SCIM values have their own card; 'protocol' is not a value to paste.
  var seen = { notes: 1, protocol: 1, entraScim: 1 };
  if (c.preset === 'entra') seen.scimBaseUrl = 1;
  var shownValues = [];
  function row(key, label, value) {
    if (seen[key] && order.indexOf(key) < 0) return;
    seen[key] = 1;
    if (typeof value !== 'string' || !value) return;
    // The login URL of an OIDC connection is its initiate login URI: listed once.
    if (shownValues.indexOf(value) >= 0 && key === 'loginUrl') return;
    shownValues.push(value);
    rows.push(h('tr', {},
      h('th', { scope: 'row' }, label),
      h('td', { class: 'value' }, h('code', { 'data-conn-setup': key }, value)),
      h('td', { class: 'copy' }, copyButton(value, label))));
  }
  order.forEach(function (k) { if (!(c.preset === 'entra' && k === 'scimBaseUrl')) row(k, setupLabel(c.preset, k), s[k]); });
  // Whatever else the API adds still shows up, so an admin never misses a value to paste.
  Object.keys(s).forEach(function (k) { if (!seen[k]) row(k, setupLabel(c.preset, k), s[k]); });
  if (c.protocol === 'oidc') {
    row('scopes', 'Scopes', ((p.defaults && p.defaults.scopes) || ['openid', 'email', 'profile']).join(' '));
    if (c.preset === 'okta') row('grantType', 'Grant type', 'Authorization Code');
  }
  var where = {
    okta: c.protocol === 'oidc' ? 'Okta app \u2192 General. Grant type Authorization Code; scopes openid email profile.' : 'Okta app \u2192 General \u2192 SAML Settings. Name ID format EmailAddress; application username Email.',
    entra: c.protocol === 'oidc' ? 'Entra admin center \u2192 App registrations \u2192 your app \u2192 Authentication (platform Web).' : 'Entra admin center \u2192 Enterprise applications \u2192 your app \u2192 Single sign-on \u2192 Basic SAML Configuration.',
    google: c.protocol === 'oidc' ? 'Google Cloud console \u2192 APIs & Services \u2192 Credentials \u2192 your OAuth client.' : 'Google Admin console \u2192 Apps \u2192 Web and mobile apps \u2192 your SAML app \u2192 Service provider details.'
  }[c.preset] || 'Paste these into the application you created for this bridge at your identity provider.';
  holder.appendChild(card('Values for ' + presetOf(c.preset).label, where, h('table', { class: 'kv bordered' },
    h('caption', { class: 'sr-only' }, 'Values for ' + presetOf(c.preset).label), h('tbody', {}, rows))));

  if (c.protocol === 'saml') holder.appendChild(certificatesCard(c));
  if (c.preset === 'entra') holder.appendChild(entraScimCard(ws, s.entraScim));

  var notes = [];
  (Array.isArray(s.notes) ? s.notes : []).concat(p.notes || []).forEach(function (n) { if (notes.indexOf(n) < 0) notes.push(n); });
  if (notes.length) {
    var title = c.preset === 'entra' ? 'What revokes an Entra user\u2019s access (and SCIM notes)' : 'Good to know about ' + p.label;
    holder.appendChild(card(title, null, h('ul', { class: 'notes', 'data-conn': 'notes' }, notes.map(function (n) { return h('li', {}, n); }))));
  }
}

function certificatesCard(c) {
  var certs = c.certificates || [];
  var kids = [];
  if (c.metadataUrl) {
    kids.push(h('p', { class: 'muted' }, 'Read from ', h('code', {}, c.metadataUrl), '; last refreshed ', timeEl(c.metadataRefreshedAt, 'never'), '.'));
    if (c.metadataError) kids.push(h('p', { class: 'alert' }, 'The last refresh failed: ' + c.metadataError + ' The connection keeps its last good values.'));
  }
  if (!certs.length) kids.push(h('p', { class: 'empty' }, 'No certificate information.'));
  else kids.push(dataTable('IdP signing certificates', ['Subject', 'Expires', 'Days left', 'Status'], certs.map(function (x) {
    var st = x.warning === 'expired' ? pill('Expired', 'bad')
      : (x.warning !== null && x.warning !== undefined ? pill('Expires within ' + x.warning + ' days', 'warn') : pill('Valid', 'ok'));
    return h('tr', { 'data-cert': x.notAfter }, h('td', { class: 'value' }, x.subject), h('td', { class: 'nowrap' }, timeEl(x.notAfter)), h('td', {}, String(x.daysLeft)), h('td', {}, st));
  })));
  if (c.certificateWarning) kids.unshift(h('div', { class: 'warn', role: 'note' }, h('strong', {}, latestCert(c) && latestCert(c).warning === 'expired' ? 'The IdP signing certificate has expired.' : 'The IdP signing certificate expires soon.'), ' Add the IdP\u2019s new certificate (both are accepted while it rotates), or refresh the metadata, before sign-ins fail.'));
  return card('IdP signing certificates', 'Warnings start 90, 30 and 7 days before a certificate expires.', kids);
}

/** Entra's provisioning asks for a Tenant URL; both forms of the SCIM base URL work (docs/reference). */
function entraScimCard(ws, e) {
  var base = (e && e.tenantUrl) || (ws.setup && ws.setup.scimBaseUrl) || '';
  var rows = [
    ['Tenant URL', base, 'entraScim.tenantUrl'],
    ['Tenant URL (with ?aadOptscim062020)', (e && e.tenantUrlAadOptscim062020) || (base ? base + '?aadOptscim062020' : ''), 'entraScim.tenantUrlAadOptscim062020']
  ].filter(function (r) { return r[1]; });
  return card('SCIM provisioning (Entra)', 'Enterprise application \u2192 Provisioning \u2192 Admin Credentials. Secret Token: a token from SCIM tokens.',
    h('table', { class: 'kv bordered' }, h('caption', { class: 'sr-only' }, 'SCIM provisioning (Entra)'),
      h('tbody', {}, rows.map(function (r) {
        return h('tr', {}, h('th', { scope: 'row' }, r[0]), h('td', { class: 'value' }, h('code', { 'data-conn-setup': r[2] }, r[1])), h('td', { class: 'copy' }, copyButton(r[1], r[0])));
      }))),
    h('p', { class: 'hint' }, 'The flag makes Entra follow SCIM 2.0 more strictly; the bridge accepts both forms. ', h('a', { href: '#/w/' + ws.id + '/scim' }, 'Create a SCIM token')));
}

/**
 * The add/edit form of one connection. 'c' is the stored connection (edit) or null (add); 'all'
 * the workspace's connections (for a SAML connection's inherited sign-in switch); 'onSaved' gets
 * the connection as saved.
 */
function connectionForm(ws, c, protocol, presetId, all, onSaved) {
  var p = presetOf(presetId);
  var editing = !!c;
  var controls = {};
  var body = [];
  function val(k) { return c && c[k] !== undefined && c[k] !== null ? c[k] : ''; }
  function textField(name, opts) {
    var o = opts || {};
    var el = input({ name: name, value: o.value !== undefined ? o.value : val(name), placeholder: o.placeholder || PLACEHOLDER[name] || null, 'data-api': o.api || name, required: o.required || null, type: o.type || 'text', maxlength: o.max || null });
    controls[name] = el;
    return field(o.label || FIELD_LABEL[name], el, o.hint !== undefined ? o.hint : presetHelp(p, name));
  }
  var nameEl = input({ name: 'name', required: true, maxlength: 200, spellcheck: 'true', value: c ? c.name : p.label + (protocol === 'saml' ? ' SAML' : ''), 'data-api': 'name' });
  body.push(field('Name', nameEl, 'Shown to admins, and to people choosing how to sign in.'));

  var issuerMode = null; // 'domain-or-issuer' | 'issuer' | 'fixed'
  var fixedIssuer = null;
  if (protocol === 'oidc') {
    var pair = [];
    if (DOMAIN_LABEL[presetId] && presetHelp(p, 'domain')) {
      issuerMode = 'domain-or-issuer';
      // Editing shows the stored issuer, exactly; a bare domain typed here is sent as 'domain'.
      var di = input({ name: 'issuer', required: true, value: c ? c.issuer : '', placeholder: DOMAIN_PLACEHOLDER[presetId], 'data-api': 'issuer domain' });
      controls.issuer = di;
      pair.push(field(DOMAIN_LABEL[presetId], di, [presetHelp(p, 'domain'), presetHelp(p, 'issuer')].filter(Boolean).join(' ')));
    } else if (presetHelp(p, 'issuer')) {
      issuerMode = 'issuer';
      pair.push(textField('issuer', { required: presetId === 'generic' || presetId === 'onelogin', label: presetId === 'entra' ? 'Issuer URL (optional)' : FIELD_LABEL.issuer, max: 1024 }));
    } else {
      issuerMode = 'fixed';
      fixedIssuer = c ? c.issuer : ((p.defaults && p.defaults.issuer) || '');
    }
    if (presetHelp(p, 'tenantId')) pair.unshift(textField('tenantId', {}));
    if (presetHelp(p, 'hostedDomain')) pair.push(textField('hostedDomain', { required: true }));
    if (fixedIssuer) pair.push(h('div', { class: 'field' }, h('span', { class: 'label' }, 'Issuer'), h('p', {}, h('code', { 'data-conn': 'fixed-issuer' }, fixedIssuer)), h('p', { class: 'hint' }, 'Fixed by ' + p.label + '.')));
    body.push(h('div', { class: 'fields-2' }, pair));
    var secretSet = !!(c && c.clientSecretSet);
    body.push(h('div', { class: 'fields-2' },
      textField('clientId', { required: true, max: 255 }),
      (function () {
        var sec = input({ type: 'password', name: 'clientSecret', autocomplete: 'new-password', 'data-api': 'clientSecret', required: !secretSet || null, placeholder: secretSet ? 'stored \u2014 leave blank to keep' : null });
        controls.clientSecret = sec;
        return field(FIELD_LABEL.clientSecret, sec, presetHelp(p, 'clientSecret') || 'Never shown again after saving.');
      })()));
    if (presetHelp(p, 'groupsClaim')) body.push(textField('groupsClaim', { hint: presetHelp(p, 'groupsClaim'), max: 100 }));
  } else {
    var source = c && !c.metadataUrl ? 'manual' : 'metadata';
    var srcName = uid('src');
    var metaBox = h('div', {}, textField('metadataUrl', { type: 'url', max: 2048, required: true }));
    var certEl = h('textarea', { name: 'idpCertificate', spellcheck: 'false', placeholder: PLACEHOLDER.idpCertificate, 'data-api': 'idpCertificate idpCertificates', rows: 8 });
    certEl.value = c && c.idpCertificates && !c.metadataUrl ? c.idpCertificates.join('') : '';
    controls.idpCertificate = certEl;
    var manualBox = h('div', {},
      textField('idpSsoUrl', { type: 'url', max: 2048, value: c && !c.metadataUrl ? c.idpSsoUrl : '' }),
      textField('idpEntityId', { max: 1024, value: c && !c.metadataUrl ? c.idpEntityId : '' }),
      field(FIELD_LABEL.idpCertificate, certEl, presetHelp(p, 'idpCertificate') || 'PEM; while the IdP rotates its key, paste both certificates.'));
    function paintSource() {
      metaBox.hidden = source !== 'metadata';
      manualBox.hidden = source !== 'manual';
      controls.metadataUrl.required = source === 'metadata';
      controls.idpSsoUrl.required = source === 'manual';
      controls.idpEntityId.required = source === 'manual';
      certEl.required = source === 'manual' && !(c && c.idpCertificates && c.idpCertificates.length);
    }
    var srcRadios = [['metadata', 'From a metadata URL'], ['manual', 'Enter the values manually']].map(function (x) {
      var r = h('input', { type: 'radio', name: srcName, value: x[0], checked: source === x[0] });
      r.addEventListener('change', function () { if (r.checked) { source = x[0]; paintSource(); } });
      return h('div', { class: 'check' }, r, h('label', {}, x[1]));
    });
    srcRadios.forEach(function (d) { var r = d.querySelector('input'); r.id = uid('r'); d.querySelector('label').setAttribute('for', r.id); });
    body.push(h('fieldset', {}, h('legend', {}, 'Identity provider details'), h('div', { class: 'checks inline' }, srcRadios)), metaBox, manualBox);
    paintSource();
    var extra = [];
    if (presetHelp(p, 'groupPrefix')) extra.push(textField('groupPrefix', { max: 255 }));
    if (presetHelp(p, 'appInstanceId')) extra.push(textField('appInstanceId', { max: 255 }));
    if (extra.length) body.push(h('div', { class: 'fields-2' }, extra));
    if (presetHelp(p, 'oktaOrgUrl')) body.push(textField('oktaOrgUrl', { max: 255 }));
  }
  var domains = input({ name: 'emailDomains', value: (c && c.emailDomains ? c.emailDomains : []).join(', '), placeholder: PLACEHOLDER.emailDomains, 'data-api': 'emailDomains' });
  controls.emailDomains = domains;
  body.push(field(FIELD_LABEL.emailDomains, domains, presetHelp(p, 'emailDomains') || 'Comma-separated. Each new domain is claimed as pending; verify it under Domains before it routes sign-ins.'));

  // Switches. A SAML connection's sign-in and JIT switches may be absent (it then follows the okta
  // connection): they are sent only once stored or touched, so saving other fields keeps that.
  var checks = [];
  var touched = {};
  function sw(name, label, hint, on) {
    var el = h('input', { type: 'checkbox', name: name, checked: on });
    el.addEventListener('change', function () { touched[name] = true; });
    controls[name] = el;
    checks.push(check(label, el, hint));
  }
  var live = c ? isLive(c, all) : true;
  sw('signInEnabled', 'Enable sign-in', 'Let people sign in through this connection.', live);
  sw('jitEnabled', 'Just-in-time provisioning', 'Create a user at their first sign-in. Leave off if users must be provisioned by SCIM first.', c ? (typeof c.jitEnabled === 'boolean' ? c.jitEnabled : jitOfOkta(all)) : false);
  if (protocol === 'oidc' && presetHelp(p, 'partialLogout')) sw('partialLogout', 'Universal Logout partial support', presetHelp(p, 'partialLogout'), !!(c && c.partialLogout));
  if (protocol === 'oidc' && presetHelp(p, 'sharedSignalsEnabled')) sw('sharedSignalsEnabled', 'Shared Signals (CAEP session revoked)', presetHelp(p, 'sharedSignalsEnabled'), !!(c && c.sharedSignalsEnabled));
  if (protocol === 'saml') sw('allowIdpInitiated', 'Allow IdP-initiated sign-in', presetHelp(p, 'allowIdpInitiated') || 'Sign-ins started from the IdP\u2019s dashboard tile.', c ? c.allowIdpInitiated : true);
  body.push(h('fieldset', {}, h('legend', {}, 'Options'), h('div', { class: 'checks' }, checks)));

  function text(name) { return controls[name] ? controls[name].value.trim() : ''; }
  function build() {
    var b = { protocol: protocol, preset: presetId, name: nameEl.value.trim(), emailDomains: splitList(domains.value) };
    if (protocol === 'oidc') {
      var iss = text('issuer');
      if (issuerMode === 'domain-or-issuer') {
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(iss)) b.issuer = iss; else if (iss) b.domain = iss;
      } else if (issuerMode === 'issuer') {
        if (iss) b.issuer = iss;
      } else if (editing && fixedIssuer) {
        b.issuer = fixedIssuer;
      }
      if (text('tenantId')) b.tenantId = text('tenantId');
      if (text('hostedDomain')) b.hostedDomain = text('hostedDomain');
      b.clientId = text('clientId');
      if (controls.clientSecret.value) b.clientSecret = controls.clientSecret.value;
      if (text('groupsClaim')) b.groupsClaim = text('groupsClaim');
      b.signInEnabled = controls.signInEnabled.checked;
      b.jitEnabled = controls.jitEnabled.checked;
      if (controls.partialLogout) b.partialLogout = controls.partialLogout.checked;
      if (controls.sharedSignalsEnabled) b.sharedSignalsEnabled = controls.sharedSignalsEnabled.checked;
    } else {
      if (source === 'metadata') b.metadataUrl = text('metadataUrl');
      else {
        b.idpSsoUrl = text('idpSsoUrl');
        b.idpEntityId = text('idpEntityId');
        var pems = controls.idpCertificate.value.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
        if (pems && pems.length > 1) b.idpCertificates = pems;
        else if (controls.idpCertificate.value.trim()) b.idpCertificate = controls.idpCertificate.value.trim();
      }
      b.allowIdpInitiated = controls.allowIdpInitiated.checked;
      ['groupPrefix', 'appInstanceId', 'oktaOrgUrl'].forEach(function (k) { if (text(k)) b[k] = text(k); });
      ['signInEnabled', 'jitEnabled'].forEach(function (k) {
        if (!c || typeof c[k] === 'boolean' || touched[k]) b[k] = controls[k].checked;
      });
    }
    return b;
  }
  var testBtn = null;
  if (c && protocol === 'saml' && c.setup && c.setup.loginUrl) {
    testBtn = h('button', { type: 'button', class: 'btn' }, 'Test login');
    testBtn.addEventListener('click', function () {
      var u = c.setup.loginUrl;
      window.open(u + (u.indexOf('?') < 0 ? '?' : '&') + 'test=1', '_blank', 'popup=yes,width=560,height=720');
    });
  }
  var form = apiForm({
    label: editing ? 'Connection settings' : 'New connection',
    submit: editing ? 'Save connection' : 'Create connection',
    extra: testBtn,
    body: body,
    onSubmit: function () {
      var b = build();
      if (!editing) {
        return api('POST', connPath(ws), b).then(function (created) {
          refreshWorkspace(ws);
          S.flash = { section: 'connections', text: 'Connection \u201c' + created.name + '\u201d created. Paste the values below into ' + presetOf(created.preset).label + '.' };
          go(connHash(ws, created.id));
        });
      }
      return api('PUT', connPath(ws, c.id), b).then(function (next) {
        refreshWorkspace(ws);
        if (controls.clientSecret) {
          controls.clientSecret.value = '';
          if (next.clientSecretSet) { controls.clientSecret.placeholder = 'stored \u2014 leave blank to keep'; controls.clientSecret.required = false; }
        }
        if (controls.issuer && issuerMode === 'domain-or-issuer' && next.issuer) controls.issuer.value = next.issuer;
        c = next;
        if (onSaved) onSaved(next);
        return 'Connection saved.' + (next.protocol === 'oidc' ? ' Issuer: ' + next.issuer : '');
      });
    }
  });
  return form;
}
function jitOfOkta(all) {
  var okta = (all || []).filter(function (x) { return x.id === 'okta' && x.protocol === 'oidc'; })[0];
  return !!(okta && okta.jitEnabled);
}
`;
