/**
 * The rule for JSON numbers: one is accepted only when parsing keeps it exactly.
 *
 * JSON.parse turns every number into an IEEE-754 double, so `9007199254740993`
 * becomes `9007199254740992` and `0.10000000000000001` becomes `0.1`. The
 * fingerprint, the stored payload and the worker all see the double, so two
 * different numbers would alias under one Idempotency-Key and the payload would
 * silently change. A number is kept exactly when its decimal value equals the
 * value of the shortest text that names its double (what JSON.stringify writes).
 * Notation does not matter: `1e2`, `100` and `100.0` are the same value, and so
 * are `-0` and `0` (JSON.stringify writes both as `0`).
 */
export function keepsExactly(text: string): boolean {
  // A decimal of at most 15 significant digits always survives a double and back
  // (DBL_DIG); without an exponent such text is also far from overflow and underflow.
  if (text.length <= 15 && !/[eE]/.test(text)) return true;
  const value = Number(text);
  return Number.isFinite(value) && decimalValue(String(value)) === decimalValue(text);
}

/**
 * The value of a decimal number's text in one canonical form, `<sign><digits>e<exponent>`
 * with no leading or trailing zeros in the digits: `1.50e2` and `150` both give `15e1`.
 * Takes JSON number text and what String(number) writes (`1e+21`, `1.5e-7`).
 */
function decimalValue(text: string): string {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (match === null) return `not a number: ${text}`;
  const [, sign, whole = '', fraction = '', exponentText = '0'] = match;
  const digits = `${whole}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  const significant = digits.replace(/0+$/, '');
  const exponent = Number(exponentText) - fraction.length + (digits.length - significant.length);
  return `${sign}${significant}e${exponent}`;
}
