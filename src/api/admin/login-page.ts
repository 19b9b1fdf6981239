/**
 * The dashboard's login form. Nothing from the request is echoed (the lock's
 * minutes are a number we computed), so it needs no escaping. The token goes in a POST body, never in a
 * URL, so it stays out of access logs and browser history.
 */
export function loginPage(options: { failed: boolean; lockedMinutes?: number }): string {
  const notice =
    options.lockedMinutes !== undefined
      ? `<p class="error" role="alert">Too many wrong tokens: sign-in is locked for ${options.lockedMinutes} more minute${options.lockedMinutes === 1 ? '' : 's'}.</p>`
      : options.failed
        ? '<p class="error" role="alert">That token is not the admin token.</p>'
        : '<p>Enter ADMIN_TOKEN to open the queue dashboard.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · job-intake dashboard</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; color: #1f2328; }
  input, button { font: inherit; padding: .4rem .6rem; }
  input { width: 100%; box-sizing: border-box; margin: .25rem 0 1rem; }
  .error { color: #b42318; }
</style>
</head>
<body>
<h1>job-intake dashboard</h1>
${notice}
<form method="post" action="/admin/login">
  <label for="token">Admin token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}
