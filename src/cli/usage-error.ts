/** The command line cannot be carried out as written; exit code 2 with a hint. */
export class UsageError extends Error {
  override name = 'UsageError';
}
