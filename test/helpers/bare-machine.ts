import { spawn } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach } from 'vitest';

// A PATH that holds only the tools a test names, so a test can see what the
// set-up commands do on a machine without redis-server, apt-get or sudo,
// without uninstalling anything from this one.

/** The absolute path of a command on this machine's PATH. */
export function which(command: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${command} is not on this machine's PATH`);
}

export interface BareMachine {
  /** A directory to use as the whole PATH. */
  readonly bin: string;
  /** Adds an executable shell script as `bin/<name>`. */
  script(name: string, body: string): void;
}

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A temp PATH directory with links to just `tools` (from this machine's PATH); removed after the test. */
export function bareMachine(tools: string[]): BareMachine {
  const bin = mkdtempSync(join(tmpdir(), 'bare-path-'));
  made.push(bin);
  for (const tool of tools) symlinkSync(tool === 'node' ? process.execPath : which(tool), join(bin, tool));
  return {
    bin,
    script(name, body) {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    },
  };
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end (SIGTERM after 25 s, within the test's timeout) and collects its output. */
export function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], timeout: 25_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
