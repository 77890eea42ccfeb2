import type { ChangeEvent } from '@aegis/shared';
import type { BenchServer } from '../harness';
import { summarize } from '../stats';
import { fmtMs, type BenchConfig, type ScenarioResult } from '../types';

const AGENT = 'bench-review';
const ACTION = 'wire_transfer';

/**
 * 4. A strict-mode call that needs review waits; a reviewer (the admin client) hears of the
 * approval over its own change stream and approves it. Measured: from the start of
 * `approvals.decide` to the waiting SDK call returning (pushed event, re-decide that consumes the
 * approval, tool run).
 */
export async function approvalsScenario(
  server: BenchServer,
  config: BenchConfig,
): Promise<ScenarioResult> {
  const client = await server.sdk([AGENT]);
  const handle = client.agent(AGENT, { review: [ACTION] });
  await handle.register();
  const transfer = handle.guard(
    (_t: { amount: number; round: number }) => Promise.resolve('sent'),
    { action: ACTION },
  );

  const created: number[] = [];
  const waiters: Array<(id: number) => void> = [];
  const sub = server.admin.changes.onChange.subscribe(
    {},
    {
      onData: ({ data }: { data: ChangeEvent }) => {
        if (data.type !== 'approval.created' || data.approval.agent !== AGENT) return;
        const waiter = waiters.shift();
        if (waiter) waiter(data.approval.id);
        else created.push(data.approval.id);
      },
    },
  );
  const nextApproval = () =>
    new Promise<number>((resolve, reject) => {
      const ready = created.shift();
      if (ready !== undefined) return resolve(ready);
      const timer = setTimeout(
        () => reject(new Error('approvals: no approval.created event within 10 s')),
        10_000,
      );
      waiters.push((id) => {
        clearTimeout(timer);
        resolve(id);
      });
    });

  const samples: number[] = [];
  try {
    // The first round is warm-up (stream connections, caches).
    for (let round = -2; round < config.approvals.rounds; round++) {
      let returnedAt = 0;
      const call = transfer({ amount: 100 + round, round }).then(
        () => (returnedAt = performance.now()),
      );
      const id = await nextApproval();
      const t0 = performance.now();
      await server.admin.approvals.decide.mutate({ id, decision: 'APPROVED' });
      await call;
      if (round >= 0) samples.push(returnedAt - t0);
    }
  } finally {
    sub.unsubscribe();
  }
  await client.flush();
  const latency = summarize(samples);
  return {
    rows: [
      {
        scenario: '4 approval resume',
        label: 'approvals.decide → waiting SDK call returns',
        latency,
      },
    ],
    goals: [
      {
        goal: 'approval resume p99 ≤ 100 ms',
        measured: fmtMs(latency.p99),
        met: latency.p99 <= 100,
      },
    ],
  };
}
