import { api } from './console.js';

const form = document.getElementById('login');
form.onsubmit = async (e) => {
  e.preventDefault();
  const data = Object.fromEntries(new FormData(form));
  try {
    await api('/api/auth/login', { method: 'POST', body: JSON.stringify(data) });
    const next = new URLSearchParams(location.search).get('next');
    // Only a path on this site (not //host or /\host): no open redirect.
    location.href = next && /^\/(?![/\\])/.test(next) ? next : '/console/clients';
  } catch (err) {
    document.getElementById('error').textContent = err.message;
  }
};
