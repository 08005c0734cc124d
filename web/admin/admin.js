// Admin panel of the account API: accounts, API keys, widget tokens, access log. Uses the staff
// session cookie (sign in through the console) and /api/admin/*.
async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    credentials: 'same-origin',
    headers: { 'x-requested-with': 'fetch', ...(options.body ? { 'content-type': 'application/json' } : {}) },
  });
  if (res.status === 401) {
    location.href = `/console/login?next=${encodeURIComponent('/admin')}`;
    // The page is going away to the sign-in page: nothing after this call should run, and nothing
    // should be thrown (an uncaught 'signed out' on the way out is an error in the console).
    return new Promise(() => {});
  }
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error((body && (body.detail || body.title)) || res.statusText);
  return body;
}
const esc = (v) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
const badge = (v) => `<span class="badge ${esc(v)}">${esc(v)}</span>`;
const $ = (id) => document.getElementById(id);
function flash(html) {
  $('flash').innerHTML = html;
  $('flash').hidden = false;
}
async function run(fn) {
  try {
    await fn();
  } catch (err) {
    flash(`Error: ${esc(err.message)}`);
  }
}
const post = (path, body, method = 'POST') => api(path, { method, body: JSON.stringify(body ?? {}) });

let me = null;
let keys = [];
let accounts = [];

async function loadKeys() {
  keys = (await api('/api/admin/keys')).items;
  $('keyRows').innerHTML = keys
    .map(
      (
        k,
      ) => `<tr><td>${esc(k.name)}</td><td><code>bmx_${esc(k.kid)}_…</code><br><span class="muted">${esc(k.id)}</span></td><td>${badge(k.status)}${k.expires_at ? `<br><span class="muted">until ${when(k.expires_at)}</span>` : ''}</td>
      <td>${k.allowed_cidrs.length ? k.allowed_cidrs.map(esc).join('<br>') : '<span class="muted">anywhere</span>'}</td><td>${k.limits.per_minute}/min · 1 per ${k.limits.account_interval_seconds} s (burst ${k.limits.account_burst})</td><td>${when(k.last_used_at)}</td>
      <td class="admin-only">${k.status === 'active' || k.status === 'expiring' ? `<button class="secondary" data-act="rotate" data-id="${esc(k.id)}">Rotate</button> <button class="secondary" data-act="allow" data-id="${esc(k.id)}">IPs</button> <button class="secondary" data-act="limits" data-id="${esc(k.id)}">Limits</button> <button class="danger" data-act="revoke" data-id="${esc(k.id)}">Revoke</button>` : ''}</td></tr>`,
    )
    .join('');
  const active = keys.filter((k) => k.status === 'active' || k.status === 'expiring');
  const opts = active.map((k) => `<option value="${esc(k.id)}">${esc(k.name)} (${esc(k.id)})</option>`).join('');
  $('addAccount').key_id.innerHTML = `<option value="">(no key)</option>${opts}`;
  $('logFilters').key_id.innerHTML =
    `<option value="">any key</option>${keys.map((k) => `<option value="${esc(k.id)}">${esc(k.name)} (${esc(k.id)})</option>`).join('')}`;
}

async function loadAccounts() {
  accounts = (await api('/api/admin/accounts')).items;
  $('accountRows').innerHTML = accounts
    .map(
      (
        a,
      ) => `<tr><td>${esc(a.name)}<br><span class="muted">${esc(a.id)}</span></td><td>${esc(a.login)}</td><td>${esc(a.server)}</td><td>${a.key_ids.map(esc).join('<br>') || '—'}</td>
      <td>${badge(a.feed.state)} ${a.feed.age_seconds !== null ? `${a.feed.age_seconds} s ago` : ''}${a.feed.error ? `<br><span class="muted">${esc(a.feed.error)}</span>` : ''}</td>
      <td class="admin-only"><button class="secondary" data-act="link" data-id="${esc(a.id)}">Link key</button> <button class="danger" data-act="remove" data-id="${esc(a.id)}">Remove</button></td></tr>`,
    )
    .join('');
  const opts = accounts.map((a) => `<option value="${esc(a.id)}">${esc(a.name)} (${esc(a.login)})</option>`).join('');
  $('addWidget').account_id.innerHTML = opts;
  $('logFilters').account_id.innerHTML = `<option value="">any account</option>${opts}`;
}

async function loadWidgets() {
  const items = (await api('/api/admin/widgets')).items;
  const name = (id) => accounts.find((a) => a.id === id)?.name ?? id;
  $('widgetRows').innerHTML = items
    .map(
      (
        w,
      ) => `<tr><td>${esc(w.name)}<br><span class="muted">${esc(w.id)}</span></td><td>${esc(w.kind)}</td><td>${esc(name(w.account_id))}</td><td>${badge(w.status)}</td>
      <td>${[w.options.percent_only && 'percent only', w.options.hide_positions && 'no positions', w.options.hide_entry && 'no entry prices', w.options.delay_seconds && `${w.options.delay_seconds} s delay`].filter(Boolean).join(', ') || '—'}</td><td>${when(w.last_seen_at)}</td>
      <td class="admin-only">${w.status === 'active' ? `<button class="danger" data-act="wrevoke" data-id="${esc(w.id)}">Revoke</button>` : ''}</td></tr>`,
    )
    .join('');
}

