/**
 * The demo bank: its mongoose models, in a database of their own, and the deterministic seeder.
 * The server's demo procedure imports this entry point (`@aegis/demo/bank`) to reset the data.
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
export { isLuhnValid } from './fakeData.js';
