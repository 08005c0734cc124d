// Widget customizer: a form drives URL parameters; the preview iframe is the real widget page.
const token = new URLSearchParams(location.search).get('token') || '';
const form = document.getElementById('form');
const preview = document.getElementById('preview');
const stage = document.getElementById('stage');
const obsUrl = document.getElementById('obsUrl');
const snippet = document.getElementById('snippet');
const open = document.getElementById('open');
// Suggested OBS source sizes at the default 16 px font; they grow with the font size chosen.
const SIZES = { card: [480, 240], positions: [640, 260], chart: [640, 320], stats: [560, 300] };

function widgetUrl() {
  const f = new FormData(form);
  const q = new URLSearchParams({ token });
  const color = (name) => String(f.get(name) || '').replace('#', '');
  if (f.get('theme') === 'light') q.set('theme', 'light');
  for (const [name, def] of [
    ['fg', 'f4f6fb'],
    ['up', '2fbf71'],
    ['down', 'ef4b4b'],
    ['accent', '4f8cff'],
  ])
    if (color(name) !== def) q.set(name, color(name));
  if (f.get('nopanel')) q.set('panel', '0');
  else if (color('panel') !== '0f1115') q.set('panel', `${color('panel')}cc`);
  if (f.get('size') !== '16') q.set('size', String(f.get('size')));
  if (f.get('radius') !== '10') q.set('radius', String(f.get('radius')));
  if (f.get('compact')) q.set('compact', '1');
  if (f.get('streamer')) q.set('streamer', '1');
  if (f.get('hidepositions')) q.set('hide', 'positions');
  return `${location.origin}/widgets/${f.get('kind')}?${q}`;
}

let debounce = null;
function update() {
  const url = widgetUrl();
  const kind = new FormData(form).get('kind');
  const [w0, h0] = SIZES[kind] || [480, 240];
  const scale = Math.max(1, Number(form.elements.size.value) / 16);
  const [w, h] = [Math.round(w0 * scale), Math.round(h0 * scale)];
  form.elements.sizeOut.value = form.elements.size.value;
  obsUrl.value = url;
  document.getElementById('obsSize').textContent = `${w} × ${h}`;
  open.href = url;
  // No style attribute: a host page with a strict CSP (style-src without 'unsafe-inline') would
  // refuse it. frameborder="0" drops the border everywhere; an iframe's background is transparent.
  snippet.value = `<iframe src="${url}" width="${w}" height="${h}" frameborder="0" allowtransparency="true" title="Live trading account"></iframe>`;
  stage.className = `stage ${new FormData(form).get('preview')}`;
  clearTimeout(debounce);
  debounce = setTimeout(() => {
    preview.width = String(w);
    preview.height = String(h);
    if (preview.src !== url) preview.src = url;
  }, 120);
}

form.addEventListener('input', update);
form.addEventListener('change', update);
const copy = (el) => async () => {
  el.select();
  try {
    await navigator.clipboard.writeText(el.value);
  } catch {
    document.execCommand('copy');
  }
};
document.getElementById('copyUrl').onclick = copy(obsUrl);
document.getElementById('copySnippet').onclick = copy(snippet);
update();
