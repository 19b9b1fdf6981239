import type { FastifyInstance } from 'fastify';
import { ProblemError, type FieldProblem } from '../problems.js';
import { keepsExactly } from './exact-number.js';

/**
 * How deeply arrays and objects may nest in a request body (the body itself is
 * level 1, its `payload` level 2). Job payloads need a handful of levels; a
 * body nested thousands deep would overflow the stack of the recursive schema
 * validators (the API's and the worker's), so it is refused before them.
 */
export const MAX_JSON_DEPTH = 64;

/** One open array or object while scanning: where we are in it, for the JSON Pointer. */
interface Container {
  readonly names: Set<string> | null; // null for an array
  index: number;
  name: string;
  expectingName: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Digits, `.`, `e`, `E`, `+`, `-`: what a JSON number token is made of. */
function isNumberChar(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x65 || code === 0x45 || code === 0x2b || code === 0x2d;
}

/** RFC 6901 §3: `~` and `/` in a member name are written `~0` and `~1`. */
function pointerOf(path: readonly Container[]): string {
  return path.map((c) => `/${c.names === null ? c.index : c.name.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** The index of the quote that closes the string opened at `start`. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

/**
 * What JSON.parse would silently lose or choke on in a body it accepted: nesting
 * beyond MAX_JSON_DEPTH, a number it cannot keep exactly (exact-number.ts), a
 * member name given twice (it keeps only the last). One pass over the text,
 * which must be valid JSON; returns the first problem with its JSON Pointer.
 */
export function findLossyJson(text: string): FieldProblem | null {
  const path: Container[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    const top = path[path.length - 1];
    if (code === QUOTE) {
      const end = stringEnd(text, i);
      if (top !== undefined && top.expectingName) {
        const raw = text.slice(i + 1, end);
        const name = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        top.name = name;
        top.expectingName = false;
        if (top.names!.has(name)) {
          return problemAt(pointerOf(path), `the member name ${JSON.stringify(name)} appears twice in one object; JSON parsers keep only one of them`);
        }
        top.names!.add(name);
      }
      i = end;
    } else if (code === 0x7b /* { */ || code === 0x5b /* [ */) {
      if (path.length === MAX_JSON_DEPTH) {
        return problemAt(pointerOf(path), `is nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects); MAX_JSON_DEPTH is ${MAX_JSON_DEPTH}`);
      }
      path.push({ names: code === 0x7b ? new Set() : null, index: 0, name: '', expectingName: code === 0x7b });
    } else if (code === 0x7d /* } */ || code === 0x5d /* ] */) {
      path.pop();
    } else if (code === 0x2c /* , */) {
      if (top!.names === null) top!.index += 1;
      else top!.expectingName = true;
    } else if (code === 0x2d /* - */ || (code >= 0x30 && code <= 0x39)) {
      let end = i + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end += 1;
      const number = text.slice(i, end);
      if (!keepsExactly(number)) {
        return problemAt(
          pointerOf(path),
          `the number ${number.length > 40 ? `${number.slice(0, 40)}…` : number} cannot be kept exactly: JSON numbers are read as ` +
            `64-bit floating point, which would turn it into ${Number(number)}; send it as a string`,
        );
      }
      i = end - 1;
    }
  }
  return null;
}

function problemAt(pointer: string, detail: string): FieldProblem {
  return { in: 'body', pointer, detail };
}

/**
 * Replaces fastify's JSON body parser with one that refuses what findLossyJson
 * finds (400 validation-failed, with the pointer). Parsing itself stays
 * fastify's: the same malformed-json and empty-body errors, the same
 * `__proto__` and `constructor.prototype` refusals, the same body limit.
 */
export function registerJsonBodyParser(app: FastifyInstance) {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string; // parseAs: 'string'
    void parseJson(request, text, (err, value) => {
      if (err !== null) return done(err, undefined);
      // Only valid JSON is scanned: V8's JSON.parse is iterative, so depth alone cannot hurt it.
      const problem = findLossyJson(text);
      if (problem === null) return done(null, value);
      done(new ProblemError('validation-failed', `${problem.in}${problem.pointer || ' (whole)'}: ${problem.detail}`, { errors: [problem] }), undefined);
    });
  });
}
