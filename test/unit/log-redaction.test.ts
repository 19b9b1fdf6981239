import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/shared/log-redaction.js';
import { createLogger } from '../../src/shared/logger.js';

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

    const error = Object.assign(new Error('boom'), { token: 'leaked', code: 'E_X' });
    const censored = redactSecrets({ err: error }).err as Error & { token: string; code: string };
    expect(censored).toBeInstanceOf(Error);
    expect(censored).toMatchObject({ message: 'boom', token: '[redacted]', code: 'E_X' });
    expect(censored.stack).toBe(error.stack);
    expect(error.token).toBe('leaked');

    const frozen = Object.freeze(Object.assign(new Error('frozen'), { cookie: 'session=1' }));
    expect(redactSecrets({ err: frozen }).err).toMatchObject({ message: 'frozen', cookie: '[redacted]' });
  });

  it('stops at three names deep', () => {
    const deep = { a: { b: { c: { token: 'x' } } } };
    expect(redactSecrets(deep)).toBe(deep);
  });
});

describe('the service logger', () => {
  it('redacts secrets in a log call and in a child logger bindings', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', name: 'test' }, { write: (line: string) => void lines.push(line) });
    logger.child({ token: 'bound-secret', jobId: 'acme~k' }).info({ headers: { authorization: 'Bearer call-secret' } }, 'hello');

    expect(lines.join('')).not.toMatch(/bound-secret|call-secret/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'hello', jobId: 'acme~k', token: '[redacted]', headers: { authorization: '[redacted]' } });
  });
});
