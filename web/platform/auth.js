// Sign-up and sign-in forms: POST JSON, the server sets the HttpOnly session cookie.
const form = document.getElementById('form');
form.onsubmit = async (e) => {
  e.preventDefault();
  const data = Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ''));
  const res = await fetch(form.dataset.endpoint, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-requested-with': 'fetch' },
    body: JSON.stringify(data),
  });
  if (res.ok) {
    location.href = '/dashboard';
    return;
  }
  const body = await res.json().catch(() => ({}));
  document.getElementById('error').textContent = body.detail || body.title || res.statusText;
};
