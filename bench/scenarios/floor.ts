import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchServer } from '../harness';
import { summarize, timeSequential } from '../stats';
import type { BenchConfig, Row } from '../types';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Reference rows for scenario 1: a bare node:http round trip (separate process, same fetch
 * client) and the cheapest tRPC calls through the server (no database), through the SDK's
 * client (whose batched link waits ≥ 1 ms for company; decides don't use it) and with plain
 * fetch. They show how much of strict mode's latency is the HTTP floor rather than the decision.
 */
export async function floorRows(server: BenchServer, config: BenchConfig): Promise<Row[]> {
  const { warmup, n } = config.overhead;
  const echo = fork(path.join(here, '..', 'echoServer.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      echo.once('message', (m: { url?: string }) =>
        m.url ? resolve(m.url) : reject(new Error('echo server: no url')),
      );
      echo.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
    });
    const bare = summarize(
      await timeSequential(
        async () => {
          const res = await fetch(url, {
            method: 'POST',
            body: '{"x":1}',
            headers: { 'content-type': 'application/json' },
          });
          await res.json();
        },
        { warmup, n },
      ),
    );
    const api = await server.transport(['bench-overhead']);
    // The same procedures with plain fetch (no tRPC client, no batching): the client's share.
    const key = await server.agentKey(['bench-overhead']);
    const rawHealth = summarize(
      await timeSequential(async () => (await fetch(`${server.url}/trpc/health.check`)).json(), {
        warmup,
        n,
      }),
    );
    const rawDecide = summarize(
      await timeSequential(
        async () => {
          const res = await fetch(`${server.url}/trpc/sdk.decide`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ agent: 'bench-overhead', action: 'noop', args: {} }),
          });
          if (!res.ok) throw new Error(`raw sdk.decide → ${res.status}`);
          return res.json();
        },
        { warmup, n },
      ),
    );
    const health = summarize(
      await timeSequential(() => server.admin.health.check.query(), { warmup, n }),
    );
    const whoami = summarize(await timeSequential(() => api.health.whoami.query(), { warmup, n }));
    return [
      {
        scenario: '1 overhead',
        label: '(floor) bare node:http POST round trip, own process',
        latency: bare,
      },
      {
        scenario: '1 overhead',
        label: '(floor) health.check, SDK client (batched link), no auth, no DB',
        latency: health,
      },
      {
        scenario: '1 overhead',
        label: '(floor) health.whoami, SDK client (batched link), agent key',
        latency: whoami,
      },
      {
        scenario: '1 overhead',
        label: '(floor) health.check with plain fetch (no tRPC client)',
        latency: rawHealth,
      },
      {
        scenario: '1 overhead',
        label: "(b'') sdk.decide with plain fetch (no tRPC client)",
        latency: rawDecide,
      },
    ];
  } finally {
    if (echo.connected) echo.send('stop');
    else echo.kill();
  }
}
