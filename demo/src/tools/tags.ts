import type { ToolName } from './index.js';

/**
 * What each bank tool touches, declared with every demo agent (its manifest): the tags the
 * governance rules read. Every agent is handed all 17 tools, so each manifest lists them all.
 */
export const TOOL_TAGS: Record<ToolName, { tags: string[]; dataCategories: string[] }> = {
  lookup_balance: { tags: ['financial'], dataCategories: ['financial'] },
  get_transaction_history: { tags: ['financial'], dataCategories: ['financial'] },
  send_notification: { tags: ['external'], dataCategories: [] },
  scan_transactions: { tags: ['financial'], dataCategories: ['financial'] },
  flag_account: { tags: ['financial'], dataCategories: ['financial'] },
  verify_identity: { tags: ['pii'], dataCategories: ['pii'] },
  check_credit_score: { tags: ['financial'], dataCategories: ['financial'] },
  process_application: { tags: ['financial'], dataCategories: ['financial', 'pii'] },
  access_credit_card: { tags: ['financial', 'credentials'], dataCategories: ['financial'] },
  access_ssn: { tags: ['pii'], dataCategories: ['pii'] },
  access_phone: { tags: ['pii'], dataCategories: ['pii'] },
  delete_records: { tags: ['destructive'], dataCategories: [] },
  connect_external: { tags: ['external'], dataCategories: [] },
  get_customer_preferences: { tags: ['pii'], dataCategories: ['pii'] },
  send_promo_email: { tags: ['external'], dataCategories: ['pii'] },
  generate_report: { tags: [], dataCategories: ['financial'] },
  export_customer_list: { tags: ['pii', 'external', 'bulk-export'], dataCategories: ['pii'] },
};

/** The tool declarations an agent registers with (tags and data categories; wrapTools adds the rest). */
export const toolDeclarations = () =>
  Object.entries(TOOL_TAGS).map(([name, meta]) => ({ name, ...meta }));
