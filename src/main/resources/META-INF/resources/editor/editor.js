// ClipGuard policy studio: a thin client of the policy API (session.js holds the credentials,
// in memory only); each control is shown only to the roles the API would allow. The catalog,
// history and actions live here; the form (form.js) and what the draft would do (preview.js)
// beside them.
'use strict';
const state = { roles: [], policy: null, opened: null, history: [] };
const $ = (id) => document.getElementById(id);

const api = (method, path, body) => session.api(method, path, body);

function status(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

function showErrors(problem) {
  const p = problem || {};
  const list = $('errors');
  list.innerHTML = '';
  (p.errors || (p.detail ? [p.detail] : [])).forEach((e) => {
    const li = document.createElement('li');
    li.textContent = e;
    list.appendChild(li);
  });
}

function applyRoles() {
  document.querySelectorAll('[data-role]').forEach((el) => {
    el.hidden = !state.roles.includes(el.dataset.role);
  });
}

// Shows the app for whoever /me says is logged in (Basic from the form, or a session cookie
// when an OIDC login or a proxy in front of the application already authenticated the user).
async function enter() {
  const me = await api('GET', '/me');
  state.roles = me.roles;
  $('whoami').textContent = me.user + ' (' + me.roles.join(', ') + ')' + (me.twoPersonRule ? ' — two-person rule on' : '');
  $('login').hidden = true;
  $('app').hidden = false;
  applyRoles();
  await loadPolicies();
}

async function loadPolicies() {
  const data = await api('GET', '/policies');
  const list = $('policies');
  list.innerHTML = '';
  data.policies.forEach((p) => {
    const li = document.createElement('li');
    const head = p.head ? 'active v' + p.head.activeVersion + (p.head.shadowVersion ? ', shadow v' + p.head.shadowVersion : '') : 'never published';
    const open = document.createElement('button');
    open.type = 'button';
    open.className = 'link';
    open.textContent = p.policyId;
    open.addEventListener('click', () => selectPolicy(p.policyId));
    li.append(open, document.createTextNode(' — ' + head + ', ' + p.versions + ' versions'
      + (p.head && p.head.tenants && p.head.tenants.length ? '; decides ' + p.head.tenants.join(', ') : '')));
    li.dataset.policy = p.policyId;
    list.appendChild(li);
  });
  $('tenants').textContent = (data.tenants || []).length ? 'Tenants here: ' + data.tenants.map((t) => t.tenant + ' → '
    + t.enforced.policyId + ' v' + t.enforced.activeVersion + (t.refusedBecause ? ' (refused: ' + t.refusedBecause + ')' : '')).join('; ') : '';
  const e = data.enforcedHere;
  $('enforced').textContent = 'This instance enforces ' + e.policyId + ' v' + e.activeVersion
    + (e.shadowVersion ? ' (shadow v' + e.shadowVersion + ')' : '') + (e.lastError ? ' — refused last change: ' + e.lastError : '');
  await selectPolicy(state.policy || e.policyId);
}

async function selectPolicy(id) {
  state.policy = id;
  document.querySelectorAll('#policies li').forEach((li) => li.classList.toggle('selected', li.dataset.policy === id));
  $('current-policy').textContent = id;
  const data = await api('GET', '/policies/' + encodeURIComponent(id));
  state.history = data.versions;
  state.head = data.head;
  const body = $('history').querySelector('tbody');
  body.innerHTML = '';
  ['diff-from', 'diff-to'].forEach((s) => { $(s).innerHTML = ''; });
  data.versions.slice().reverse().forEach((v) => {
    const tr = document.createElement('tr');
    const active = data.head && data.head.activeVersion === v.version;
    const shadow = data.head && data.head.shadowVersion === v.version;
    tr.className = active ? 'active' : '';
    [v.version + (active ? ' (active)' : '') + (shadow ? ' (shadow)' : ''), v.state, v.author, v.createdAt, v.reason]
      .forEach((text) => { const td = document.createElement('td'); td.textContent = text; tr.appendChild(td); });
    const actions = document.createElement('td');
    const open = document.createElement('button');
    open.textContent = 'Open';
    open.className = 'open-version';
    open.dataset.version = v.version;
    open.addEventListener('click', () => openVersion(v.version));
    actions.appendChild(open);
    if (v.state === 'PUBLISHED' && !active && state.roles.includes('publisher')) {
      const back = document.createElement('button');
      back.textContent = 'Roll back to this';
      back.className = 'rollback';
      back.dataset.version = v.version;
      back.addEventListener('click', () => rollback(v.version));
      actions.appendChild(back);
    }
    tr.appendChild(actions);
    body.appendChild(tr);
    ['diff-from', 'diff-to'].forEach((s) => {
      const o = document.createElement('option');
      o.value = v.version;
      o.textContent = 'v' + v.version;
      $(s).appendChild(o);
    });
  });
  if (data.versions.length > 1) $('diff-from').selectedIndex = 1;
  if (!state.opened || state.opened.policyId !== id) {
    await openVersion(data.head ? data.head.activeVersion : data.versions[data.versions.length - 1].version);
  }
}

async function openVersion(version) {
  const v = await api('GET', '/policies/' + encodeURIComponent(state.policy) + '/versions/' + version);
  state.opened = v;
  form.reset();
  $('yaml').value = v.yaml;
  $('opened').textContent = v.policyId + ' v' + v.version + ' (' + v.state + ')';
  $('errors').innerHTML = '';
  showAttached(v);
  preview.job = null; // the last backtest was of another text: no volumes until this one's
  form.policyId = state.policy;
  await form.fromYaml();
  if (state.roles.includes('editor')) preview.runSweep();
}

// The backtest attached to a draft when it was saved: what the second person reviews before publishing.
function showAttached(v) {
  const box = $('attached');
  box.innerHTML = '';
  box.hidden = !v.backtest;
  if (!v.backtest) return;
  const b = v.backtest.summary;
  const h = document.createElement('h3');
  h.textContent = 'Backtest attached to v' + v.version;
  const p = document.createElement('p');
  p.id = 'attached-summary';
  p.textContent = 'Run by ' + v.backtest.ranBy + ' at ' + v.backtest.at + ' on ' + b.images + ' stored uploads: ' + b.changed
    + ' decisions change (v' + v.backtest.comparedWith + ' → v' + v.version + ').';
  const t = document.createElement('table');
  t.id = 'attached-result';
  renderInto(t, b);
  box.append(h, p, t);
}

async function validate() {
  try {
    await form.flush();
    await api('POST', '/policies/validate', { yaml: $('yaml').value, policyId: state.policy });
    $('errors').innerHTML = '';
    status('Valid.');
  } catch (e) {
    if (e.problem) showErrors(e.problem);
    status('Invalid: ' + e.message, true);
  }
}

// Saves the draft with a backtest of exactly its text attached, for whoever publishes it.
async function saveDraft() {
  $('save-draft').disabled = true;
  try {
    await form.flush();
    // One text for the backtest and the draft: edits made while the backtest runs are not saved with it.
    const yaml = $('yaml').value;
    status('Backtesting the draft before saving it…');
    const job = await preview.runSweep(yaml);
    const body = { yaml, reason: $('reason').value, basedOn: state.opened ? state.opened.version : null, backtestJob: job ? job.jobId : undefined };
    const drafts = '/policies/' + encodeURIComponent(state.policy) + '/drafts';
    let v;
    let attached = !!job;
    try {
      v = await api('POST', drafts, body);
    } catch (e) {
      if (!job || !e.problem || e.problem.code !== 'INVALID_ARGUMENT') throw e;
      // The backtest is gone from this instance (another served it, or it was evicted): save without it.
      delete body.backtestJob;
      attached = false;
      v = await api('POST', drafts, body);
    }
    $('errors').innerHTML = '';
    const editedSince = $('yaml').value !== yaml;
    await selectPolicy(state.policy);
    if (!editedSince) await openVersion(v.version);
    status('Saved draft v' + v.version + (attached ? ', backtest attached.' : ' (no backtest attached).')
      + (editedSince ? ' Edits made while it was saved are still on the page, not saved.' : ''));
  } catch (e) {
    showErrors(e.problem || {});
    status('Not saved: ' + e.message, true);
  } finally {
    $('save-draft').disabled = false;
  }
}

async function backtest() {
  const limit = $('backtest-limit').value;
  try {
    let job = await api('POST', '/policies/' + encodeURIComponent(state.policy) + '/versions/' + state.opened.version
      + '/backtest?limit=' + encodeURIComponent(limit));
    while (job.state !== 'DONE' && job.state !== 'FAILED') {
      $('backtest-progress').textContent = job.state + ': ' + job.recordsRead + ' records read, ' + job.rowsScored + ' scored';
      await new Promise((r) => setTimeout(r, 250));
      job = await api('GET', '/policies/backtests/' + job.jobId);
    }
    if (job.state === 'FAILED') throw new Error(job.error);
    renderBacktest(job.report);
    $('backtest-progress').textContent = 'Backtest done: ' + job.report.changed + ' of ' + job.report.images
      + ' decisions change (v' + job.report.beforeVersion + ' → v' + job.report.afterVersion + ', '
      + job.report.millis.toFixed(1) + ' ms)';
  } catch (e) {
    $('backtest-progress').textContent = 'Backtest failed: ' + e.message;
  }
}

function renderBacktest(report) {
  renderInto($('backtest-result'), report);
}

function renderInto(t, report) {
  t.querySelectorAll('tr').forEach((r) => r.remove());
  const head = t.insertRow();
  ['Decisions', 'before', 'after'].forEach((x) => { const th = document.createElement('th'); th.scope = 'col'; th.textContent = x; head.appendChild(th); });
  const row = (label, pair, cls) => {
    const tr = document.createElement('tr');
    tr.className = cls;
    [label, pair[0], pair[1]].forEach((x) => { const td = document.createElement('td'); td.textContent = x; tr.appendChild(td); });
    t.appendChild(tr);
  };
  Object.entries(report.actions).forEach(([a, pair]) => row(a, pair, 'action'));
  Object.entries(report.triggered).forEach(([c, pair]) => row('triggered ' + c, pair, 'category'));
  Object.entries(report.samples).forEach(([dir, ids]) => row(dir, [ids.join(' '), ''], 'sample'));
}

async function change(path, body, done) {
  try {
    await api('POST', path, body);
    status(done);
    await loadPolicies();
    if (state.opened) await openVersion(state.opened.version);
  } catch (e) {
    showErrors(e.problem);
    status(e.message, true);
  }
}

const base = () => '/policies/' + encodeURIComponent(state.policy);
const publish = () => change(base() + '/versions/' + state.opened.version + '/publish', { reason: $('reason').value },
  'Published v' + state.opened.version + '.');
const shadow = () => change(base() + '/versions/' + state.opened.version + '/shadow', { reason: $('reason').value },
  'v' + state.opened.version + ' runs in shadow.');
const stopShadow = () => change(base() + '/shadow/stop', { reason: $('reason').value }, 'Shadow stopped.');
const rollback = (version) => change(base() + '/rollback', { version, reason: $('reason').value || 'rollback from the editor' },
  'Rolled back to v' + version + '.');

async function diff() {
  const d = await api('GET', base() + '/diff?from=' + $('diff-from').value + '&to=' + $('diff-to').value);
  $('diff-output').textContent = d.diff || '(no difference)';
}

async function shadowReport() {
  try {
    $('shadow-output').textContent = JSON.stringify(await api('GET', base() + '/shadow/report'), null, 2);
  } catch (e) {
    $('shadow-output').textContent = e.message;
  }
}

async function lookup() {
  try {
    const data = await api('GET', '/decisions/' + encodeURIComponent($('content-id').value));
    $('decision-output').textContent = data.decision.action + ' by ' + data.decision.policyId + ' v' + data.decision.policyVersion
      + (data.decision.triggeringCategory ? ' (' + data.decision.triggeringCategory + ')' : '');
  } catch (e) {
    $('decision-output').textContent = e.message;
  }
}

session.mountLogin(enter);
$('validate').addEventListener('click', validate);
$('save-draft').addEventListener('click', saveDraft);
$('backtest').addEventListener('click', backtest);
$('publish').addEventListener('click', publish);
$('shadow').addEventListener('click', shadow);
$('stop-shadow').addEventListener('click', stopShadow);
$('diff').addEventListener('click', diff);
$('shadow-report').addEventListener('click', shadowReport);
$('lookup').addEventListener('click', lookup);
$('yaml').addEventListener('input', () => form.yamlEdited());
$('add-category').addEventListener('click', () => form.addCategory());
$('add-bank').addEventListener('click', () => form.addBank());
$('preview-volumes').addEventListener('click', () => preview.runSweep());
$('try').addEventListener('click', () => {
  const file = $('try-file').files[0];
  if (file) preview.fileChosen(file);
  else if ($('try-content-id').value) preview.tryImage({ contentId: $('try-content-id').value });
});
$('try-file').addEventListener('change', () => { if ($('try-file').files[0]) preview.fileChosen($('try-file').files[0]); });
