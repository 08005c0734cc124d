import { api, badge, esc, header, when } from './console.js';

const form = document.getElementById('filters');
const params = new URLSearchParams(location.search);
for (const [k, v] of params) if (form.elements[k]) form.elements[k].value = v;
let page = Number(params.get('page') || 1);

async function load() {
  const q = new URLSearchParams({ page: String(page), pageSize: '20' });
  for (const [k, v] of new FormData(form)) if (v) q.set(k, v);
  history.replaceState(null, '', `/console/clients?${q}`);
  try {
    const r = await api(`/api/clients?${q}`);
    document.getElementById('rows').innerHTML =
      r.items
        .map(
          (c) =>
            `<tr><td><a href="/console/clients/${encodeURIComponent(c.id)}">${esc([c.firstName, c.lastName].filter(Boolean).join(' ') || '(no name)')}</a></td><td>${esc(c.email)}</td><td>${esc(c.phone)}</td><td>${esc(c.clientId)}</td><td>${badge(c.kycStatus)}</td><td>${esc(c.status)}</td><td>${when(c.createdAt)}</td></tr>`,
        )
        .join('') || '<tr><td colspan="7" class="muted">No clients match.</td></tr>';
    const pages = Math.max(1, Math.ceil(r.total / r.pageSize));
    document.getElementById('pageinfo').textContent =
      `Page ${r.page} of ${pages} · ${r.total} ${r.total === 1 ? 'client' : 'clients'}`;
    document.getElementById('prev').disabled = r.page <= 1;
    document.getElementById('next').disabled = r.page >= pages;
  } catch (err) {
    document.getElementById('error').textContent = err.message;
  }
}

form.onsubmit = (e) => {
  e.preventDefault();
  page = 1;
  load();
};
document.getElementById('prev').onclick = () => {
  page--;
  load();
};
document.getElementById('next').onclick = () => {
  page++;
  load();
};
await header();
await load();
