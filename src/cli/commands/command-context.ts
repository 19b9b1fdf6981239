import type { JobIntakeClient, JobTypeMap } from '../../client/index.js';
import type { Output } from '../output.js';
import type { BarStream } from '../progress-bar.js';

/** What every command gets: the client, the printer, and the process's streams and Ctrl-C signal. */
export interface CommandContext {
  /** Untyped: the job type and payload come from the command line, so only the service can check them. */
  readonly client: JobIntakeClient<JobTypeMap>;
  readonly output: Output;
  readonly stderr: BarStream;
  readonly stdin: NodeJS.ReadableStream;
  readonly signal: AbortSignal | undefined;
}
