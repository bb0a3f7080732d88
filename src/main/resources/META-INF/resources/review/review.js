// ClipGuard review page: a client of /reviews (the next decision sent to review, leased to this
// reviewer; the verdict on it). Keyboard: V violation, N no violation, E escalate, Space reveals.
'use strict';
const $ = (id) => document.getElementById(id);
let current = null;
let busy = false;

function enter(me) {
  $('whoami').textContent = me.user + ' (' + me.roles.join(', ') + ')';
  $('app').hidden = false;
  if (me.roles.includes('banker') || me.roles.includes('publisher')) loadBanks();
  next();
}

// Bankers see the PDQ banks the policy declares and can add the image under review to one (by its contentId:
// the hash its decision kept), so its re-uploads are caught.
async function loadBanks() {
  try {
    const banks = (await session.api('GET', '/banks')).filter((b) => b.kind === 'pdq');
    const select = $('bank');
    select.innerHTML = '';
    banks.forEach((b) => select.add(new Option(b.id + (b.negative ? ' (negative)' : ''), b.id)));
    $('banking').hidden = banks.length === 0;
  } catch (e) {
    $('banking').hidden = true;
  }
}

async function addToBank() {
  if (!current) return;
  const bank = $('bank').value;
  try {
    const e = await session.api('POST', '/banks/' + encodeURIComponent(bank) + '/entries',
      { contentId: current.contentId, reason: $('note').value || 'added from review' });
    $('status').textContent = 'Added to ' + e.bank + ': ' + e.entry.substring(0, 16) + '…';
  } catch (err) {
    $('status').textContent = 'Not added: ' + err.message;
  }
}

async function next() {
  current = null;
  $('item').hidden = true;
  const tenant = $('tenant').value.trim();
  const r = await fetch('/reviews/next' + (tenant ? '?tenant=' + encodeURIComponent(tenant) : ''), { headers: session.headers() });
  if (r.status === 204) {
    $('empty').hidden = false;
    $('depth').textContent = '';
    return;
  }
  if (!r.ok) {
    $('status').textContent = 'Cannot load the next item: ' + r.status;
    return;
  }
  current = await r.json();
  $('empty').hidden = true;
  show(current);
}

async function show(item) {
  const x = item.explanation;
  $('content').textContent = item.contentId + (item.blind ? ' — blind review: the model\'s scores are hidden'
    : ' — ' + x.action + (x.triggeringCategory ? ' (' + x.triggeringCategory + ')' : ''));
  $('facts').textContent = 'tenant ' + item.tenant + ' · decided ' + item.decidedAt + ' by ' + x.policyId + ' v' + x.policyVersion
    + ' · model ' + x.modelDigest + ' · yours until ' + new Date(item.leaseExpiresAt).toLocaleTimeString();
  $('depth').textContent = item.queueDepth + ' waiting';
  why.categories($('categories').tBodies[0], x);
  const select = $('category');
  select.innerHTML = '';
  item.categories.forEach((c) => select.add(new Option(c, c)));
  const top = x.triggeringCategory || (x.categories[0] && x.categories[0].id);
  if (top) select.value = top;
  $('note').value = '';
  $('image').innerHTML = '';
  if (item.image) {
    try {
      const img = await why.thumbnail(item.contentId, item.image.partition, item.image.offset);
      if (img) $('image').appendChild(img);
    } catch (e) {
      $('image').textContent = '(image unavailable)';
    }
  } else {
    $('image').textContent = '(image position unknown)';
  }
  $('item').hidden = false;
}

async function verdict(kind) {
  if (!current || busy) return;
  busy = true;
  const body = { verdict: kind, note: $('note').value || null, eventId: current.eventId, leaseId: current.leaseId };
  if (kind === 'VIOLATION') body.category = $('category').value;
  try {
    const v = await session.api('POST', '/reviews/' + encodeURIComponent(current.contentId) + '/verdict', body);
    $('status').textContent = 'Recorded: ' + v.contentId + ' ' + v.verdict + (v.category ? ' (' + v.category + ')' : '');
    await next();
  } catch (e) {
    $('status').textContent = 'Not recorded: ' + e.message;
  } finally {
    busy = false;
  }
}

function reveal() {
  const img = $('image').querySelector('img');
  if (img) img.classList.toggle('blurred');
}

document.addEventListener('keydown', (e) => {
  if (!current || e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT') return;
  const key = e.key.toLowerCase();
  if (key === 'v') verdict('VIOLATION');
  else if (key === 'n') verdict('NO_VIOLATION');
  else if (key === 'e') verdict('ESCALATE');
  else if (key === ' ') {
    e.preventDefault();
    reveal();
  }
});
$('violation').addEventListener('click', () => verdict('VIOLATION'));
$('no-violation').addEventListener('click', () => verdict('NO_VIOLATION'));
$('escalate').addEventListener('click', () => verdict('ESCALATE'));
$('refresh').addEventListener('click', next);
$('add-to-bank').addEventListener('click', addToBank);
session.mountLogin(enter);
