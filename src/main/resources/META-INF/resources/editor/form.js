// The studio's form: the policy document as plain data (what POST /policies/document returns),
// edited field by field and kept in step with the YAML view both ways. The server converts
// (form data -> YAML, YAML -> form data) and validates; its problems come back with their field
// paths ($.categories[0].threshold) and are shown on those fields.
'use strict';
const form = {
  doc: null,
  policyId: null,
  toYamlTimer: null,
  fromYamlTimer: null,
  pending: null,
  seq: 0,
  settled: 0,
  failed: null,
  listeners: [],

  el(tag, attrs, text) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === 'dataset') Object.assign(e.dataset, v);
      else e.setAttribute(k, v);
    });
    if (text !== undefined) e.textContent = text;
    return e;
  },

  // "$.categories[0].threshold" for ['categories', 0, 'threshold'].
  pathText(path) {
    return '$' + path.map((k) => (typeof k === 'number' ? '[' + k + ']' : '.' + k)).join('');
  },

  get(path) {
    return path.reduce((node, k) => (node === undefined || node === null ? undefined : node[k]), this.doc);
  },

  // Sets (or, for undefined, removes) the value at path, then schedules the YAML view's update.
  set(path, value) {
    let node = this.doc;
    for (let i = 0; i < path.length - 1; i++) {
      if (node[path[i]] === undefined) node[path[i]] = typeof path[i + 1] === 'number' ? [] : {};
      node = node[path[i]];
    }
    const last = path[path.length - 1];
    if (value === undefined) delete node[last];
    else node[last] = value;
    this.listeners.forEach((f) => f(path));
    this.seq++; // an answer still in flight is older than this edit
    clearTimeout(this.fromYamlTimer);
    this.fromYamlTimer = null;
    clearTimeout(this.toYamlTimer);
    this.toYamlTimer = setTimeout(() => this.toYaml(), 300);
  },

  // A labelled input bound to path. kind: text, number, lines (one item per line), select, range, checkbox.
  field(container, label, path, kind, options) {
    const o = options || {};
    const id = 'f-' + path.join('-');
    const wrap = this.el('div', { class: 'field' });
    const value = this.get(path);
    let input;
    if (kind === 'select') {
      input = this.el('select', { id });
      (o.choices || []).forEach((c) => {
        const opt = this.el('option', { value: c }, c || '(none)');
        if (String(value === undefined ? '' : value) === c) opt.selected = true;
        input.appendChild(opt);
      });
    } else if (kind === 'lines') {
      input = this.el('textarea', { id, rows: String(o.rows || 3) });
      input.value = Array.isArray(value) ? value.join('\n') : '';
    } else if (kind === 'checkbox') {
      input = this.el('input', { id, type: 'checkbox' });
      input.checked = value === true;
    } else {
      input = this.el('input', { id, type: kind === 'number' ? 'number' : 'text' });
      if (o.step) input.setAttribute('step', o.step);
      if (o.min !== undefined) input.setAttribute('min', o.min);
      if (o.max !== undefined) input.setAttribute('max', o.max);
      input.value = value === undefined || value === null ? '' : String(value);
    }
    input.dataset.path = this.pathText(path);
    if (o.readonly) input.setAttribute('readonly', 'readonly');
    const lab = this.el('label', { for: id }, label);
    const error = this.el('span', { class: 'field-error', id: id + '-error' });
    input.setAttribute('aria-describedby', id + '-error');
    const read = () => {
      if (kind === 'checkbox') return input.checked ? true : undefined;
      if (kind === 'lines') {
        const items = input.value.split('\n').map((s) => s.trim()).filter((s) => s);
        return items.length || o.required ? items : undefined;
      }
      if (input.value === '' && !o.required) return undefined;
      if (kind === 'number') {
        const n = Number(input.value);
        return input.value !== '' && Number.isFinite(n) ? n : input.value; // the server says what is wrong with text
      }
      return input.value;
    };
    input.addEventListener(kind === 'select' || kind === 'checkbox' ? 'change' : 'input', () => this.set(path, read()));
    wrap.append(lab, input, error);
    container.appendChild(wrap);
    return input;
  },

  // A threshold: a slider and a number box bound to the same value (both labelled).
  threshold(container, path, name) {
    const id = 'f-' + path.join('-');
    const wrap = this.el('div', { class: 'field threshold' });
    const slider = this.el('input', { id: id + '-slider', type: 'range', min: '0', max: '1', step: '0.01', class: 'threshold-slider' });
    const box = this.el('input', { id, type: 'number', min: '0', max: '1', step: '0.01' });
    const value = this.get(path);
    slider.value = box.value = value === undefined ? '' : String(value);
    slider.dataset.path = box.dataset.path = this.pathText(path);
    const error = this.el('span', { class: 'field-error', id: id + '-error' });
    box.setAttribute('aria-describedby', id + '-error');
    slider.setAttribute('aria-describedby', id + '-error');
    slider.addEventListener('input', () => {
      box.value = slider.value;
      this.set(path, Number(slider.value));
    });
    box.addEventListener('input', () => {
      const n = Number(box.value);
      if (box.value !== '' && Number.isFinite(n)) slider.value = box.value;
      this.set(path, box.value !== '' && Number.isFinite(n) ? n : box.value);
    });
    wrap.append(this.el('label', { for: id + '-slider' }, 'Threshold of ' + name + ' (slider)'), slider,
      this.el('label', { for: id }, 'Threshold'), box, error);
    container.appendChild(wrap);
  },

  render() {
    const root = document.getElementById('form-fields');
    root.innerHTML = '';
    if (!this.doc) return;
    const top = this.el('fieldset', { class: 'policy-fields' });
    top.appendChild(this.el('legend', {}, 'Policy ' + (this.doc.id || '')));
    this.field(top, 'Description', ['description'], 'text');
    this.field(top, 'Default action', ['defaultAction'], 'select', { choices: ['', 'allow', 'review', 'block'] });
    this.field(top, 'Review band (probabilities this close below a threshold go to review)', ['reviewBand'], 'number', { step: '0.01', min: 0, max: 1 });
    this.field(top, 'Review sample rate of allowed content', ['reviewSampleRate'], 'number', { step: '0.001', min: 0, max: 1 });
    this.field(top, 'Prompt templates, one per line ({} stands for the prompt)', ['templates'], 'lines', { rows: 2 });
    this.field(top, 'Benign prompts, one per line', ['benign'], 'lines', { rows: 4 });
    root.appendChild(top);

    (this.doc.categories || []).forEach((c, i) => {
      const set = this.el('fieldset', { class: 'category', id: 'category-' + i });
      set.appendChild(this.el('legend', {}, 'Category ' + (i + 1) + ': ' + (c.name || c.id || '(new)')));
      this.field(set, 'Id', ['categories', i, 'id'], 'text', { required: true });
      this.field(set, 'Name', ['categories', i, 'name'], 'text');
      this.field(set, 'Action', ['categories', i, 'action'], 'select', { choices: ['allow', 'review', 'block'] });
      this.field(set, 'Severity (1 low to 5 critical)', ['categories', i, 'severity'], 'number', { min: 1, max: 5, step: '1' });
      this.threshold(set, ['categories', i, 'threshold'], c.name || c.id || 'category ' + (i + 1));
      set.appendChild(this.el('div', { class: 'volumes', id: 'volumes-' + i, 'aria-live': 'polite' }));
      set.appendChild(this.el('div', { class: 'curve', id: 'curve-' + i }));
      this.field(set, 'Prompts, one per line', ['categories', i, 'prompts'], 'lines', { rows: 3, required: true });
      this.field(set, 'Exclusions (look-alikes), one per line', ['categories', i, 'exclusions'], 'lines', { rows: 2 });
      this.field(set, 'Bank whose matches trigger it', ['categories', i, 'bank'], 'text');
      const remove = this.el('button', { type: 'button', class: 'remove-category', 'data-role': 'editor' }, 'Remove category ' + (c.id || i + 1));
      remove.addEventListener('click', () => {
        this.doc.categories.splice(i, 1);
        this.structureChanged();
      });
      set.appendChild(remove);
      root.appendChild(set);
    });

    (this.doc.banks || []).forEach((b, j) => {
      const set = this.el('fieldset', { class: 'bank', id: 'bank-' + j });
      set.appendChild(this.el('legend', {}, 'Bank ' + (j + 1) + ': ' + (b.id || '(new)')));
      this.field(set, 'Id', ['banks', j, 'id'], 'text', { required: true });
      this.field(set, 'Kind', ['banks', j, 'kind'], 'select', { choices: ['pdq', 'embedding'] });
      this.field(set, 'Largest PDQ distance (bits)', ['banks', j, 'maxDistance'], 'number', { min: 0, max: 256, step: '1' });
      this.field(set, 'Smallest embedding similarity', ['banks', j, 'minSimilarity'], 'number', { min: 0, max: 1, step: '0.01' });
      this.field(set, 'Negative (its matches exempt uploads)', ['banks', j, 'negative'], 'checkbox');
      const remove = this.el('button', { type: 'button', 'data-role': 'editor' }, 'Remove bank ' + (b.id || j + 1));
      remove.addEventListener('click', () => {
        this.doc.banks.splice(j, 1);
        if (!this.doc.banks.length) delete this.doc.banks;
        this.structureChanged();
      });
      set.appendChild(remove);
      root.appendChild(set);
    });
    document.querySelectorAll('#form [data-role]').forEach((e) => { e.hidden = !state.roles.includes(e.dataset.role); });
    this.listeners.forEach((f) => f(null));
  },

  structureChanged() {
    this.render();
    this.seq++;
    clearTimeout(this.fromYamlTimer);
    this.fromYamlTimer = null;
    clearTimeout(this.toYamlTimer);
    this.toYamlTimer = setTimeout(() => this.toYaml(), 0);
  },

  addCategory() {
    if (!this.doc.categories) this.doc.categories = [];
    const n = this.doc.categories.length + 1;
    this.doc.categories.push({ id: 'new-category-' + n, name: 'New category ' + n, action: 'review', threshold: 0.5, prompts: [] });
    this.structureChanged();
    const id = document.getElementById('f-categories-' + (n - 1) + '-id');
    if (id) id.focus();
  },

  addBank() {
    if (!this.doc.banks) this.doc.banks = [];
    this.doc.banks.push({ id: 'new-bank-' + (this.doc.banks.length + 1), kind: 'pdq' });
    this.structureChanged();
  },

  // The last view edited wins: a form edit cancels a YAML conversion still waiting, and the other way
  // round; every answer carries its request's number and only the newest request's answer is applied.
  yamlEdited() {
    this.seq++;
    clearTimeout(this.toYamlTimer);
    this.toYamlTimer = null;
    clearTimeout(this.fromYamlTimer);
    this.fromYamlTimer = setTimeout(() => this.fromYaml(), 500);
  },

  // Another version opened: whatever was waiting belongs to the one before.
  reset() {
    clearTimeout(this.toYamlTimer);
    clearTimeout(this.fromYamlTimer);
    this.toYamlTimer = this.fromYamlTimer = null;
    this.seq++;
    this.settled = this.seq;
    this.failed = null;
  },

  convert(body, apply) {
    const mine = ++this.seq;
    this.pending = session.api('POST', '/policies/document', Object.assign({ policyId: this.policyId }, body)).then((views) => {
      if (mine !== this.seq) return;
      this.settled = mine;
      this.failed = null;
      apply(views);
      this.showErrors(views.errors);
      this.changed();
    }).catch((e) => {
      if (mine !== this.seq) return;
      this.settled = mine;
      this.failed = e.message;
      this.showErrors((e.problem && e.problem.errors) || ['$: ' + e.message]);
    });
    return this.pending;
  },

  // Form -> YAML (the server writes it), then problems on their fields.
  async toYaml() {
    clearTimeout(this.toYamlTimer);
    this.toYamlTimer = null;
    await this.convert({ document: JSON.parse(JSON.stringify(this.doc)) }, (views) => {
      document.getElementById('yaml').value = views.yaml;
    });
  },

  // YAML -> form (the server reads it), then problems on their fields.
  async fromYaml() {
    clearTimeout(this.fromYamlTimer);
    this.fromYamlTimer = null;
    await this.convert({ yaml: document.getElementById('yaml').value }, (views) => {
      this.doc = views.document;
      this.render();
    });
  },

  // Before an action reads the YAML: the edit still waiting is converted first, and an action on
  // two views that disagree (the last conversion failed) is refused.
  async flush() {
    // Until the newest edit's conversion has answered (each answer older than an edit is dropped).
    while (this.toYamlTimer || this.fromYamlTimer || this.settled !== this.seq) {
      if (this.toYamlTimer) await this.toYaml();
      else if (this.fromYamlTimer) await this.fromYaml();
      else if (this.pending) await this.pending;
      else await this.toYaml(); // an edit whose conversion was never scheduled (cannot happen; converts rather than waits)
    }
    if (this.failed) throw new Error('the form and the YAML do not agree yet (' + this.failed + ')');
  },

  // Each problem on the field whose path is the longest prefix of its own; the rest in the list.
  showErrors(errors) {
    document.querySelectorAll('#form .field-error').forEach((e) => { e.textContent = ''; });
    document.querySelectorAll('#form [aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
    const list = document.getElementById('errors');
    list.innerHTML = '';
    const inputs = Array.from(document.querySelectorAll('#form [data-path]'));
    (errors || []).forEach((message) => {
      const path = message.split(':')[0];
      let best = null;
      inputs.forEach((input) => {
        const p = input.dataset.path;
        if ((path === p || path.startsWith(p + '.') || path.startsWith(p + '[')) && (!best || p.length > best.length)) best = p;
      });
      if (best) {
        const fields = inputs.filter((input) => input.dataset.path === best);
        fields.forEach((input) => input.setAttribute('aria-invalid', 'true'));
        const box = document.getElementById(fields[0].getAttribute('aria-describedby'));
        box.textContent = (box.textContent ? box.textContent + ' ' : '') + message.slice(path.length + 1).trim();
      }
      const li = document.createElement('li');
      li.textContent = message;
      list.appendChild(li);
    });
  },

  changed() {
    this.listeners.forEach((f) => f('document'));
  },
};
