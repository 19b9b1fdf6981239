import { z } from 'zod';
import type { IndexPosition } from '../../bullmq/tenant-index.js';
import { ProblemError } from '../problems.js';

const cursorSchema = z.strictObject({
  v: z.literal(1),
  /** Creation time (ms) of the last job handed out, or of the last index entry every shard has looked past. */
  s: z.string().regex(/^\d{1,16}$/),
  /** Its job id: among jobs created in the same millisecond, ids order them. */
  m: z.string().min(1).max(2048),
});

/**
 * The cursor of GET /v1/jobs: one position in creation order, (createdAt, id),
 * that every shard's next page starts after; so it stays short whatever
 * QUEUE_SHARDS is. Opaque to clients (base64url of JSON), and only a position:
 * a forged one shows nothing but the caller's own jobs.
 */
export function encodeCursor(position: IndexPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, s: position.score, m: position.member })).toString('base64url');
}

/** The position a cursor names; a 400 naming `cursor` for anything this service did not hand out. */
export function decodeCursor(cursor: string): IndexPosition {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success || Buffer.from(cursor, 'base64url').toString('base64url') !== cursor) {
    const detail = 'is not a cursor this service handed out: pass the nextCursor of the previous page as it is, or start again without it';
    throw new ProblemError('validation-failed', `querystring/cursor: ${detail}`, { errors: [{ in: 'querystring', pointer: '/cursor', detail }] });
  }
  return { score: result.data.s, member: result.data.m };
}
