// What the draft would do, shown while it is edited: expected volumes per day at each threshold
// and the precision/recall curve with its 95 % interval (from a backtest of the draft text over
// stored uploads and reviewers' verdicts on them), a try of one image against the draft and the
// active version, and a gallery of the stored decisions the draft would change (blurred).
'use strict';
const preview = {
  job: null,
  sweeps: 0, // runs started: only the newest one's result is shown (an older one may finish after it)
  sweepTimer: null,
  tryTimer: null,
  lastTry: null,

  // Backtests the draft text as it stands and shows its volumes, curves and gallery; resolves to the finished job (null if it failed).
  // yaml: the text to backtest (default: the YAML view's, once the form's edits are in it). A run
  // overtaken by a newer one (another policy or version opened meanwhile) still resolves to its
  // job, but shows nothing: the page keeps the newest run's result.
  async runSweep(yaml) {
    const mine = ++this.sweeps;
    const newest = () => mine === this.sweeps;
    const status = document.getElementById('sweep-status');
    const limit = Number(document.getElementById('backtest-limit').value) || 10000;
    status.textContent = 'Backtesting the draft…';
    try {
      if (yaml === undefined) await form.flush();
      let job = await session.api('POST', '/policies/' + encodeURIComponent(state.policy) + '/backtest',
        { yaml: yaml === undefined ? document.getElementById('yaml').value : yaml, limit });
      while (job.state !== 'DONE' && job.state !== 'FAILED') {
        if (newest()) status.textContent = 'Backtesting the draft: ' + job.recordsRead + ' records read, ' + job.rowsScored + ' scored';
        await new Promise((r) => setTimeout(r, 250));
        job = await session.api('GET', '/policies/backtests/' + job.jobId);
      }
      if (job.state === 'FAILED') throw new Error(job.error);
      if (!newest()) return job;
      this.job = job;
      const r = job.report;
      const labelled = Object.values(job.curves || {}).length ? ', reviewers\' verdicts on some of them' : ', no reviewers\' verdicts on them';
      status.textContent = 'Backtest of the draft on ' + r.images + ' stored uploads' + this.spanText(r) + labelled + ': ' + r.changed
        + ' decisions change against v' + r.beforeVersion + '.' + (r.sweepsOmitted ? ' No volumes per threshold: ' + r.sweepsOmitted + '.' : '');
      this.showAll();
      this.gallery(r.samples);
      return job;
    } catch (e) {
      if (newest()) status.textContent = 'Backtest failed: ' + e.message;
      return null;
    }
  },

  spanText(r) {
    const s = r.spanSeconds;
    if (!(s > 0)) return '';
    if (s < 120) return ' over ' + s.toFixed(1) + ' seconds';
    if (s < 7200) return ' over ' + (s / 60).toFixed(0) + ' minutes';
    if (s < 172800) return ' over ' + (s / 3600).toFixed(1) + ' hours';
    return ' over ' + (s / 86400).toFixed(1) + ' days';
  },

  // Volumes of every category at its current threshold (the form's value, moved or not).
  showAll() {
    ((form.doc && form.doc.categories) || []).forEach((c, i) => this.show(i));
  },

  show(i) {
    const box = document.getElementById('volumes-' + i);
    const curve = document.getElementById('curve-' + i);
    if (!box) return;
    const c = form.doc.categories[i];
    const sweep = this.job && this.job.report.sweeps[c.id];
    if (!sweep || typeof c.threshold !== 'number') {
      box.textContent = this.job ? 'No backtest volumes for ' + c.id + ' yet: update the volumes.' : '';
      curve.innerHTML = '';
      return;
    }
    const step = Math.max(0, Math.min(100, Math.round(c.threshold * 100)));
    const r = this.job.report;
    const perDay = r.spanSeconds > 0 ? 86400 / r.spanSeconds : null;
    const v = (n) => (perDay ? (n * perDay).toFixed(n * perDay < 10 ? 1 : 0) : String(n));
    box.textContent = 'At ' + (step / 100).toFixed(2) + ': block ' + v(sweep.block[step]) + ' · review ' + v(sweep.review[step])
      + ' · allow ' + v(sweep.allow[step]) + (perDay ? ' per day' : ' of ' + r.images + ' stored uploads')
      + ' (other thresholds as when the backtest ran)';
    const points = this.job.curves && this.job.curves[c.id];
    curve.innerHTML = '';
    if (points) this.drawCurve(curve, points, step, c.id);
  },

  // Precision and recall against the threshold, each with its 95 % interval as a band, and the current threshold marked.
  drawCurve(container, points, step, id) {
    const W = 300;
    const H = 120;
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('width', W);
    svg.setAttribute('height', H);
    svg.setAttribute('role', 'img');
    const at = points[step];
    const f = (x) => (x === null || x === undefined ? 'n/a' : x.toFixed(2));
    const summary = 'Threshold ' + (step / 100).toFixed(2) + ': precision ' + f(at.precision) + ' (95 % interval ' + f(at.precisionLow) + ' to '
      + f(at.precisionHigh) + '), recall ' + f(at.recall) + ' (' + f(at.recallLow) + ' to ' + f(at.recallHigh) + '), from ' + at.reviewed
      + ' reviewed uploads at or above it';
    svg.setAttribute('aria-label', 'Precision and recall of ' + id + ' by threshold. ' + summary);
    const x = (i) => (i / 100) * (W - 10) + 5;
    const y = (p) => H - 5 - p * (H - 10);
    const band = (lo, hi, cls) => {
      const top = [];
      const bottom = [];
      points.forEach((p, i) => {
        if (p[lo] !== null && p[lo] !== undefined) {
          top.push(x(i) + ',' + y(p[hi]));
          bottom.unshift(x(i) + ',' + y(p[lo]));
        }
      });
      if (!top.length) return;
      const poly = document.createElementNS(ns, 'polygon');
      poly.setAttribute('points', top.concat(bottom).join(' '));
      poly.setAttribute('class', cls);
      svg.appendChild(poly);
    };
    const line = (key, cls) => {
      const pts = [];
      points.forEach((p, i) => { if (p[key] !== null && p[key] !== undefined) pts.push(x(i) + ',' + y(p[key])); });
      const pl = document.createElementNS(ns, 'polyline');
      pl.setAttribute('points', pts.join(' '));
      pl.setAttribute('class', cls);
      svg.appendChild(pl);
    };
    band('precisionLow', 'precisionHigh', 'band precision');
    band('recallLow', 'recallHigh', 'band recall');
    line('precision', 'line precision');
    line('recall', 'line recall');
    const mark = document.createElementNS(ns, 'line');
    mark.setAttribute('x1', x(step));
    mark.setAttribute('x2', x(step));
    mark.setAttribute('y1', 0);
    mark.setAttribute('y2', H);
    mark.setAttribute('class', 'mark');
    svg.appendChild(mark);
    const caption = document.createElement('p');
    caption.className = 'curve-caption';
    caption.textContent = summary + '. Precision is the darker line, recall the lighter; bands are 95 % intervals.';
    container.append(svg, caption);
  },

  // The image tried last, again, whenever the draft changes (debounced).
  async tryImage(input) {
    const status = document.getElementById('try-status');
    try {
      await form.flush();
    } catch (e) {
      status.textContent = 'Not tried: ' + e.message;
      return;
    }
    const body = { yaml: document.getElementById('yaml').value };
    if (input) this.lastTry = input;
    if (!this.lastTry) return;
    Object.assign(body, this.lastTry);
    status.textContent = 'Trying…';
    try {
      const t = await session.api('POST', '/policies/' + encodeURIComponent(state.policy) + '/try', body);
      this.renderTry(t);
      status.textContent = 'Draft: ' + t.draft.action + (t.draft.triggeringCategory ? ' (' + t.draft.triggeringCategory + ')' : '')
        + (t.active ? ' · active v' + t.active.version + ': ' + t.active.action : ' · ' + t.activeMissing);
    } catch (e) {
      status.textContent = 'Try failed: ' + e.message;
    }
  },

  renderTry(t) {
    const table = document.getElementById('try-result');
    table.querySelectorAll('tr').forEach((r) => r.remove());
    const head = table.insertRow();
    ['Category', 'Draft', t.active ? 'Active v' + t.active.version : 'Active'].forEach((h) => {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      head.appendChild(th);
    });
    const actions = table.insertRow();
    actions.className = 'action';
    [['action'], [t.draft.action + ': ' + t.draft.rule], [t.active ? t.active.action + ': ' + t.active.rule : t.activeMissing]]
      .forEach((v) => { actions.insertCell().textContent = v[0]; });
    const active = {};
    (t.active ? t.active.scores : []).forEach((s) => { active[s.category] = s; });
    const fmt = (s) => (s ? s.probability.toFixed(3) + ' vs ' + s.threshold + (s.triggered ? ' ✔' : '') : '—');
    t.draft.scores.forEach((s) => {
      const row = table.insertRow();
      row.insertCell().textContent = s.category;
      row.insertCell().textContent = fmt(s);
      row.insertCell().textContent = fmt(active[s.category]);
    });
  },

  documentChanged() {
    if (!this.lastTry) return;
    clearTimeout(this.tryTimer);
    this.tryTimer = setTimeout(() => this.tryImage(), 700);
  },

  async fileChosen(file) {
    const data = await new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
      reader.onerror = reject;
      reader.readAsDataURL(file);
    });
    await this.tryImage({ image: data });
  },

  // Up to 12 changed decisions' images, each blurred inside a button that reveals it.
  async gallery(samples) {
    const box = document.getElementById('gallery');
    box.innerHTML = '';
    const entries = Object.entries(samples || {}).flatMap(([dir, ids]) => ids.map((id) => [dir, id])).slice(0, 12);
    if (!entries.length) {
      box.textContent = 'No stored decision changes.';
      return;
    }
    for (const [dir, id] of entries) {
      const figure = document.createElement('figure');
      const caption = document.createElement('figcaption');
      caption.textContent = id + ': ' + dir.replace('->', ' → ');
      try {
        const d = await session.api('GET', '/decisions/' + encodeURIComponent(id));
        const src = d.audit && d.audit.source;
        const img = src ? await why.thumbnail(id, src.partition, src.offset) : null;
        if (img) {
          img.alt = 'image of ' + id + ' (blurred)';
          const reveal = document.createElement('button');
          reveal.type = 'button';
          reveal.className = 'reveal';
          reveal.setAttribute('aria-label', 'Reveal or blur the image of ' + id);
          reveal.appendChild(img);
          reveal.addEventListener('click', () => img.classList.toggle('blurred'));
          figure.appendChild(reveal);
        } else {
          figure.appendChild(document.createTextNode('(image unavailable)'));
        }
      } catch (e) {
        figure.appendChild(document.createTextNode('(no decision: ' + e.message + ')'));
      }
      figure.appendChild(caption);
      box.appendChild(figure);
    }
  },
};

form.listeners.push((path) => {
  if (path === 'document') {
    preview.documentChanged();
  } else if (path === null) {
    preview.showAll();
  } else if (path[0] === 'categories' && path[2] === 'threshold') {
    preview.show(path[1]);
  }
});
