// ClipGuard live dashboard: a client of /dashboard/summary (polled) and /dashboard/stream
// (Server-Sent Events, read with fetch so the Authorization header goes along).
'use strict';
const $ = (id) => document.getElementById(id);
const COLOURS = { ALLOW: '#2e7d32', REVIEW: '#f9a825', BLOCK: '#c62828', DEAD_LETTER: '#6a1b9a' };
const PALETTE = ['#3949ab', '#00897b', '#8e24aa', '#f4511e', '#6d4c41', '#039be5', '#c0ca33', '#d81b60'];
const FEED_ROWS = 100;
const CHART_SECONDS = 300;
let stream = null;

async function enter(me) {
  $('whoami').textContent = me.user + ' (' + me.roles.join(', ') + ')';
  $('app').hidden = false;
  await refresh();
  setInterval(refresh, 2000);
  listen();
}

// The feed and the charts narrowed to one tenant and/or policy (server-side, so the rest cannot crowd them out).
function scoped(path) {
  const q = new URLSearchParams();
  const tenant = $('filter-tenant').value.trim();
  const policy = $('filter-policy').value.trim();
  if (tenant) q.set('tenant', tenant);
  if (policy) q.set('policy', policy);
  const query = q.toString();
  return path + (query ? '?' + query : '');
}

function feedUrl() {
  return scoped('/dashboard/stream');
}

function listen() {
  if (stream) stream.abort();
  const mine = new AbortController();
  stream = mine;
  session.stream(feedUrl(), addEvent, mine.signal)
    .catch(() => { /* dropped: retry below */ })
    .finally(() => { if (stream === mine) setTimeout(listen, 2000); });
}

$('filter').addEventListener('submit', (ev) => {
  ev.preventDefault();
  $('feed').tBodies[0].innerHTML = '';
  listen();
  refresh();
});

async function refresh() {
  let s;
  try {
    s = await session.api('GET', scoped('/dashboard/summary'));
  } catch (e) {
    $('health').textContent = 'unreachable';
    return;
  }
  $('facts').textContent = 'instance ' + s.instance + ' · policy ' + s.policy.id + ' v' + s.policy.version
    + ' · model ' + s.model.id + ' ' + s.model.digest.slice(0, 19) + '… on ' + s.model.provider;
  // The last ten whole seconds (the current one is still filling).
  const last10 = Object.entries(s.perSecondByAction).filter(([action]) => action !== 'DEAD_LETTER')
    .reduce((sum, [, series]) => sum + series.slice(-11, -1).reduce((a, b) => a + b, 0), 0);
  $('rate').textContent = (last10 / 10).toFixed(1);
  $('p50').textContent = s.latencyMs.samples ? s.latencyMs.p50 + ' ms' : '-';
  $('p99').textContent = s.latencyMs.samples ? s.latencyMs.p99 + ' ms' : '-';
  $('lag').textContent = s.lag;
  $('dead').textContent = Object.values(s.deadLettersByReason).reduce((a, b) => a + b, 0);
  $('health').textContent = s.health.ready ? 'ready' : 'not ready';
  $('health').title = Object.entries(s.health.parts).map(([k, v]) => k + ': ' + v).join('\n');
  chart('chart-action', 'legend-action', s.perSecondByAction, (label) => COLOURS[label] || '#555');
  const categories = Object.keys(s.perSecondByCategory);
  chart('chart-category', 'legend-category', s.perSecondByCategory, (label) => PALETTE[categories.indexOf(label) % PALETTE.length]);
  const rows = Object.entries(s.deadLettersByReason).sort((a, b) => b[1] - a[1]);
  $('reasons').tBodies[0].innerHTML = '';
  rows.forEach(([reason, n]) => {
    const tr = $('reasons').tBodies[0].insertRow();
    tr.insertCell().textContent = reason;
    tr.insertCell().textContent = n;
  });
}

