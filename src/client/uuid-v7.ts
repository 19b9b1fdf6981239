/**
 * A UUIDv7 (RFC 9562 §5.7): 48 bits of Unix time in milliseconds, then random
 * bits. Keys made this way sort by creation time, which keeps them readable in
 * logs and kind to indexes, and 74 random bits make two clients' keys collide
 * practically never. Uses the global Web Crypto (Node 20), so the client needs
 * no dependency and no Node-only import.
 */
export function uuidV7(nowMs: number = Date.now()): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  // unix_ts_ms, big-endian, in bytes 0..5. Division, not bit shifts: JS shifts are 32-bit.
  let time = Math.floor(nowMs);
  for (let i = 5; i >= 0; i -= 1) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70; // version 7 in the high nibble
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 0b10 (RFC 9562 §4.1)
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
