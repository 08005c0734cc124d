import { api, badge, esc, header, when } from './console.js';

const id = decodeURIComponent(location.pathname.split('/').pop());
const base = `/api/clients/${encodeURIComponent(id)}`;
const fail = (err) => (document.getElementById('error').textContent = err.message);
let cursor = null;

function accountRows(list, depth = 0) {
  return list
    .map(
      (a) =>
        `<tr><td>${'↳ '.repeat(depth)}${esc(a.accountId)}</td><td>${esc(a.login)}${a.server ? ` @ ${esc(a.server)}` : ''}</td><td>${esc(a.type)}</td><td>${esc(a.phase)}</td><td>${badge(a.status)}</td><td class="num">${esc(a.balance)} ${esc(a.currency)}</td></tr>` +
        accountRows(a.subaccounts || [], depth + 1),
    )
    .join('');
}

async function loadProfile() {
  const c = await api(base);
  document.getElementById('name').textContent = [c.firstName, c.lastName].filter(Boolean).join(' ') || c.email;
  const fields = {
    Email: c.email,
    Phone: c.phone,
    Country: c.country,
    'Platform id': c.clientId,
    Status: c.status,
    KYC: c.kycStatus,
    'KYC notes': c.kycNotes,
    Source: c.source,
    Created: when(c.createdAt),
    Updated: when(c.updatedAt),
  };
  document.getElementById('profile').innerHTML = Object.entries(fields)
    .map(([k, v]) => `<dt>${esc(k)}</dt><dd>${k === 'KYC' ? badge(v) : esc(v)}</dd>`)
    .join('');
  document.getElementById('kycStatus').value = c.kycStatus;
  document.getElementById('kycHistory').innerHTML =
    c.kycHistory
      .map(
        (h) =>
          `<tr><td>${when(h.at)}</td><td>${esc(h.from ?? '—')} → ${badge(h.to)}</td><td>${esc(h.by)}</td><td>${esc(h.notes)}</td></tr>`,
      )
      .join('') || '<tr><td colspan="4" class="muted">No changes yet.</td></tr>';
}

async function loadNotes() {
  const n = await api(`${base}/notes`);
  document.getElementById('notes').innerHTML =
    n.items
      .map(
        (x) =>
          `<li><div>${esc(x.comment)}</div><div class="when">${when(x.createdAt)} · ${esc(x.author.id)}</div></li>`,
      )
      .join('') || '<li class="muted">No notes yet.</li>';
}

async function loadTimeline(reset = true) {
  if (reset) cursor = null;
  const r = await api(`${base}/activity?limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  const html = r.items
    .map(
      (a) =>
        `<li data-type="${esc(a.type)}"><div>${badge(a.type)} ${esc(a.summary)}</div><div class="when">${when(a.at)} · ${esc(a.actor.type)}${a.actor.id ? `: ${esc(a.actor.id)}` : ''}</div></li>`,
    )
    .join('');
  const ul = document.getElementById('timeline');
  ul.innerHTML = (reset ? '' : ul.innerHTML) + html;
  cursor = r.nextCursor;
  document.getElementById('more').hidden = !cursor;
}

async function loadMoney() {
  const [a, t] = await Promise.all([api(`${base}/accounts`), api(`${base}/transactions`)]);
  document.getElementById('accounts').innerHTML =
    accountRows(a.accounts) || '<tr><td colspan="6" class="muted">No accounts.</td></tr>';
  document.getElementById('transactions').innerHTML =
    t.items
      .map(
        (x) =>
          `<tr><td>${when(x.completedAt)}</td><td>${badge(x.type)}</td><td class="num">${esc(x.amount)} ${esc(x.currency)}</td><td>${esc(x.method)}</td><td>${esc(x.accountId)}</td></tr>`,
      )
      .join('') || '<tr><td colspan="5" class="muted">No transactions.</td></tr>';
}

document.getElementById('kyc').onsubmit = async (e) => {
  e.preventDefault();
  const data = Object.fromEntries(new FormData(e.target));
  if (!data.kycNotes) delete data.kycNotes;
  try {
    await api(`${base}/kyc`, { method: 'PATCH', body: JSON.stringify(data) });
    e.target.reset();
    await Promise.all([loadProfile(), loadTimeline()]);
  } catch (err) {
    fail(err);
  }
};
document.getElementById('note').onsubmit = async (e) => {
  e.preventDefault();
  try {
    await api(`${base}/notes`, { method: 'POST', body: JSON.stringify(Object.fromEntries(new FormData(e.target))) });
    e.target.reset();
    await Promise.all([loadNotes(), loadTimeline()]);
  } catch (err) {
    fail(err);
  }
};
document.getElementById('impersonate').onsubmit = async (e) => {
  e.preventDefault();
  try {
    const r = await api(`${base}/impersonate`, {
      method: 'POST',
      body: JSON.stringify(Object.fromEntries(new FormData(e.target))),
    });
    const link = document.getElementById('sso');
    link.innerHTML = `<a id="sso-link" href="${esc(r.ssoUrl)}" target="_blank" rel="noopener noreferrer">Open the trader's dashboard</a> (single use, expires in ${Math.round(r.expiresIn / 60)} minutes)`;
    await loadTimeline();
  } catch (err) {
    fail(err);
  }
};
document.getElementById('more').onclick = () => loadTimeline(false).catch(fail);

const me = await header();
document.getElementById('impersonate-panel').hidden = me.role !== 'admin';
await Promise.all([loadProfile(), loadNotes(), loadTimeline(), loadMoney()]).catch(fail);
