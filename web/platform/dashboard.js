// Trader dashboard: accounts with challenge objectives (FTMO MetriX style) and a live equity chart.
const esc = (v) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const money = (n, cur = 'USD') =>
  n === null || n === undefined ? '—' : Number(n).toLocaleString(undefined, { style: 'currency', currency: cur });

async function api(path, options = {}) {
  const res = await fetch(path, {
    ...options,
    credentials: 'same-origin',
    headers: { 'x-requested-with': 'fetch', ...(options.body ? { 'content-type': 'application/json' } : {}) },
  });
  if (res.status === 401) {
    location.href = '/signin';
    // The page is going away to the sign-in page: nothing after this call should run, and nothing
    // should be thrown (an uncaught 'signed out' on the way out is an error in the console).
    return new Promise(() => {});
  }
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new Error((body && (body.detail || body.title)) || res.statusText);
  return body;
}

let firstAccountId = null;

function objectiveRow(o) {
  const value = o.value === null ? '—' : `${o.value}${o.unit === '%' ? '%' : ` ${o.unit}`}`;
  const limit = o.limit === null ? '' : ` / ${o.limit}${o.unit === '%' ? '%' : ''}`;
  // A <progress> element: no style attribute for the CSP to block (style-src 'self').
  const pct = o.progress === null ? null : Math.max(0, Math.min(100, o.progress));
  const bar =
    pct === null
      ? ''
      : `<progress class="${esc(o.status)}" max="100" value="${pct}" aria-label="${esc(o.label)}: ${pct}%"></progress>`;
  return `<tr data-rule="${esc(o.rule)}"><td>${esc(o.label)}</td><td>${esc(value)}${esc(limit)}</td><td>${bar}</td><td><span class="badge ${esc(o.status)}">${esc(o.status)}</span></td></tr>`;
}

const LIVE = ['active', 'stale'];
const pct1 = (n) => `${(Math.round(n * 10) / 10).toFixed(1)} %`;
const utc = (iso) => (iso ? `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC` : '');

// The account's live monitor: its status, each loss limit's floor and the room used, the breach.
function monitorHtml(m, currency) {
  if (!m) return '<p class="muted">Live monitoring starts with the account.</p>';
  const age = m.dataAgeMs === null ? 'no reading yet' : `read ${Math.round(m.dataAgeMs / 1000)} s ago`;
  const conn = m.connection.state === 'error' && m.connection.lastError ? ` · ${m.connection.lastError}` : '';
  const rows = m.limits
    .map((l) => {
      const used = Math.max(0, Math.min(100, l.usedPercent));
      const cls = l.usedPercent >= 100 ? 'breached' : l.usedPercent >= 80 ? 'at_risk' : 'passing';
      return `<tr data-limit="${esc(l.rule)}"><td>${esc(l.label)}${l.day ? ` <span class="muted small">${esc(l.day)}</span>` : ''}</td><td class="num">${money(l.floor, currency)}</td><td class="used"><span class="num">${esc(pct1(l.usedPercent))}</span><progress class="${cls}" max="100" value="${used}" aria-label="${esc(l.label)}: ${esc(pct1(l.usedPercent))} of the room used"></progress></td></tr>`;
    })
    .join('');
  const breach = m.breach
    ? `<p class="breach" role="alert">Breached: ${esc(m.breach.label)}${m.breach.at ? ` at ${esc(utc(m.breach.at))}` : ''}${m.breach.description ? ` — ${esc(m.breach.description)}` : ''}</p>`
    : '';
  return `<h3>Live monitor <span class="badge ${esc(m.status)}">${esc(m.status)}</span> <span class="muted small">${esc(age)} · ${esc(m.connection.state)}${esc(conn)}</span></h3>
    ${breach}
    <div class="scroll"><table class="limits"><thead><tr><th>Loss limit</th><th>Floor</th><th>Room used</th></tr></thead><tbody>${rows || '<tr><td colspan="3" class="muted">Waiting for the first reading…</td></tr>'}</tbody></table></div>`;
}

const monitorTimers = new Map();

// Re-reads the monitor every 2 s while it watches (no reload); the account's badge follows.
function watchMonitor(a) {
  clearInterval(monitorTimers.get(a.id));
  const box = () => document.getElementById(`monitor-${a.id}`);
  const tick = async () => {
    const r = await api(`/api/platform/accounts/${encodeURIComponent(a.id)}/monitor`);
    const el = box();
    if (!el) return clearInterval(monitorTimers.get(a.id));
    el.innerHTML = monitorHtml(r.monitor, a.currency);
    const badge = document.getElementById(`status-${a.id}`);
    if (badge && badge.textContent !== r.status) {
      badge.textContent = r.status;
      badge.className = `badge ${r.status}`;
    }
    if (!r.monitor || !LIVE.includes(r.monitor.status)) clearInterval(monitorTimers.get(a.id));
  };
  if (a.monitor && !LIVE.includes(a.monitor.status)) return;
  monitorTimers.set(
    a.id,
    setInterval(() => tick().catch(() => undefined), 2000),
  );
}

