import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { OutboundRefusedError, type AddressGuard } from './address-guard.js';
import { BODY_START_BYTES, classifyNotOk, type PostOutcome } from './post-outcome.js';

export interface PostJsonRequest {
  url: string;
  /** The JSON text, sent byte for byte as given (a signature covers exactly these bytes). */
  body: string;
  /** Extra headers (signature, idempotency key, ...); content-type and content-length are set here. */
  headers?: Readonly<Record<string, string>>;
  /** The whole exchange, connecting to reading the answer, in ms. */
  timeoutMs: number;
  /** A 2xx body larger than this fails the POST and the connection is dropped. */
  maxResponseBytes: number;
  /**
   * `required`: a 2xx must carry JSON (or nothing: `null`), e.g. an HTTP job type's
   * result. `ignored`: a 2xx is enough and its body is not read, e.g. a webhook.
   */
  responseJson: 'required' | 'ignored';
  /** The caller's cancel: aborts the request in flight; postJson then rejects with its reason. */
  signal?: AbortSignal;
}

/**
 * One POST of a JSON body through the address guard, answered as an outcome the
 * caller can act on (see PostOutcome). Never follows a redirect, never reads more
 * than it needs, never reuses a connection (agent: false). Resolves for everything
 * that happens on the wire; rejects only when the caller's signal aborts.
 */
export async function postJson(req: PostJsonRequest, guard: AddressGuard): Promise<PostOutcome> {
  const refusal = guard.refusalForUrl(req.url);
  if (refusal !== undefined) return { kind: 'fail', reason: `refused: ${refusal}` };
  req.signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal === undefined ? timeout : AbortSignal.any([req.signal, timeout]);

  let answer: Promise<IncomingMessage>;
  try {
    answer = send(req, signal, guard);
  } catch (err) {
    // node:http validates header names and values as it builds the request.
    return { kind: 'fail', reason: `invalid request: ${(err as Error).message}` };
  }
  try {
    return await readOutcome(await answer, req);
  } catch (err) {
    if (req.signal?.aborted) throw req.signal.reason;
    if (timeout.aborted) return { kind: 'retry', reason: `timed out after ${req.timeoutMs} ms` };
    if (err instanceof OutboundRefusedError) return { kind: 'fail', reason: `refused: ${err.reason}` };
    const code = (err as NodeJS.ErrnoException).code;
    return { kind: 'retry', reason: `network error: ${code ?? (err as Error).message}` };
  }
}

/** Starts the request (throws synchronously on invalid headers); resolves with the answer's head. */
function send(req: PostJsonRequest, signal: AbortSignal, guard: AddressGuard): Promise<IncomingMessage> {
  const body = Buffer.from(req.body);
  const headers: OutgoingHttpHeaders = {
    'user-agent': 'job-intake',
    ...(req.responseJson === 'required' ? { accept: 'application/json' } : {}),
    ...req.headers,
    'content-type': 'application/json',
    'content-length': body.length,
  };
  const url = new URL(req.url);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const client = request(url, { method: 'POST', headers, signal, lookup: guard.lookup, agent: false });
  return new Promise((resolve, reject) => {
    client.on('response', resolve);
    // Stays attached after the answer came: an error while its body is read (the
    // timeout, a reset) must not become an uncaught 'error' event; the body
    // reader sees it as a failed read.
    client.on('error', reject);
    client.end(body);
  });
}

async function readOutcome(res: IncomingMessage, req: PostJsonRequest): Promise<PostOutcome> {
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    const start = await readUpTo(res, BODY_START_BYTES);
    return classifyNotOk(status, res.headers, start.bytes.toString('utf8'));
  }
  if (req.responseJson === 'ignored') {
    res.destroy(); // the status is the whole answer; don't wait for a body nobody reads
    return { kind: 'ok', status, json: undefined };
  }
  const tooBig = { kind: 'fail', reason: `the answer is larger than ${req.maxResponseBytes} bytes`, status } as const;
  if (Number(res.headers['content-length']) > req.maxResponseBytes) {
    res.destroy(); // announced too big: not a byte of it is read
    return tooBig;
  }
  const read = await readUpTo(res, req.maxResponseBytes);
  if (read.truncated) {
    return { ...tooBig, bodyStart: read.bytes.subarray(0, BODY_START_BYTES).toString('utf8') };
  }
  const text = read.bytes.toString('utf8');
  if (text.trim() === '') return { kind: 'ok', status, json: null };
  try {
    return { kind: 'ok', status, json: JSON.parse(text) };
  } catch {
    return { kind: 'fail', reason: `HTTP ${status} with a body that is not JSON`, status, bodyStart: text.slice(0, BODY_START_BYTES) };
  }
}

/**
 * Reads at most `limit` bytes. When the body is longer, stops there, destroys the
 * response (with agent: false, its socket too) and says `truncated`.
 */
async function readUpTo(res: IncomingMessage, limit: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      res.destroy();
      return { bytes: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { bytes: Buffer.concat(chunks), truncated: false };
}
