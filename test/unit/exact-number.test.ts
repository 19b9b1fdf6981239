import { describe, expect, it } from 'vitest';
import { keepsExactly } from '../../src/api/json-body/exact-number.js';

describe('which JSON numbers parsing keeps exactly', () => {
  it.each(['0', '-0', '0.1', '100.50', '1e2', '1E+2', '1e300', '5e-324', '1.7976931348623157e308', '9007199254740991', '9007199254740992', '-9007199254740991', '123456789012345', '0.000001', '1e21', '100000000000000000000'])(
    'keeps %s: its value is that of the shortest text of its double',
    (text) => expect(keepsExactly(text)).toBe(true),
  );

  it.each([
    ['9007199254740993', 'rounds to 9007199254740992'],
    ['12345678901234567890', 'rounds to 12345678901234567000'],
    ['1152921504606846976', 'is exactly 2^60, yet prints as 1152921504606847000: two texts, one double'],
    ['0.10000000000000001', 'rounds to 0.1'],
    ['1e400', 'overflows to Infinity'],
    ['1e-400', 'underflows to 0'],
    ['2.4703282292062328e-324', 'rounds to 5e-324'],
  ])('refuses %s, which %s', (text) => expect(keepsExactly(text)).toBe(false));
});
