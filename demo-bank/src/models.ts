import { Schema, type Connection, type Model } from 'mongoose';

/**
 * The demo bank's data. It lives in its own database so that resetting the bank can never touch
 * Aegis's governance collections (agents, policies, audit log), and the other way round.
 */
export const DEFAULT_BANK_DB = 'aegis_bank';

// Numeric ids (customer 3, account 1004) because models are asked to pass them as tool
// arguments, and "customer_id=3" is what a person — or an LLM — actually types.
export interface Customer {
  _id: number;
  name: string;
  ssn: string;
  credit_card_number: string;
  phone: string;
  email: string;
  address: string;
  dob: Date;
  preferences: { marketing_opt_in: boolean; channel: 'email' | 'sms' | 'phone'; language: string };
}

export interface Account {
  _id: number;
  customer: number;
  type: 'checking' | 'savings';
  balance: number;
  opened_at: Date;
  flagged: boolean;
  flag_reason?: string;
  flagged_at?: Date;
}

export interface Transaction {
  _id: number;
  account: number;
  type: 'debit' | 'credit';
  description: string;
  amount: number;
  date: Date;
}

export interface Notification {
  customer: number;
  kind: 'service' | 'promo';
  channel: 'email' | 'sms' | 'phone';
  subject: string;
  message: string;
  sent_at: Date;
}

export interface LoanApplication {
  customer: number;
  amount: number;
  purpose: string;
  term_months: number;
  credit_score: number;
  decision: 'approved' | 'declined';
  reason: string;
  created_at: Date;
}

const customerSchema = new Schema<Customer>(
  {
    _id: { type: Number, required: true },
    name: { type: String, required: true },
    ssn: { type: String, required: true },
    credit_card_number: { type: String, required: true },
    phone: { type: String, required: true },
    email: { type: String, required: true },
    address: { type: String, required: true },
    dob: { type: Date, required: true },
    preferences: {
      marketing_opt_in: { type: Boolean, default: false },
      channel: { type: String, enum: ['email', 'sms', 'phone'], default: 'email' },
      language: { type: String, default: 'en' },
    },
  },
  { collection: 'customers', versionKey: false },
);

const accountSchema = new Schema<Account>(
  {
    _id: { type: Number, required: true },
    customer: { type: Number, ref: 'Customer', required: true, index: true },
    type: { type: String, enum: ['checking', 'savings'], required: true },
    balance: { type: Number, required: true },
    opened_at: { type: Date, required: true },
    flagged: { type: Boolean, default: false },
    flag_reason: String,
    flagged_at: Date,
  },
  { collection: 'accounts', versionKey: false },
);

const transactionSchema = new Schema<Transaction>(
  {
    _id: { type: Number, required: true },
    account: { type: Number, ref: 'Account', required: true, index: true },
    type: { type: String, enum: ['debit', 'credit'], required: true },
    description: { type: String, required: true },
    amount: { type: Number, required: true, min: 0 },
    date: { type: Date, required: true },
  },
  { collection: 'transactions', versionKey: false },
);

const notificationSchema = new Schema<Notification>(
  {
    customer: { type: Number, ref: 'Customer', required: true, index: true },
    kind: { type: String, enum: ['service', 'promo'], required: true },
    channel: { type: String, enum: ['email', 'sms', 'phone'], required: true },
    subject: { type: String, required: true },
    message: { type: String, required: true },
    sent_at: { type: Date, required: true },
  },
  { collection: 'notifications', versionKey: false },
);

const loanApplicationSchema = new Schema<LoanApplication>(
  {
    customer: { type: Number, ref: 'Customer', required: true, index: true },
    amount: { type: Number, required: true },
    purpose: { type: String, required: true },
    term_months: { type: Number, required: true },
    credit_score: { type: Number, required: true },
    decision: { type: String, enum: ['approved', 'declined'], required: true },
    reason: { type: String, required: true },
    created_at: { type: Date, required: true },
  },
  { collection: 'loan_applications', versionKey: false },
);

/** The bank's database handle and its models; what the tools and the seeder work on. */
export interface BankDb {
  connection: Connection;
  customers: Model<Customer>;
  accounts: Model<Account>;
  transactions: Model<Transaction>;
  notifications: Model<Notification>;
  applications: Model<LoanApplication>;
}

/**
 * Opens the bank database on an existing mongoose connection (sharing its sockets) and registers
 * the models there — never on the global mongoose, so a server and a test can hold several.
 */
export function bankDb(conn: Connection, dbName: string = DEFAULT_BANK_DB): BankDb {
  const db = conn.useDb(dbName, { useCache: true });
  const model = <T>(name: string, schema: Schema<T>): Model<T> =>
    (db.models[name] as Model<T> | undefined) ?? db.model<T>(name, schema);
  return {
    connection: db,
    customers: model('Customer', customerSchema),
    accounts: model('Account', accountSchema),
    transactions: model('Transaction', transactionSchema),
    notifications: model('Notification', notificationSchema),
    applications: model('LoanApplication', loanApplicationSchema),
  };
}
