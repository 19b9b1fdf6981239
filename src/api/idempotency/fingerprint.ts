import { hash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so `{"a":1,"b":2}` and `{ "b": 2, "a": 1 }`
 * give the same text. Numbers and strings are written as JSON.stringify writes them
 * (the same rules as RFC 8785 for the values a JSON parser can produce).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .filter((name) => record[name] !== undefined)
    .sort()
    .map((name) => `${JSON.stringify(name)}:${canonicalJson(record[name])}`);
  return `{${members.join(',')}}`;
}

/**
 * What makes two submissions "the same request": their type, payload, options
 * and callback, not their bytes. The callback joins the options' object under a
 * name no option has (`options` is a strict object), so one canonical text
 * holds both. Without options and callback the fingerprint is what it was before
 * either existed, so keys stored then still replay.
 */
export function requestFingerprint(type: string, payload: unknown, options?: object, callback?: object): string {
  const request = `${type}\n${canonicalJson(payload)}`;
  const extras = callback === undefined ? options : { ...options, callback };
  const withOptions = extras !== undefined && Object.keys(extras).length > 0 ? `${request}\n${canonicalJson(extras)}` : request;
  // One-shot hash(): a createHash() object per request cost about 1 µs more.
  return hash('sha256', withOptions, 'base64url');
}
