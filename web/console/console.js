// Staff console helpers: fetch with the HttpOnly session cookie (plus the CSRF header), escaping, header bar.
export async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    credentials: 'same-origin',
    headers: {
      'x-requested-with': 'fetch',
      ...(options.body ? { 'content-type': 'application/json' } : {}),
      ...(options.headers || {}),
    },
  });
  if (res.status === 401 && !path.startsWith('/api/auth/login')) {
    location.href = `/console/login?next=${encodeURIComponent(location.pathname + location.search)}`;
    // The page is going away to the sign-in page: nothing after this call should run, and nothing
    // should be thrown (an uncaught 'signed out' on the way out is an error in the console).
    return new Promise(() => {});
  }
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error((body && (body.detail || body.title)) || res.statusText);
  return body;
}

export function esc(value) {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

export function badge(value) {
  return `<span class="badge ${esc(value)}">${esc(value)}</span>`;
}

/** Fills the header bar and returns the signed-in staff member. */
export async function header() {
  const me = await api('/api/auth/me');
  const bar = document.querySelector('header.bar');
  bar.innerHTML = `<span class="brand">Brymix CRM</span><a href="/console/clients">Clients</a>${me.role === 'admin' ? '<a href="/console/audit">Audit log</a>' : ''}<a href="/admin">Accounts &amp; API keys</a><span class="who">${esc(me.email)} · ${esc(me.role)}</span><button class="secondary" id="logout">Log out</button>`;
  document.getElementById('logout').onclick = async () => {
    await api('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
    location.href = '/console/login';
  };
  return me;
}
