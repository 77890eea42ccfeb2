import type { StructuredToolInterface } from '@langchain/core/tools';
import type { BankDb } from '@aegis/demo-bank';
import { dangerousTools } from './dangerousTools.js';
import { fraudTools } from './fraudTools.js';
import { loanTools } from './loanTools.js';
import { marketingTools } from './marketingTools.js';
import { piiTools } from './piiTools.js';
import { supportTools } from './supportTools.js';
import type { BankToolOptions } from './support.js';

/** The 17 tools, in the order the seed lists them. Every agent is handed all of them. */
export const TOOL_NAMES = [
  'lookup_balance',
  'get_transaction_history',
  'send_notification',
  'scan_transactions',
  'flag_account',
  'verify_identity',
  'check_credit_score',
  'process_application',
  'access_credit_card',
  'access_ssn',
  'access_phone',
  'delete_records',
  'connect_external',
  'get_customer_preferences',
  'send_promo_email',
  'generate_report',
  'export_customer_list',
] as const;

export type ToolName = (typeof TOOL_NAMES)[number];

/**
 * Builds the 17 banking tools against one bank database. A factory rather than module-level
 * tools so a test can point them at a throwaway store.
 *
 * @example
 * ```ts
 * const tools = createBankTools(bankDb(mongoose.connection));
 * const guarded = wrapTools(aegis.agent('customer_support', policy), tools);
 * ```
 */
export function createBankTools(
  bank: BankDb,
  options: BankToolOptions = {},
): StructuredToolInterface[] {
  const ctx = {
    bank,
    externalPort: options.externalPort ?? 4444,
    now: options.now ?? (() => new Date()),
  };
  const tools: StructuredToolInterface[] = [
    ...supportTools(ctx),
    ...fraudTools(ctx),
    ...loanTools(ctx),
    ...piiTools(ctx),
    ...dangerousTools(ctx),
    ...marketingTools(ctx),
  ];
  // Keep the seed's order so prompts and dashboards list tools the same way every time.
  return TOOL_NAMES.map((name) => {
    const found = tools.find((t) => t.name === name);
    if (!found) throw new Error(`tool ${name} is missing from createBankTools`);
    return found;
  });
}

export type { BankToolOptions } from './support.js';
export { loopbackAddress } from './loopback.js';
export { assessCredit, type CreditAssessment } from './creditScore.js';
