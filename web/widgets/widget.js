// Brymix live widget: one account, authorized by the token in the URL. Presentation comes from the
// URL (theme, colours, size, compact, streamer mode); what data may be shown is decided by the server.
// Live over SSE: reconnects for ever with capped exponential backoff and jitter, shows a visible
// stale/reconnecting state, and gets a fresh snapshot on every reconnect.
const params = new URLSearchParams(location.search);
const kind = location.pathname.split('/').filter(Boolean).pop() || 'card';
const token = params.get('token') || '';
const root = document.documentElement;
const widget = document.getElementById('widget');
const body = document.getElementById('body');
const statusEl = document.querySelector('[data-field="status"]');
const nameEl = document.querySelector('[data-field="name"]');

const hex = (v) => (v && /^[0-9a-fA-F]{3,8}$/.test(v) ? `#${v}` : v === 'transparent' ? 'transparent' : null);
function applyStyle() {
  const set = (name, value) => value && root.style.setProperty(name, value);
  if (params.get('theme') === 'light') root.classList.add('theme-light');
  set('--w-bg', hex(params.get('bg')));
  set('--w-fg', hex(params.get('fg')));
  set('--w-up', hex(params.get('up')));
  set('--w-down', hex(params.get('down')));
  set('--w-accent', hex(params.get('accent')));
  const panel = params.get('panel');
  if (panel === '0') root.classList.add('no-panel');
  else set('--w-panel', hex(panel));
  const size = Number(params.get('size'));
  if (size >= 8 && size <= 96) set('--w-size', `${size}px`);
  const radius = Number(params.get('radius'));
  if (params.has('radius') && radius >= 0 && radius <= 48) set('--w-radius', `${radius}px`);
  const font = params.get('font');
  if (font && /^[\w\s,'-]{1,80}$/.test(font)) set('--w-font', font);
  const height = Number(params.get('height'));
  if (height >= 80 && height <= 2000) set('--w-chart-h', `${height}px`);
  if (params.get('compact') === '1') root.classList.add('compact');
  if (params.get('title') === '0') document.querySelector('.w-head .w-name').hidden = true;
}
applyStyle();

const decimals = Math.min(4, Math.max(0, Number(params.get('decimals') ?? 2)));
const esc = (v) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const fmtMoney = (v, cur) =>
  v === null || v === undefined
    ? '—'
    : `${v < 0 ? '−' : ''}${Math.abs(v).toLocaleString(undefined, { minimumFractionDigits: decimals, maximumFractionDigits: decimals })}${cur ? ` ${cur}` : ''}`;
const fmtPct = (v) =>
  v === null || v === undefined ? '—' : `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(2)} %`;
const tone = (v) => (v > 0 ? 'up' : v < 0 ? 'down' : '');

function metric(field, label, text, cls = '', big = false) {
  return `<div class="metric${big ? ' big' : ''}"><div class="label">${esc(label)}</div><div class="value ${cls}" data-field="${field}">${esc(text)}</div></div>`;
}

let last = null;
function renderCard(d) {
  const pctOnly = d.options.percent_only;
  body.innerHTML = `<div class="card">${
    pctOnly
      ? metric('gain', 'Gain', fmtPct(d.percent.gain), tone(d.percent.gain), true) +
        metric('today_pnl', 'Today', fmtPct(d.percent.today_pnl), tone(d.percent.today_pnl)) +
        metric('floating_pnl', 'Floating', fmtPct(d.percent.floating_pnl), tone(d.percent.floating_pnl)) +
        metric('drawdown', 'Drawdown', fmtPct(-d.percent.current_drawdown), tone(-d.percent.current_drawdown))
      : metric('equity', 'Equity', fmtMoney(d.equity, d.currency), '', true) +
        metric('balance', 'Balance', fmtMoney(d.balance, d.currency)) +
        metric('today_pnl', "Today's P/L", fmtMoney(d.today_pnl), tone(d.today_pnl)) +
        metric('floating_pnl', 'Floating P/L', fmtMoney(d.floating_pnl), tone(d.floating_pnl)) +
        metric('gain', 'Gain', fmtPct(d.percent.gain), tone(d.percent.gain))
  }${d.open_positions === null ? '' : metric('open_positions', 'Open', String(d.open_positions))}${floorMetrics(d)}</div>`;
}

const FLOOR_LABEL = { maximum_drawdown: 'Max loss floor', maximum_daily_loss: 'Daily loss floor' };

// The floors of the loss limits a live monitor watches on this account, with the room used.
function floorMetrics(d) {
  if (!d.monitor) return '';
  return d.monitor.limits
    .map((l) =>
      metric(
        `floor-${l.rule}`,
        `${FLOOR_LABEL[l.rule] || `${l.rule.replace(/_/g, ' ')} floor`} · ${Math.round(l.used_percent)} % used`,
        d.options.percent_only ? fmtPct(l.floor) : fmtMoney(l.floor, d.currency),
        l.used_percent >= 100 ? 'down' : '',
      ),
    )
    .join('');
}

function renderPositions(d) {
  if (d.positions === null) {
    body.innerHTML = '<div class="empty" data-field="positions-hidden">Open positions are not published.</div>';
    return;
  }
  if (d.positions.length === 0) {
    body.innerHTML = '<div class="empty" data-field="positions-empty">No open positions.</div>';
    return;
  }
  const entry = !d.options.hide_entry;
  const money = !d.options.percent_only;
  body.innerHTML = `<table><thead><tr><th>Symbol</th><th>Side</th>${money ? '<th>Volume</th>' : ''}${entry ? '<th>Open</th>' : ''}<th>Price</th>${entry ? '<th>SL</th><th>TP</th>' : ''}<th>P/L</th></tr></thead><tbody>${d.positions
    .map(
      (p) =>
        `<tr data-field="position"><td>${esc(p.symbol)}</td><td class="${p.type === 'buy' ? 'up' : 'down'}">${esc(p.type.toUpperCase())}</td>${money ? `<td>${esc(p.volume)}</td>` : ''}${entry ? `<td>${esc(p.open_price)}</td>` : ''}<td>${esc(p.current_price)}</td>${entry ? `<td>${esc(p.sl ?? '—')}</td><td>${esc(p.tp ?? '—')}</td>` : ''}<td class="${tone(p.profit_percent)}" data-field="profit">${money ? esc(fmtMoney(p.profit)) : esc(fmtPct(p.profit_percent))}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

const STAT_LABELS = [
  ['gain', 'Gain', 'pct'],
  ['absoluteGain', 'Abs. gain', 'pct'],
  ['maxDrawdown', 'Max drawdown', 'drawdown'],
  ['profitFactor', 'Profit factor', 'num'],
  ['wonTradesPercent', 'Win rate', 'rate'],
  ['trades', 'Trades', 'int'],
  ['expectancy', 'Expectancy', 'money'],
  ['averageWin', 'Avg win', 'money'],
  ['averageLoss', 'Avg loss', 'money'],
  ['bestTrade', 'Best trade', 'money'],
  ['worstTrade', 'Worst trade', 'money'],
  ['lots', 'Lots', 'num'],
];
function renderStats(d) {
  const cells = STAT_LABELS.filter(([k]) => d.stats[k] !== null && d.stats[k] !== undefined).map(([k, label, type]) => {
    const v = d.stats[k];
    // A drawdown is a loss: shown below zero and in the loss colour, as the card shows it.
    if (type === 'drawdown') return metric(`stat-${k}`, label, fmtPct(-v), tone(-v));
    const text =
      type === 'pct'
        ? fmtPct(v)
        : type === 'rate'
          ? `${Number(v).toFixed(1)} %`
          : type === 'money'
            ? fmtMoney(v)
            : type === 'int'
              ? String(v)
              : v === null
                ? '∞'
                : String(v);
    return metric(`stat-${k}`, label, text, type === 'pct' || type === 'money' ? tone(v) : '');
  });
  body.innerHTML = `<div class="stats">${cells.join('')}</div>`;
}

let chart = null;
let series = null;
let priceLines = [];
function renderChart(d) {
  const LC = window.LightweightCharts;
  if (!LC) return;
  if (!chart) {
    body.innerHTML = '<div class="chart" id="chart" data-field="chart"></div>';
    const el = document.getElementById('chart');
    const styles = getComputedStyle(root);
    const fg = styles.getPropertyValue('--w-fg').trim() || '#f4f6fb';
    chart = LC.createChart(el, {
      autoSize: true,
      layout: {
        background: { type: 'solid', color: 'transparent' },
        textColor: fg,
        fontSize: 12,
        attributionLogo: params.get('attribution') !== '0',
      },
      grid: { vertLines: { color: 'rgba(127,127,127,0.15)' }, horzLines: { color: 'rgba(127,127,127,0.15)' } },
      rightPriceScale: { borderVisible: false },
      timeScale: { borderVisible: false, timeVisible: true },
    });
    const accent = styles.getPropertyValue('--w-accent').trim() || '#4f8cff';
    series = chart.addSeries(LC.AreaSeries, {
      lineColor: accent,
      topColor: `${accent}66`,
      bottomColor: `${accent}05`,
      lineWidth: 2,
    });
  }
  series.setData(d.chart.points);
  for (const l of priceLines) series.removePriceLine(l);
  priceLines = [];
  const f = d.chart.floors;
  const styles = getComputedStyle(root);
  if (f) {
    const line = (price, title, color) =>
      price !== null &&
      priceLines.push(
        series.createPriceLine({ price, color, lineWidth: 2, lineStyle: 2, axisLabelVisible: true, title }),
      );
    line(f.max_loss, 'Max loss', styles.getPropertyValue('--w-down').trim());
    line(f.daily_loss, 'Daily loss', '#f2b134');
    line(f.profit_target, 'Target', styles.getPropertyValue('--w-up').trim());
  }
  widget.dataset.floors = f ? String(priceLines.length) : '0';
}

const RENDER = { card: renderCard, positions: renderPositions, chart: renderChart, stats: renderStats };

function render(d) {
  nameEl.textContent = d.account.login ? `${d.account.name} · ${d.account.login}` : d.account.name;
  const before = new Map(
    [...body.querySelectorAll('.value[data-field]')].map((el) => [el.dataset.field, el.textContent]),
  );
  (RENDER[kind] || renderCard)(d);
  // Only a value that changed flashes; an unchanged one stays still on every update.
  if (last && params.get('flash') !== '0')
    for (const el of body.querySelectorAll('.value[data-field]'))
      if (before.has(el.dataset.field) && before.get(el.dataset.field) !== el.textContent) el.classList.add('flash');
  last = d;
  widget.dataset.seq = String(d.seq);
}

// --- connection state -------------------------------------------------------------------------
let state = 'connecting';
let ageBase = null;
function setState(next, text) {
  state = next;
  widget.dataset.state = next;
  statusEl.textContent = text;
}
function showFreshness(d) {
  ageBase = { at: Date.now(), age: d.age_seconds };
  if (d.stale) setState('stale', `Stale · ${Math.round(d.age_seconds)} s`);
  else setState('live', d.options.delay_seconds ? `Live · ${d.options.delay_seconds} s delay` : 'Live');
}
setInterval(() => {
  if (state === 'stale' && ageBase)
    statusEl.textContent = `Stale · ${Math.round(ageBase.age + (Date.now() - ageBase.at) / 1000)} s`;
  if (state === 'reconnecting' && ageBase)
    statusEl.textContent = `Reconnecting… (data ${Math.round(ageBase.age + (Date.now() - ageBase.at) / 1000)} s old)`;
}, 1000);

let es = null;
let attempt = 0;
let watchdog = null;
let intervalMs = 5000;
let retryTimer = null;

function armWatchdog() {
  clearTimeout(watchdog);
  // Updates arrive every polling interval; silence for several of them means a dead connection.
  watchdog = setTimeout(() => reconnect('silent'), Math.max(intervalMs * 4, 20_000));
}

function reconnect(reason) {
  if (es) es.close();
  es = null;
  clearTimeout(watchdog);
  if (state !== 'revoked') setState('reconnecting', 'Reconnecting…');
  attempt++;
  const base = Math.min(30_000, 1000 * 2 ** Math.min(attempt - 1, 5));
  const delay = base / 2 + Math.random() * (base / 2);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(
    async () => {
      // A revoked token is final for the server; keep checking slowly in case it is restored.
      try {
        const probe = await fetch(`/api/widgets/data?token=${encodeURIComponent(token)}`, { cache: 'no-store' });
        if (probe.status === 404) {
          setState('revoked', 'Widget link revoked');
          body.innerHTML = '<div class="empty">This widget link was revoked.</div>';
          attempt = 5;
          return reconnect('revoked');
        }
      } catch {
        return reconnect('offline');
      }
      connect();
    },
    reason === 'revoked' ? 60_000 : delay,
  );
}

function connect() {
  const q = new URLSearchParams({ token });
  for (const k of ['streamer', 'hide']) if (params.get(k)) q.set(k, params.get(k));
  es = new EventSource(`/api/widgets/stream?${q}`);
  armWatchdog();
  es.addEventListener('snapshot', (ev) => {
    const d = JSON.parse(ev.data);
    attempt = 0;
    intervalMs = d.interval_ms || intervalMs;
    armWatchdog();
    render(d);
    showFreshness(d);
  });
  es.addEventListener('status', (ev) => {
    const s = JSON.parse(ev.data);
    armWatchdog();
    if (s.state === 'unavailable') setState(last ? 'stale' : 'unavailable', last ? 'Stale' : 'Waiting for data…');
    if (s.state === 'delayed' && !last) setState('connecting', `Delayed ${s.delay_seconds} s…`);
  });
  es.onerror = () => reconnect('error');
}

// OBS: stop streaming while the source is hidden, resume (with a fresh snapshot) when shown.
window.addEventListener('obsSourceVisibleChanged', (e) => {
  if (e.detail && e.detail.visible === false) {
    if (es) es.close();
    clearTimeout(watchdog);
  } else if (!es) connect();
});

if (!token) setState('revoked', 'No widget token in the URL');
else connect();
