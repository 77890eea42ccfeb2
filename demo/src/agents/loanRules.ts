/**
 * The Loan Processor's conditional rules (an AgentPolicy, applied by the demo before the agents
 * run, as an admin would with `aegis policy apply`). Its code's lists still allow
 * `process_application`; these rules hold the calls whose arguments or history call for a person:
 * REVIEW beats ALLOW, so a small loan runs and a large one waits.
 */
export const LOAN_RULES_YAML = `apiVersion: aegis/v1
kind: AgentPolicy
agent: loan_processor
description: The demo bank's lending rules
rules:
  - id: large-loans
    description: Loans over $1,000 need a person
    actions: [process_application]
    when: args.amount > 1000.0
    effect: REVIEW
    reason: "A loan of \${{ args.amount }} is held for a person"
  - id: split-loans
    description: Small loans adding up to more than $1,000 within 10 minutes look like one large loan split up
    actions: [process_application]
    when: history.sum('process_application', 'amount', duration('10m')) + args.amount > 1000.0
    effect: REVIEW
    reason: "\${{ args.amount }} more within 10 minutes of this agent's other loans passes $1,000: held as a split loan"
  - id: positive-amounts
    description: A negative loan would lower the sum split-loans reads, letting the next ones through
    actions: [process_application]
    when: args.amount <= 0.0
    effect: BLOCK
    reason: A loan's amount is a positive number
`;
