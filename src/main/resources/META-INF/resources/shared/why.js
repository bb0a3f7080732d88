// Shared by the dashboard and the review page: a decision's categories against their thresholds
// (with the prompts that define them), and flagged images fetched with the login, blurred until
// clicked (a common trust-and-safety practice to protect staff).
'use strict';
const why = {
  // Fills tbody with one row per category: name, a bar (probability, threshold mark), numbers and prompts.
  // A blind explanation (blind review) has no numbers: only the categories and their prompts.
  // An uncalibrated probability says so: it ranks images, it is not a frequency.
  categories(tbody, explanation) {
    tbody.innerHTML = '';
    explanation.categories.forEach((c) => {
      const tr = tbody.insertRow();
      tr.insertCell().textContent = c.name + (c.triggered ? ' ✔' : '');
      const graph = tr.insertCell();
      const text = tr.insertCell();
      if (c.probability !== null && c.probability !== undefined) {
        const bar = document.createElement('div');
        bar.className = 'bar';
        bar.title = 'probability ' + c.probability.toFixed(3) + ', threshold ' + c.threshold;
        const fill = document.createElement('div');
        fill.className = 'fill' + (c.triggered ? ' triggered' : '');
        fill.style.width = (100 * c.probability) + '%';
        const mark = document.createElement('div');
        mark.className = 'mark';
        mark.style.left = (100 * c.threshold) + '%';
        bar.append(fill, mark);
        graph.appendChild(bar);
        const numbers = document.createElement('div');
        numbers.textContent = c.probability.toFixed(3) + ' vs ' + c.threshold;
        if (c.calibrated === false) {
          const tag = document.createElement('span');
          tag.className = 'uncalibrated';
          tag.textContent = ' uncalibrated';
          tag.title = 'No calibration applies to this category: the score ranks images but is not the share of such images that show it';
          numbers.appendChild(tag);
        }
        text.appendChild(numbers);
      }
      const prompts = document.createElement('div');
      prompts.className = 'prompts';
      prompts.textContent = c.prompts.length ? 'prompts: ' + c.prompts.join('; ') + (c.exclusions.length ? ' · not: ' + c.exclusions.join('; ') : '')
        : '(prompts unavailable: policy version not in the catalog)';
      text.appendChild(prompts);
    });
    // Bank matches: known content found by PDQ hash or by example, one row each.
    (explanation.banks || []).forEach((b) => {
      const tr = tbody.insertRow();
      tr.className = 'bank-match';
      tr.insertCell().textContent = 'bank';
      const cell = tr.insertCell();
      cell.colSpan = 2;
      cell.textContent = b;
    });
  },

  // An <img> of the upload at partition/offset, blurred; a click (or reveal()) toggles the blur. Null when it cannot be shown.
  async thumbnail(contentId, partition, offset) {
    const path = '/dashboard/thumbnails/' + encodeURIComponent(contentId) + '?partition=' + partition + '&offset=' + offset;
    const r = await fetch(path, { headers: session.headers() });
    if (!r.ok) return null;
    const img = document.createElement('img');
    img.className = 'thumb blurred';
    img.alt = 'flagged image (click to reveal)';
    img.src = URL.createObjectURL(await r.blob());
    img.addEventListener('click', (ev) => {
      ev.stopPropagation();
      img.classList.toggle('blurred');
    });
    return img;
  },
};
