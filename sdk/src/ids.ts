import { randomBytes } from 'node:crypto';

// 16 random bytes per id, as base64url (22 characters). `randomBytes(16)` asks the kernel's CSPRNG
// on every call, which costs several µs (more than local mode's whole decision); drawing them from
// a pool of the same generator's output costs a fraction of that. Each byte is handed out once.
const ID_BYTES = 16;
const POOL_BYTES = ID_BYTES * 256;
let pool = Buffer.alloc(0);
let at = 0;

/** A fresh random id: 128 bits from the CSPRNG, base64url. */
export function randomId(): string {
  if (at + ID_BYTES > pool.length) {
    pool = randomBytes(POOL_BYTES);
    at = 0;
  }
  const id = pool.toString('base64url', at, at + ID_BYTES);
  at += ID_BYTES;
  return id;
}
