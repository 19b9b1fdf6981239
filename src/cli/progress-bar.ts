import type { JobReceipt } from '../client/index.js';

/** The part of a stream the bar needs: a TTY flag and its width. */
export interface BarStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

const CLEAR_LINE = '\r\x1b[2K'; // back to column 0, erase the line (ECMA-48 EL 2)
const MAX_BAR_WIDTH = 30;

/**
 * One line on stderr, redrawn in place as the job's progress changes: only on a
 * terminal, so logs and pipes never receive carriage returns and escape codes.
 */
export function createProgressBar(stream: BarStream) {
  const enabled = stream.isTTY === true;
  let drawn = false;
  return {
    enabled,
    update(receipt: Pick<JobReceipt, 'status' | 'progress' | 'key'>): void {
      if (!enabled) return;
      // A pty whose size was never set reports 0 columns: draw for 80 then.
      const columns = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80;
      stream.write(CLEAR_LINE + progressLine(receipt, columns));
      drawn = true;
    },
    /** Erases the bar, so what is printed next starts on a clean line. */
    clear(): void {
      if (!enabled || !drawn) return;
      stream.write(CLEAR_LINE);
      drawn = false;
    },
  };
}

/** `running   [█████████░░░░░░░░░░░░░░░░░░░░]  30%  order-17`, cut to the terminal's width. */
export function progressLine(receipt: Pick<JobReceipt, 'status' | 'progress' | 'key'>, columns: number): string {
  const { progress } = receipt;
  let middle: string;
  if (typeof progress === 'number' && Number.isFinite(progress)) {
    const percent = Math.max(0, Math.min(100, progress));
    const width = Math.max(10, Math.min(MAX_BAR_WIDTH, columns - 40));
    const filled = Math.round((percent / 100) * width);
    middle = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.round(percent)).padStart(3)}%`;
  } else {
    middle = JSON.stringify(progress);
  }
  const line = `${receipt.status.padEnd(9)} ${middle}  ${receipt.key}`;
  return line.length < columns ? line : line.slice(0, Math.max(0, columns - 1));
}