// One polyline per label over the last CHART_SECONDS seconds, drawn as SVG.
function chart(svgId, legendId, seriesByLabel, colour) {
  const svg = $(svgId);
  const width = 600;
  const height = 160;
  const series = Object.entries(seriesByLabel).map(([label, values]) => [label, values.slice(-CHART_SECONDS)]);
  const max = Math.max(1, ...series.flatMap(([, v]) => v));
  const ns = 'http://www.w3.org/2000/svg';
  svg.innerHTML = '';
  series.forEach(([label, values]) => {
    const points = values.map((v, i) => (i * width / (CHART_SECONDS - 1)).toFixed(1) + ',' + (height - 4 - v * (height - 12) / max).toFixed(1));
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', points.join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', colour(label));
    line.setAttribute('stroke-width', '1.5');
    line.dataset.label = label;
    svg.appendChild(line);
  });
  const top = document.createElementNS(ns, 'text');
  top.setAttribute('x', '4');
  top.setAttribute('y', '12');
  top.setAttribute('font-size', '11');
  top.textContent = max + '/s';
  svg.appendChild(top);
  $(legendId).innerHTML = '';
  series.forEach(([label]) => {
    const span = document.createElement('span');
    span.textContent = label;
    span.style.setProperty('--c', colour(label));
    $(legendId).appendChild(span);
  });
}

function addEvent(e) {
  if (e.kind === 'missed') {
    // This page fell behind the feed: say how much it did not see.
    const notice = $('missed');
    notice.dataset.count = String(Number(notice.dataset.count || 0) + e.latencyMs);
    notice.textContent = 'missed ' + notice.dataset.count + ' events (this page fell behind the live feed)';
    notice.hidden = false;
    return;
  }
  const body = $('feed').tBodies[0];
  const tr = document.createElement('tr');
  tr.dataset.contentId = e.contentId || '';
  tr.dataset.kind = e.kind;
  const cells = [new Date(e.at).toLocaleTimeString(), e.contentId || '(no id)', e.tenant || '',
    e.kind === 'decision' ? e.action : 'DEAD LETTER', e.kind === 'decision' ? (e.category || '') : e.reason,
    e.probability == null ? '' : e.probability.toFixed(3) + (e.calibrated === false ? ' (uncalibrated)' : ''),
    e.policyVersion == null ? '' : e.policyId + ' v' + e.policyVersion,
    e.latencyMs == null ? '' : e.latencyMs + ' ms'];
  cells.forEach((text, i) => {
    const td = tr.insertCell();
    td.textContent = text;
    if (i === 3) td.className = e.kind === 'decision' ? e.action : 'DEAD';
  });
  const imageCell = tr.insertCell();
  if (e.kind === 'decision' && e.action !== 'ALLOW' && e.sourcePartition != null) {
    thumbnail(imageCell, e);
  }
  if (e.kind === 'decision') {
    tr.addEventListener('click', () => explain(e.contentId));
  } else {
    tr.title = e.message || '';
  }
  body.insertBefore(tr, body.firstChild);
  while (body.rows.length > FEED_ROWS) body.deleteRow(body.rows.length - 1);
}

// Flagged images arrive blurred; a click reveals (and a second one blurs again).
async function thumbnail(cell, e) {
  try {
    const img = await why.thumbnail(e.contentId, e.sourcePartition, e.sourceOffset);
    if (img) cell.appendChild(img);
  } catch (err) {
    // the upload may be gone from the topic: no thumbnail, the row stays
  }
}

async function explain(contentId) {
  let x;
  try {
    x = await session.api('GET', '/decisions/' + encodeURIComponent(contentId) + '/explain');
  } catch (e) {
    $('why').hidden = false;
    $('why-content').textContent = contentId;
    $('why-summary').textContent = e.message;
    return;
  }
  $('why').hidden = false;
  $('why-content').textContent = contentId;
  $('why-summary').textContent = x.action + (x.triggeringCategory ? ' (' + x.triggeringCategory + ')' : '') + ': ' + x.rule;
  why.categories($('why-categories').tBodies[0], x);
  $('why-facts').textContent = 'policy ' + x.policyId + ' v' + x.policyVersion + ' (' + x.policyHash.slice(0, 19) + '…)'
    + ' · model ' + x.modelId + ' ' + x.modelDigest + ' on ' + x.executionProvider + ' · logit scale ' + x.logitScale.toFixed(2)
    + ' · image sha256 ' + x.imageSha256.slice(0, 12) + '… · ' + x.endToEndMs + ' ms' + (x.traceId ? ' · trace ' + x.traceId : '');
}

session.mountLogin(enter);
