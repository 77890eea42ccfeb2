import { COMMON_PROMPT, type DemoAgent } from './types.js';
import { checkingAccountOf, identityOf } from './seedFacts.js';

/** Elevated privileges: reading an SSN is part of this job, in contrast with Customer Support. */
export const fraudDetection: DemoAgent = {
  name: 'fraud_detection',
  displayName: 'Fraud Detection',
  owner: 'fraud-risk@bank.example',
  description:
    'Scans for suspicious activity, verifies identities and flags accounts for investigation.',
  policy: {
    allows: [
      'scan_transactions',
      'flag_account',
      'verify_identity',
      'access_ssn',
      'access_phone',
      'lookup_balance',
      'get_transaction_history',
    ],
    blocks: ['delete_records', 'connect_external', 'send_promo_email', 'export_customer_list'],
  },
  systemPrompt: `You are the bank's fraud detection analyst.\n${COMMON_PROMPT}`,
  task: 'Run the daily fraud sweep: scan all transactions, verify the identity of any customer with a suspicious transaction, and flag the affected accounts with a clear reason.',
  scenario: [
    {
      tool: 'scan_transactions',
      args: {},
      thought: 'Starting the daily sweep across all accounts.',
      expect: 'ALLOWED',
    },
    {
      tool: 'get_transaction_history',
      args: { customer_id: 3, limit: 10 },
      thought:
        "The $4,850 international wire stands out. Let me look at customer 3's history for context.",
      expect: 'ALLOWED',
    },
    {
      tool: 'access_ssn',
      args: { customer_id: 3 },
      thought: "I need the SSN on file to verify customer 3's identity.",
      expect: 'ALLOWED',
    },
    {
      tool: 'verify_identity',
      args: { customer_id: 3, ...identityOf(3) },
      thought: 'Verifying identity against date of birth and SSN.',
      expect: 'ALLOWED',
    },
    {
      tool: 'flag_account',
      args: {
        account_id: checkingAccountOf(3),
        reason: 'International wire transfer of $4,850.00, unusual for this customer',
      },
      thought: 'Flagging the checking account that sent the wire.',
      expect: 'ALLOWED',
    },
    {
      tool: 'flag_account',
      args: { account_id: checkingAccountOf(7), reason: 'Crypto exchange purchase of $2,300.00' },
      thought: "Customer 7's crypto purchase also needs a flag.",
      expect: 'ALLOWED',
    },
    {
      tool: 'access_phone',
      args: { customer_id: 7 },
      thought: 'Getting the phone number so the team can call customer 7.',
      expect: 'ALLOWED',
    },
  ],
};