let before = null;
async function loadLog(append = false) {
  const f = new FormData($('logFilters'));
  const q = new URLSearchParams();
  for (const k of ['key_id', 'account_id', 'status_class', 'ip']) if (f.get(k)) q.set(k, f.get(k));
  for (const k of ['from', 'to']) if (f.get(k)) q.set(k, new Date(f.get(k)).toISOString());
  if (append && before) q.set('before', before);
  const page = await api(`/api/admin/access-log?${q}`);
  before = page.next_before;
  $('more').hidden = !before;
  const rows = page.items
    .map(
      (r) =>
        `<tr><td>${when(r.at)}</td><td>${esc(r.actor)}</td><td>${esc(r.key_id ?? r.widget_id ?? '—')}</td><td>${esc(r.account_id ?? '—')}</td><td>${esc(r.method)} ${esc(r.route)}</td><td>${esc(r.status)}</td><td>${esc(r.ip)}</td><td>${esc(r.latency_ms)}</td></tr>`,
    )
    .join('');
  $('logRows').innerHTML = append ? $('logRows').innerHTML + rows : rows;
}

async function refresh() {
  await loadKeys();
  await loadAccounts();
  await loadWidgets();
  await loadLog();
  if (me.role !== 'admin') for (const el of document.querySelectorAll('.admin-only')) el.hidden = true;
}

$('addAccount').onsubmit = (e) => {
  e.preventDefault();
  run(async () => {
    const f = Object.fromEntries(new FormData(e.target));
    const body = {
      login: f.login,
      server: f.server,
      password: f.password,
      ...(f.name ? { name: f.name } : {}),
      ...(f.key_id ? { key_id: f.key_id } : {}),
    };
    const a = await post('/api/admin/accounts', body);
    e.target.reset();
    flash(`Registered ${esc(a.name)} (${esc(a.id)}).`);
    await refresh();
  });
};
$('addKey').onsubmit = (e) => {
  e.preventDefault();
  run(async () => {
    const f = new FormData(e.target);
    const cidrs = String(f.get('cidrs') || '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const k = await post('/api/admin/keys', { name: f.get('name'), allowed_cidrs: cidrs });
    e.target.reset();
    flash(`New key for ${esc(k.name)} — shown once, store it now:<br><code data-field="new-key">${esc(k.key)}</code>`);
    await refresh();
  });
};
$('addWidget').onsubmit = (e) => {
  e.preventDefault();
  run(async () => {
    const f = new FormData(e.target);
    const w = await post('/api/admin/widgets', {
      account_id: f.get('account_id'),
      kind: f.get('kind'),
      options: {
        percent_only: f.has('percent_only'),
        hide_positions: f.has('hide_positions'),
        hide_entry: f.has('hide_entry'),
        delay_seconds: Number(f.get('delay_seconds') || 0),
      },
    });
    flash(
      `Widget URL (shown once): <a href="${esc(w.url)}" target="_blank" rel="noreferrer">${esc(w.url)}</a><br>Customizer: <a href="${esc(w.customizer_url)}" target="_blank" rel="noreferrer">${esc(w.customizer_url)}</a>`,
    );
    await refresh();
  });
};
$('logFilters').onsubmit = (e) => {
  e.preventDefault();
  run(() => loadLog());
};
$('more').onclick = () => run(() => loadLog(true));

document.body.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-act]');
  if (!b) return;
  const id = b.dataset.id;
  run(async () => {
    switch (b.dataset.act) {
      case 'rotate': {
        const overlap = prompt('Old key keeps working for (e.g. 24h, 1h, 0):', '24h');
        if (overlap === null) return;
        const r = await post(`/api/admin/keys/${id}/rotate`, { overlap });
        flash(
          `New key — shown once:<br><code>${esc(r.created.key)}</code><br>The old key stops at ${when(r.old.expires_at ?? r.old.revoked_at)}.`,
        );
        break;
      }
      case 'revoke':
        if (confirm('Revoke this key now?')) await post(`/api/admin/keys/${id}/revoke`);
        break;
      case 'allow': {
        const k = keys.find((x) => x.id === id);
        const v = prompt('Allowed IPs/CIDRs, comma separated (empty = anywhere):', k.allowed_cidrs.join(', '));
        if (v !== null)
          await post(
            `/api/admin/keys/${id}/allowlist`,
            {
              allowed_cidrs: v
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            },
            'PUT',
          );
        break;
      }
      case 'limits': {
        const k = keys.find((x) => x.id === id);
        const v = prompt(
          'per_minute, account_interval_seconds, account_burst',
          `${k.limits.per_minute}, ${k.limits.account_interval_seconds}, ${k.limits.account_burst}`,
        );
        if (v === null) return;
        const [per_minute, account_interval_seconds, account_burst] = v.split(',').map((s) => Number(s.trim()));
        await post(`/api/admin/keys/${id}/limits`, { per_minute, account_interval_seconds, account_burst }, 'PUT');
        break;
      }
      case 'link': {
        const keyId = prompt(
          `Key id to link (${keys
            .filter((k) => k.status === 'active')
            .map((k) => `${k.id} = ${k.name}`)
            .join('; ')}):`,
        );
        if (keyId) await post(`/api/admin/accounts/${id}/links`, { key_id: keyId.trim() });
        break;
      }
      case 'remove':
        if (confirm('Remove this account, its key links and widgets?'))
          await api(`/api/admin/accounts/${id}`, { method: 'DELETE' });
        break;
      case 'wrevoke':
        if (confirm('Revoke this widget URL now?')) await post(`/api/admin/widgets/${id}/revoke`);
        break;
    }
    await refresh();
  });
});

run(async () => {
  me = await api('/api/auth/me');
  $('who').textContent = `${me.email} · ${me.role}`;
  await refresh();
  setInterval(() => run(loadAccounts), 10_000);
});
