import type { Account, Transaction } from '@aegis/demo-bank';

export interface CreditAssessment {
  score: number;
  band: 'poor' | 'fair' | 'good' | 'very good' | 'exceptional';
  factors: string[];
}

/**
 * A toy but deterministic credit model over the bank's own data: the same customer always gets
 * the same score, so the loan agent's decisions are reproducible. Not a real bureau score.
 */
export function assessCredit(
  accounts: Account[],
  transactions: Transaction[],
  asOf: Date,
): CreditAssessment {
  const factors: string[] = [];
  let score = 600;

  const total = accounts.reduce((sum, a) => sum + a.balance, 0);
  const balancePoints = Math.min(120, Math.floor(total / 250));
  score += balancePoints;
  factors.push(`balances $${total.toFixed(2)}: +${balancePoints}`);

  const oldest = Math.min(...accounts.map((a) => a.opened_at.getTime()), asOf.getTime());
  const years = (asOf.getTime() - oldest) / (365.25 * 24 * 3600 * 1000);
  const agePoints = Math.min(60, Math.floor(years * 8));
  score += agePoints;
  factors.push(`${years.toFixed(1)} years of history: +${agePoints}`);

  if (accounts.some((a) => a.type === 'savings')) {
    score += 25;
    factors.push('holds a savings account: +25');
  }

  const net = transactions.reduce(
    (sum, t) => sum + (t.type === 'credit' ? t.amount : -t.amount),
    0,
  );
  const flowPoints = Math.max(-60, Math.min(40, Math.round(net / 150)));
  score += flowPoints;
  factors.push(`net cash flow $${net.toFixed(2)}: ${flowPoints >= 0 ? '+' : ''}${flowPoints}`);

  if (accounts.some((a) => a.flagged)) {
    score -= 120;
    factors.push('an account is flagged for fraud: -120');
  }

  score = Math.max(300, Math.min(850, score));
  return { score, band: band(score), factors };
}

function band(score: number): CreditAssessment['band'] {
  if (score >= 800) return 'exceptional';
  if (score >= 740) return 'very good';
  if (score >= 670) return 'good';
  if (score >= 580) return 'fair';
  return 'poor';
}
