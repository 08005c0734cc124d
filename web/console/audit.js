import { api, badge, esc, header, when } from './console.js';

const form = document.getElementById('filters');
let page = 1;

async function load() {
  const q = new URLSearchParams({ page: String(page), pageSize: '50' });
  for (const [k, v] of new FormData(form)) if (v) q.set(k, v);
  try {
    const r = await api(`/api/audit?${q}`);
    document.getElementById('rows').innerHTML = r.items
      .map(
        (e) =>
          `<tr><td>${e.seq}</td><td>${when(e.at)}</td><td>${esc(e.action)}</td><td>${badge(e.outcome)}</td><td>${esc(e.actorType)}${e.actorId ? `: ${esc(e.actorId)}` : ''}</td><td>${esc(e.targetType ?? '')}${e.targetId ? `: ${esc(e.targetId)}` : ''}</td><td>${esc(e.ip)}</td><td class="muted">${esc(e.meta ? JSON.stringify(e.meta) : '')}</td></tr>`,
      )
      .join('');
    const pages = Math.max(1, Math.ceil(r.total / r.pageSize));
    document.getElementById('pageinfo').textContent =
      `Page ${r.page} of ${pages} · ${r.total} ${r.total === 1 ? 'entry' : 'entries'}`;
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
document.getElementById('verify').onclick = async () => {
  const r = await api('/api/audit/verify');
  document.getElementById('chain').innerHTML = r.ok
    ? `<span class="ok">Intact: ${r.checked} entries</span>`
    : `<span class="error">Broken at entry ${r.brokenAt}: ${esc(r.reason)}</span>`;
};
await header();
await load();
