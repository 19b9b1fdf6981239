import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/shared/log-redaction.js';

class Request {
  readonly method = 'POST';
}

describe('redactSecrets', () => {
  it('censors secret fields up to three names deep, whatever their case', () => {
    const fields = {
      token: 't0',
      job: { token: 't1', id: 'j' },
      req: { headers: { authorization: 'Bearer t2', Cookie: 's=1', accept: '*/*' } },
      res: { headers: { 'set-cookie': ['s=2'] } },
      headers: { 'x-admin-token': 'a' },
      list: [{ token: 't3' }],
    };

    expect(redactSecrets(fields)).toEqual({
      token: '[redacted]',
      job: { token: '[redacted]', id: 'j' },
      req: { headers: { authorization: '[redacted]', Cookie: '[redacted]', accept: '*/*' } },
      res: { headers: { 'set-cookie': '[redacted]' } },
      headers: { 'x-admin-token': '[redacted]' },
      list: [{ token: '[redacted]' }],
    });
  });

  it('never changes the caller objects, and passes a line without secrets on as it is', () => {
    const headers = { authorization: 'Bearer t' };
    const fields = { req: { headers }, n: 1 };
    redactSecrets(fields);
    expect(headers.authorization).toBe('Bearer t');

    const clean = { jobId: 'acme~k', outcome: 'created', nested: { a: 1 } };
    expect(redactSecrets(clean)).toBe(clean);
  });

  it('checks an object of a class for a secret of its own, and leaves its other fields to its serializer', () => {
    const request = new Request();
    expect(redactSecrets({ req: request }).req).toBe(request);

    const error = Object.assign(new Error('boom'), { token: 'leaked' });
    expect(redactSecrets({ err: error }).err).toMatchObject({ token: '[redacted]' });
  });

  it('stops at three names deep', () => {
    const deep = { a: { b: { c: { token: 'x' } } } };
    expect(redactSecrets(deep)).toBe(deep);
  });
});
