/**
 * The receipt page's HTML: a static shell. The key is read from the URL by the
 * script, and every value is written with textContent, so nothing a user sends
 * is ever parsed as HTML.
 */
export const RECEIPT_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Job receipt · job-intake</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
  progress { width: 100%; height: 1.25rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
  dt { color: #59636e; }
  pre { background: #f6f8fa; padding: .75rem; overflow: auto; }
  [data-status="succeeded"] { color: #1a7f37; }
  [data-status="failed"], [data-status="canceled"] { color: #b42318; }
  input, button { font: inherit; padding: .3rem .5rem; }
</style>
</head>
<body>
<main>
  <h1>Job <code id="key"></code></h1>
  <p>Status: <strong id="status" data-status="loading">loading…</strong></p>
  <progress id="progress" max="100" value="0" aria-label="Progress"></progress>
  <p><span id="percent">0</span>% done</p>
  <dl>
    <dt>Type</dt><dd id="type">–</dd>
    <dt>Attempts</dt><dd id="attempts">–</dd>
    <dt>Created</dt><dd id="created">–</dd>
    <dt>Started</dt><dd id="started">–</dd>
    <dt>Finished</dt><dd id="finished">–</dd>
  </dl>
  <section id="result-section" hidden><h2>Result</h2><pre id="result"></pre></section>
  <section id="error-section" hidden><h2>Error</h2><pre id="error"></pre></section>
  <p id="message" role="status"></p>
  <form id="login" hidden>
    <label for="token">API token</label>
    <input id="token" type="password" autocomplete="off" required>
    <button type="submit">Show receipt</button>
  </form>
</main>
<script src="/ui/receipt-page.js" defer></script>
</body>
</html>
`;
