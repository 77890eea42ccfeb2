/**
 * Writes docs/sample-compliance-report.{md,pdf}: the demo's four agents register as the demo does,
 * make their scripted calls on a throwaway server, governance runs, and the report is downloaded.
 * Run: npx tsx scripts/sampleReport.ts
 */
import { writeFile } from 'node:fs/promises';
import { createAegis, isRefusal } from '@aegis/sdk';
import {
  customerSupport,
  fraudDetection,
  loanProcessor,
  marketingOutreach,
  registerAgent,
} from '@aegis/demo';
import { startTestServer } from '../server/test/helpers/testServer';

const server = await startTestServer({ inMemoryStore: true });
const aegis = createAegis({ url: server.url, apiKey: server.adminKey, onError: () => undefined });
try {
  for (const agent of [customerSupport, fraudDetection, loanProcessor, marketingOutreach]) {
    await registerAgent(aegis, agent).register();
    for (const step of agent.scenario) {
      await aegis
        .call(agent.name, step.tool, step.args, () => 'done', { wait: false })
        .catch((e: unknown) => {
          if (!isRefusal(e)) throw e;
        });
    }
  }
  await aegis.api.governance.evaluate.mutate({});
  for (const format of ['md', 'pdf'] as const) {
    const res = await fetch(`${server.url}/export/report?format=${format}`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    if (!res.ok) throw new Error(`export ${format}: ${res.status}`);
    await writeFile(
      new URL(`../docs/sample-compliance-report.${format}`, import.meta.url),
      Buffer.from(await res.arrayBuffer()),
    );
  }
} finally {
  await aegis.close();
  await server.close();
}
