import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// The dashboard and receipt-page tests drive Debian's chromium through
// playwright-core, which never downloads a browser. `npm test` installs it
// first where it can (scripts/install-deps.sh); where it could not, these
// helpers decide between a loud skip and a failure.

/** The browser the tests drive: CHROMIUM_PATH, else Debian's chromium. */
export function chromiumPath(): string {
  const configured = process.env.CHROMIUM_PATH;
  return configured === undefined || configured === '' ? '/usr/bin/chromium' : configured;
}

/** CI as scripts/install-deps.sh reads it: set, and neither empty, `false` nor `0`. */
function ciIsSet(): boolean {
  return !['', 'false', '0'].includes(process.env.CI ?? '');
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when there is no browser here and the browser tests should be skipped,
 * said loudly on stderr: a developer's laptop without chromium still runs the
 * rest of the suite. With CI set a missing browser is never a skip: this
 * answers false and launchChromium fails, saying what to install.
 */
export function skipWithoutChromium(): boolean {
  if (isExecutable(chromiumPath()) || ciIsSet()) return false;
  console.warn(
    `SKIPPED: the browser tests need Chromium and ${chromiumPath()} is not an executable; ` +
      'run `sudo apt-get install chromium` (Debian) or set CHROMIUM_PATH (with CI set they fail instead)',
  );
  return true;
}

/** Debian's chromium (or CHROMIUM_PATH), headless. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!isExecutable(executablePath)) {
    throw new Error(
      `the browser tests need Chromium and ${executablePath} is not an executable: ` +
        'run `sudo apt-get install chromium` (Debian) or set CHROMIUM_PATH',
    );
  }
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
