/**
 * Field names that hold credentials: API tokens travel in `authorization`, the
 * dashboard's session in `cookie` / `set-cookie` / `x-admin-token`.
 */
const SECRET_FIELDS = new Set(['authorization', 'cookie', 'set-cookie', 'x-admin-token', 'token']);
const CENSOR = '[redacted]';

/**
 * pino serializers that censor the secret field names at the top level, where
 * pino applies them to a log call's fields and to a child logger's bindings
 * (`logger.child({ token })`), which `formatters.log` never sees.
 */
export const secretFieldSerializers: Readonly<Record<string, () => string>> = Object.fromEntries(
  [...SECRET_FIELDS].map((name) => [name, () => CENSOR]),
);

/** How far down plain objects are searched: `req.headers.authorization` is three names deep. */
const DEPTH = 3;

/**
 * pino's `formatters.log`: the log call's object with every secret field, up to
 * three names deep (`token`, `job.token`, `req.headers.cookie`), replaced by
 * `[redacted]`. The caller's objects are never changed: only the objects on a
 * path to a secret are copied, and a line without one is passed on as it is.
 *
 * It replaces pino's own redaction, whose `*.token` wildcard pushed every field
 * of every line through a clone (a third of a request line's cost, and of the
 * API's allocations; docs/performance.md). Objects of a class (a fastify request,
 * an Error) are checked for a secret field of their own, not searched: their
 * serializers decide what of them is written, and ours write no headers.
 */
export function redactSecrets(fields: Record<string, unknown>): Record<string, unknown> {
  return censored(fields, DEPTH) as Record<string, unknown>;
}

function censored(value: object, depth: number): object {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null && !Array.isArray(value)) {
    for (const name of SECRET_FIELDS) if (Object.hasOwn(value, name)) return censoredInstance(value);
    return value;
  }
  let copy: Record<string, unknown> | undefined;
  const record = value as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    const field = record[name];
    let replacement = field;
    if (SECRET_FIELDS.has(name.toLowerCase())) replacement = CENSOR;
    else if (depth > 1 && typeof field === 'object' && field !== null) replacement = censored(field, depth - 1);
    if (replacement !== field) {
      copy ??= Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...record };
      copy[name] = replacement;
    }
  }
  return copy ?? value;
}

/** A copy of the same class with every own property (an Error's message and stack too), the secret censored. */
function censoredInstance(value: object): object {
  const properties = Object.getOwnPropertyDescriptors(value);
  for (const name of SECRET_FIELDS) {
    if (name in properties) properties[name] = { value: CENSOR, enumerable: true, writable: true, configurable: true };
  }
  return Object.create(Object.getPrototypeOf(value), properties) as object;
}
