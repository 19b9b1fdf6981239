import { describe, expect, it } from 'vitest';
import { createRetrySchedule, DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from '../../src/outbound/retry-schedule.js';

const exact = (text: string, options = {}) => createRetrySchedule(parseRetrySchedule(text), { jitter: 0, ...options });

describe('the default delivery schedule', () => {
  const schedule = exact(DEFAULT_RETRY_SCHEDULE);

  it('retries first after about 2 s, then ever later', () => {
    expect(schedule.nextDelay(1)).toBe(2000);
    const delays = schedule.delaysMs;
    expect(delays.every((delay, index) => index === 0 || delay >= delays[index - 1]!)).toBe(true);
  });

  it('spans about a day in 10 tries', () => {
    const totalHours = schedule.delaysMs.reduce((sum, delay) => sum + delay, 0) / 3_600_000;
    expect(totalHours).toBeGreaterThan(22);
    expect(totalHours).toBeLessThan(26);
    expect(schedule.attempts).toBe(10);
  });

  it('gives up after the last delay', () => {
    expect(schedule.nextDelay(9)).toBe(8 * 3_600_000);
    expect(schedule.nextDelay(10)).toBeUndefined();
  });
});

describe('nextDelay', () => {
  it('never retries sooner than the Retry-After', () => {
    const schedule = exact('2s,10s,1m');
    expect(schedule.nextDelay(1, 30_000)).toBe(30_000);
    expect(schedule.nextDelay(3, 1000)).toBe(60_000);
  });

  it('cuts a Retry-After longer than the schedule’s whole span to that span', () => {
    expect(exact('2s,10s,1m').nextDelay(1, 365 * 86_400_000)).toBe(72_000);
    expect(exact('2s,10s,1m', { maxRetryAfterMs: 5000 }).nextDelay(1, 86_400_000)).toBe(5000);
  });

  it('stretches each delay by at most the jitter, never shortens it', () => {
    const delays = parseRetrySchedule('2s');
    expect(createRetrySchedule(delays, { random: () => 0 }).nextDelay(1)).toBe(2000);
    expect(createRetrySchedule(delays, { random: () => 0.999999 }).nextDelay(1)).toBe(2200);
    expect(createRetrySchedule(delays, { jitter: 0.5, random: () => 0.5 }).nextDelay(1)).toBe(2500);
  });
});

describe('parseRetrySchedule', () => {
  it('reads ms, s, m, h and d, and decimals', () => {
    expect(parseRetrySchedule('250ms, 1.5s,2m,1h,1d')).toEqual([250, 1500, 120_000, 3_600_000, 86_400_000]);
  });

  it.each([
    ['2', /entry 1 \("2"\) is not a delay/],
    ['2s,10x', /entry 2 \("10x"\) is not a delay/],
    ['2s,,3s', /entry 2 \(""\) is not a delay/],
    ['-1s', /entry 1/],
    ['', /entry 1/],
  ])('refuses %j, naming the entry', (text, message) => {
    expect(() => parseRetrySchedule(text)).toThrow(message);
  });

  it('refuses more than 100 delays', () => {
    expect(() => parseRetrySchedule(Array(101).fill('1s').join(','))).toThrow('at most 100 delays');
  });
});
