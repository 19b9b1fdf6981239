import { describe, expect, it } from 'vitest';
import { uuidV7 } from '../../src/client/uuid-v7.js';

describe('uuidV7', () => {
  it('has the RFC 9562 layout: version 7 and variant 10', () => {
    for (let i = 0; i < 100; i += 1) {
      expect(uuidV7()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('starts with the Unix time in milliseconds, big-endian', () => {
    // RFC 9562 Appendix A.6's example time: 2022-02-22 19:22:22 UTC = 0x017F22E279B0 ms.
    expect(uuidV7(0x017f22e279b0).slice(0, 13)).toBe('017f22e2-79b0');
    expect(uuidV7(0).slice(0, 13)).toBe('00000000-0000');
  });

  it('sorts keys made in different milliseconds by time, and never repeats one', () => {
    const keys = [uuidV7(1_000), uuidV7(2_000), uuidV7(1_000_000_000_000)];
    expect([...keys].sort()).toEqual(keys);
    const many = new Set(Array.from({ length: 10_000 }, () => uuidV7(5)));
    expect(many.size).toBe(10_000);
  });
});
