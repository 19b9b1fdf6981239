import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const REDIS = { REDIS_URL: 'redis://redis.internal:6380' };
const KEYS = 'acme:aaaaaaaaaaaaaaaa1';

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('the API auth rule', () => {
  it('refuses an API config with neither API_KEYS nor AUTH=off, naming both variables', () => {
    const problems = problemsOf(() => loadConfig(REDIS));

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^API_KEYS: required unless AUTH=off/);
  });

  it('treats an empty API_KEYS and AUTH, as docker-compose passes unset variables, as neither', () => {
    expect(problemsOf(() => loadConfig({ ...REDIS, API_KEYS: '', AUTH: '' }))).toEqual([expect.stringMatching(/^API_KEYS: required unless AUTH=off/)]);
  });

  it('runs the API without auth when AUTH=off says so', () => {
    expect(loadConfig({ ...REDIS, AUTH: 'off' }).API_KEYS).toBeNull();
  });

  it('runs the API with auth when API_KEYS is set', () => {
    expect(loadConfig({ ...REDIS, API_KEYS: KEYS }).API_KEYS?.map((entry) => entry.tenant)).toEqual(['acme']);
  });

  it('refuses AUTH=off together with API_KEYS: the two contradict each other', () => {
    expect(problemsOf(() => loadConfig({ ...REDIS, API_KEYS: KEYS, AUTH: 'off' }))).toEqual([expect.stringMatching(/^AUTH: off contradicts API_KEYS/)]);
  });

  it('refuses an AUTH value other than on or off', () => {
    expect(problemsOf(() => loadConfig({ ...REDIS, API_KEYS: KEYS, AUTH: 'no' })).join('\n')).toContain('AUTH:');
  });

  it('does not apply to a worker, which serves no tenant requests', () => {
    expect(loadConfig(REDIS, { role: 'worker' }).API_KEYS).toBeNull();
  });
});
