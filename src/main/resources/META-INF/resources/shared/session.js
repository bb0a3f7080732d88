// ClipGuard pages' session, shared by the policy editor and the dashboard. Basic credentials
// stay in memory (never stored); every call sends X-Requested-With, the header the server's
// CSRF guard requires on state changes (a cross-site page cannot send it).
'use strict';
const session = {
  auth: null,

  headers(extra) {
    const h = Object.assign({ 'X-Requested-With': 'clipguard-page' }, extra || {});
    if (this.auth) h['Authorization'] = this.auth;
    return h;
  },

  // JSON in, JSON out; a problem response becomes an Error with .problem.
  async api(method, path, body) {
    const headers = this.headers({ 'Accept': 'application/json' });
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    const data = text ? JSON.parse(text) : null;
    if (!r.ok) {
      const err = new Error((data && data.detail) || r.statusText);
      err.problem = data || {};
      throw err;
    }
    return data;
  },

  // Logs in with Basic credentials; resolves to GET /me, or rejects (and forgets them).
  async login(user, password) {
    this.auth = 'Basic ' + btoa(user + ':' + password);
    try {
      return await this.api('GET', '/me');
    } catch (e) {
      this.auth = null;
      throw e;
    }
  },

  // Server-Sent Events over fetch (EventSource cannot send the Authorization header): calls
  // onEvent with each event's JSON data until the stream ends or signal aborts.
  async stream(path, onEvent, signal) {
    const r = await fetch(path, { headers: this.headers({ 'Accept': 'text/event-stream' }), signal });
    if (!r.ok) throw new Error('stream: ' + r.status);
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
        if (data) onEvent(JSON.parse(data));
      }
    }
  },

  // Renders the login form into <section id="login"> and calls enter(me) once logged in: at once
  // when the request is already authenticated (an OIDC session or a proxy), else after the form.
  mountLogin(enter) {
    const section = document.getElementById('login');
    section.innerHTML = '<h2>Log in</h2><form id="login-form">'
      + '<label>User <input id="user" autocomplete="username"></label> '
      + '<label>Password <input id="password" type="password" autocomplete="current-password"></label> '
      + '<button id="login-button" type="submit">Log in</button></form><p id="login-error" class="error"></p>';
    const show = async (me) => {
      section.hidden = true;
      await enter(me);
    };
    document.getElementById('login-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        await show(await this.login(document.getElementById('user').value, document.getElementById('password').value));
      } catch (e) {
        document.getElementById('login-error').textContent = 'Login failed: ' + e.message;
      }
    });
    this.api('GET', '/me').then(show).catch(() => { /* not logged in yet: the form stays */ });
  },
};
