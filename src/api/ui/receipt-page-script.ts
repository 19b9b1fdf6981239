/**
 * The receipt page's script (plain browser JavaScript, served as-is).
 *
 * It polls GET /v1/receipts/{key} every POLL_MS while the job is queued or
 * running (progress changes do not end a long-poll, so plain polling is what
 * moves the bar) and stops once the job has ended (succeeded, failed, canceled).
 *
 * Auth: with API_KEYS on, the page needs the caller's token. It takes it from the
 * URL *fragment* (`#token=...`, which browsers never send to a server, so it is in
 * no access log or Referer), keeps it in sessionStorage (this tab only), removes
 * it from the address bar, and sends it as `Authorization: Bearer`. On a 401 it
 * asks for the token instead.
 */
export const RECEIPT_PAGE_SCRIPT = `'use strict';
(() => {
  const POLL_MS = 500;
  const ENDED = ['succeeded', 'failed', 'canceled'];
  const TOKEN_KEY = 'job-intake-token';
  const $ = (id) => document.getElementById(id);
  const key = decodeURIComponent(location.pathname.replace(/^\\/ui\\/receipts\\//, ''));
  $('key').textContent = key;

  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has('token')) {
    sessionStorage.setItem(TOKEN_KEY, fragment.get('token'));
    history.replaceState(null, '', location.pathname + location.search);
  }

  const show = (text) => { $('message').textContent = text; };
  const later = (ms) => setTimeout(poll, ms);
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');

  function render(receipt) {
    $('status').textContent = receipt.status;
    $('status').dataset.status = receipt.status;
    const reported = typeof receipt.progress === 'number' ? receipt.progress : 0;
    const percent = receipt.status === 'succeeded' ? 100 : Math.max(0, Math.min(100, Math.round(reported)));
    $('progress').value = percent;
    $('percent').textContent = String(percent);
    $('type').textContent = receipt.type;
    $('attempts').textContent = String(receipt.attempts);
    $('created').textContent = when(receipt.createdAt);
    $('started').textContent = when(receipt.startedAt);
    $('finished').textContent = when(receipt.finishedAt);
    if (receipt.status === 'succeeded') {
      $('result').textContent = JSON.stringify(receipt.result, null, 2);
      $('result-section').hidden = false;
    }
    if (receipt.status === 'failed' || receipt.status === 'canceled') {
      $('error').textContent = receipt.error ? receipt.error.message : receipt.status;
      $('error-section').hidden = false;
    }
  }

  async function poll() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    let response;
    try {
      response = await fetch('/v1/receipts/' + encodeURIComponent(key), {
        headers: token ? { authorization: 'Bearer ' + token } : {},
        cache: 'no-store',
      });
    } catch {
      show('Cannot reach job-intake; trying again…');
      return later(2000);
    }
    if (response.status === 401) {
      sessionStorage.removeItem(TOKEN_KEY);
      show(token ? 'That token was refused.' : 'This service needs an API token.');
      $('login').hidden = false;
      return;
    }
    if (response.status === 404) {
      $('status').textContent = 'not found';
      show('No job with this key for this token (yet); looking again…');
      return later(2000);
    }
    if (response.status !== 200 && response.status !== 202) {
      const problem = await response.json().catch(() => ({}));
      show((problem.title || 'Error ' + response.status) + '; trying again…');
      return later(2000);
    }
    show('');
    const receipt = await response.json();
    render(receipt);
    if (!ENDED.includes(receipt.status)) later(POLL_MS);
  }

  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value);
    $('login').hidden = true;
    poll();
  });
  poll();
})();
`;