function accountPanel(a) {
  return `<section class="panel account" data-id="${esc(a.id)}">
    <h2>${esc(a.type)} · ${esc(a.phase)} · login ${esc(a.login)} <span class="badge ${esc(a.status)}" id="status-${esc(a.id)}">${esc(a.status)}</span></h2>
    <div class="cards">
      <div class="card"><div class="label">Balance</div><div class="value" id="balance-${esc(a.id)}">${money(a.balance, a.currency)}</div></div>
      <div class="card"><div class="label">Equity</div><div class="value" id="equity-${esc(a.id)}">${money(a.equity, a.currency)}</div></div>
      <div class="card"><div class="label">Today's permitted loss</div><div class="value">${money(a.todaysPermittedLoss, a.currency)}</div></div>
      <div class="card"><div class="label">Maximum permitted loss</div><div class="value" id="maxloss-${esc(a.id)}">${money(a.maxPermittedLoss, a.currency)}</div></div>
    </div>
    <div class="scroll"><table class="objectives"><thead><tr><th>Objective</th><th>Result</th><th>Progress</th><th>Status</th></tr></thead><tbody>${a.objectives.map(objectiveRow).join('') || '<tr><td colspan="4" class="muted">The check is running…</td></tr>'}</tbody></table></div>
    <div class="monitor" id="monitor-${esc(a.id)}">${monitorHtml(a.monitor, a.currency)}</div>
    <p class="muted">Check: ${esc(a.check.status)}${a.check.outcome && a.check.outcome !== a.check.status ? ` (${esc(a.check.outcome)})` : ''}${a.check.evaluatedAt ? ` · evaluated ${esc(new Date(a.check.evaluatedAt).toLocaleString())}` : ''}${a.check.error ? ` · ${esc(a.check.error)}` : ''}</p>
    <div class="chart" id="chart-${esc(a.id)}"></div>
    <p class="muted small">Charts by <a href="https://www.tradingview.com/" target="_blank" rel="noreferrer">TradingView</a> Lightweight Charts™</p>
  </section>`;
}

async function chart(a) {
  const el = document.getElementById(`chart-${a.id}`);
  if (!window.LightweightCharts || !el) return;
  // The logo would inject a <style> element the CSP refuses; the attribution is the line below the chart.
  const c = LightweightCharts.createChart(el, {
    autoSize: true,
    layout: { background: { color: '#171a21' }, textColor: '#e8eaf0', attributionLogo: false },
    grid: { vertLines: { color: '#2a2f3a' }, horzLines: { color: '#2a2f3a' } },
    timeScale: { timeVisible: true },
  });
  const series = c.addSeries(LightweightCharts.LineSeries, { color: '#4f8cff', lineWidth: 2 });
  if (a.equityFloor)
    series.createPriceLine({ price: a.equityFloor, color: '#ef4b4b', lineStyle: 2, title: 'max loss floor' });
  const refresh = async () => {
    const r = await api(`/api/platform/accounts/${encodeURIComponent(a.id)}/equity`);
    series.setData(r.points);
    // Balance, equity and the loss left move together: they are one reading of the account.
    const set = (id, v) => {
      const el = document.getElementById(id + a.id);
      if (el) el.textContent = money(v, a.currency);
    };
    set('balance-', r.current.balance);
    set('equity-', r.current.equity);
    if (a.equityFloor !== null)
      set('maxloss-', Math.max(0, Math.round((r.current.equity - a.equityFloor) * 100) / 100));
  };
  await refresh();
  c.timeScale().fitContent();
  setInterval(() => refresh().catch(() => undefined), 5000);
}

async function load() {
  const me = await api('/api/platform/me');
  document.getElementById('who').textContent =
    `${me.trader.firstName} ${me.trader.lastName} · ${me.trader.email} · KYC ${me.trader.kycStatus}`;
  if (me.impersonation) {
    document.getElementById('banner').hidden = false;
    document.getElementById('banner-text').textContent =
      `You are viewing this dashboard as ${me.trader.email}, impersonated by ${me.impersonation.by}. Deposits, withdrawals and password changes are disabled.`;
    for (const id of ['deposit', 'withdraw']) document.getElementById(id).disabled = true;
  }
  const { accounts } = await api('/api/platform/accounts');
  firstAccountId = accounts[0] ? accounts[0].id : null;
  document.getElementById('accounts').innerHTML =
    accounts.map(accountPanel).join('') || '<p class="muted">No accounts yet.</p>';
  for (const a of accounts) {
    chart(a).catch(() => undefined);
    watchMonitor(a);
  }
  // Re-read objectives while a check is still running.
  if (accounts.some((a) => a.check.status === 'queued' || a.check.status === 'running'))
    setTimeout(() => load().catch(() => undefined), 1500);
}

const fail = (err) => (document.getElementById('error').textContent = err.message);
const endSession = async () => {
  await api('/api/platform/signout', { method: 'POST' }).catch(() => undefined);
  location.href = '/signin';
};
document.getElementById('signout').onclick = endSession;
document.getElementById('end').onclick = async () => {
  await api('/api/platform/signout', { method: 'POST' }).catch(() => undefined);
  document.body.innerHTML = '<main><p class="panel">Impersonation ended. You can close this tab.</p></main>';
};
for (const [id, path] of [
  ['deposit', '/api/platform/deposits'],
  ['withdraw', '/api/platform/withdrawals'],
]) {
  document.getElementById(id).onclick = async () => {
    try {
      const r = await api(path, {
        method: 'POST',
        body: JSON.stringify({ accountId: firstAccountId, amount: document.getElementById('amount').value }),
      });
      document.getElementById('notice').textContent = `${r.type} of ${r.amount} ${r.currency} recorded.`;
      await load();
    } catch (err) {
      fail(err);
    }
  };
}
document.getElementById('kyc').onclick = async () => {
  try {
    await api('/api/platform/kyc', { method: 'POST' });
    document.getElementById('notice').textContent = 'KYC documents submitted.';
    await load();
  } catch (err) {
    fail(err);
  }
};
load().catch(fail);
