import { z } from 'zod';

export const acceptedSchema = z.object({
  id: z.string(),
  key: z.string(),
  type: z.string(),
  status: z.literal('queued'),
  createdAt: z.iso.datetime(),
  receiptUrl: z.string(),
});

export function receiptUrl(key: string): string {
  return `/v1/receipts/${encodeURIComponent(key)}`;
}

/**
 * The 202 body, built only from what Redis stores for the key (id, creation
 * time) and what the fingerprint guarantees equal (key, type): the first answer
 * and every replay, on any API process, are the same bytes.
 */
export function acceptedBody(stored: { jobId: string; createdAtMs: number }, key: string, type: string) {
  const url = receiptUrl(key);
  const json = JSON.stringify({
    id: stored.jobId,
    key,
    type,
    status: 'queued',
    createdAt: new Date(stored.createdAtMs).toISOString(),
    receiptUrl: url,
  });
  return { json, receiptUrl: url };
}
