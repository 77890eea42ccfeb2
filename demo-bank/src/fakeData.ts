import type { Rng } from './prng.js';

// Hand-written lists instead of a faker dependency: ten customers need little variety, and a
// fixed list keeps the data stable across library upgrades.
const FIRST_NAMES = [
  'Maria',
  'James',
  'Aisha',
  'Robert',
  'Chen',
  'Sofia',
  'David',
  'Priya',
  'Michael',
  'Elena',
  'Marcus',
  'Hannah',
  'Diego',
  'Grace',
  'Omar',
  'Lucy',
] as const;
const LAST_NAMES = [
  'Garcia',
  'Thompson',
  'Okafor',
  'Miller',
  'Wei',
  'Rossi',
  'Johnson',
  'Patel',
  'Brown',
  'Novak',
  'Williams',
  'Schmidt',
  'Hernandez',
  'Kim',
  'Haddad',
  'Anderson',
] as const;
const STREETS = [
  'Maple Ave',
  'Oak Street',
  'Cedar Lane',
  'Pine Road',
  'Elm Drive',
  'Lakeview Blvd',
  'Hillcrest Way',
  'Sunset Ave',
  'River Road',
  'Park Place',
] as const;
const CITIES = [
  ['Portland', 'OR', '972'],
  ['Austin', 'TX', '787'],
  ['Denver', 'CO', '802'],
  ['Columbus', 'OH', '432'],
  ['Raleigh', 'NC', '276'],
  ['Madison', 'WI', '537'],
  ['Sacramento', 'CA', '958'],
  ['Tampa', 'FL', '336'],
] as const;
const AREA_CODES = ['503', '512', '303', '614', '919', '608', '916', '813'] as const;

/** What a transaction was for, with a plausible amount range in dollars. */
export type TransactionKind = readonly [description: string, min: number, max: number];

export const DEBIT_KINDS: readonly TransactionKind[] = [
  ['Grocery Store', 25, 240],
  ['Gas Station', 30, 85],
  ['Electric Utility', 60, 210],
  ['Coffee Shop', 3.5, 14],
  ['Online Retailer', 15, 320],
  ['Restaurant', 18, 140],
  ['Pharmacy', 8, 95],
  ['Streaming Subscription', 9.99, 22.99],
  ['Mobile Phone Bill', 45, 120],
  ['Rent Payment', 1100, 2100],
  ['ATM Withdrawal', 20, 300],
  ['Insurance Premium', 90, 260],
];
export const CHECKING_CREDIT_KINDS: readonly TransactionKind[] = [
  ['Payroll Deposit', 1800, 3900],
  ['Payroll Deposit', 1800, 3900],
  ['Mobile Check Deposit', 50, 650],
  ['Tax Refund', 300, 2200],
  ['Zelle Transfer Received', 20, 400],
];
export const SAVINGS_CREDIT_KINDS: readonly TransactionKind[] = [
  ['Transfer From Checking', 100, 1200],
  ['Interest Payment', 1, 45],
];
export const SAVINGS_DEBIT_KINDS: readonly TransactionKind[] = [
  ['Transfer To Checking', 200, 1500],
];
/** Descriptions the fraud scanner treats as risky; a few are planted in the seed on purpose. */
export const SUSPICIOUS_DESCRIPTIONS = [
  'International Wire Transfer',
  'Crypto Exchange Purchase',
  'Gift Card Bulk Purchase',
] as const;

export function personName(rng: Rng, index: number): { first: string; last: string } {
  // Offsetting by index guarantees ten distinct full names even if the generator repeats.
  const first = FIRST_NAMES[(index * 3 + rng.int(0, 1)) % FIRST_NAMES.length] ?? 'Alex';
  const last = LAST_NAMES[(index * 5 + rng.int(0, 1)) % LAST_NAMES.length] ?? 'Doe';
  return { first, last };
}

/** A realistic-looking SSN: never area 000, 666 or 900+, never group 00 or serial 0000. */
export function ssn(rng: Rng): string {
  let area = rng.int(1, 899);
  if (area === 666) area = 667;
  const group = rng.int(1, 99);
  const serial = rng.int(1, 9999);
  return `${pad(area, 3)}-${pad(group, 2)}-${pad(serial, 4)}`;
}

/** The Luhn check digit that makes `digits + check` a valid card number. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  // Walk right to left; the digit next to the (future) check digit is the first one doubled.
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(cardNumber: string): boolean {
  const digits = cardNumber.replace(/\D/g, '');
  return digits.length > 1 && luhnCheckDigit(digits.slice(0, -1)) === Number(digits.at(-1));
}

/** A 16-digit Visa or Mastercard number, Luhn-valid, grouped in fours. */
export function creditCardNumber(rng: Rng): string {
  let body = rng.next() < 0.5 ? '4' : String(rng.int(51, 55));
  while (body.length < 15) body += String(rng.int(0, 9));
  const full = body + String(luhnCheckDigit(body));
  return full.replace(/(\d{4})(?=\d)/g, '$1 ');
}

export function address(rng: Rng): string {
  const [city, state, zip3] = rng.pick(CITIES);
  return `${rng.int(100, 9899)} ${rng.pick(STREETS)}, ${city}, ${state} ${zip3}${pad(rng.int(1, 99), 2)}`;
}

/** 555-01xx numbers are reserved for fiction, so no real person is ever dialled by a demo. */
export function phone(rng: Rng): string {
  return `(${rng.pick(AREA_CODES)}) 555-01${pad(rng.int(0, 99), 2)}`;
}

export function email(first: string, last: string, rng: Rng): string {
  const style = rng.int(0, 2);
  const local =
    style === 0
      ? `${first}.${last}`
      : style === 1
        ? `${first[0]}${last}`
        : `${first}${last}${rng.int(1, 99)}`;
  return `${local.toLowerCase()}@example.com`;
}

export function dateOfBirth(rng: Rng): Date {
  return new Date(Date.UTC(rng.int(1950, 2001), rng.int(0, 11), rng.int(1, 28)));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
