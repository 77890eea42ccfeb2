/**
 * The demo's fictional bank: its mongoose models, in a database of their own, and the
 * deterministic seeder. It knows nothing of Aegis. The demo seeds and resets it through its own
 * connection; the server imports it only for the seed's `POST /api/demo/seed`.
 */
export { seedBank, generateBank, BANK_AS_OF, type SeedCounts, type SeedOptions } from './seed.js';
export {
  bankDb,
  DEFAULT_BANK_DB,
  type BankDb,
  type Customer,
  type Account,
  type Transaction,
  type Notification,
  type LoanApplication,
} from './models.js';
export { createRng, BANK_SEED, type Rng } from './prng.js';
export { isLuhnValid, SUSPICIOUS_DESCRIPTIONS } from './fakeData.js';
