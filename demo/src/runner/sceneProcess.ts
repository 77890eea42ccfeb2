import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ReportedDecision } from './decisions.js';
import type { SceneMessage } from './pausedRunProtocol.js';

const AGENT_ENTRY = fileURLToPath(new URL('./pausedRunAgent.ts', import.meta.url));

type Waited<K extends SceneMessage['type']> = Extract<SceneMessage, { type: K }>;

/**
 * One agent process of the paused-run scene: a real child process (tsx, like `npm run demo`),
 * its decisions handed to `onDecision` as they come, its other messages awaited with `until`.
 */
export class SceneProcess {
  private readonly child: ChildProcess;
  private readonly messages: SceneMessage[] = [];
  private readonly stderr: string[] = [];
  private wake: () => void = () => {};
  private exited: Promise<void>;

  constructor(env: Record<string, string>, onDecision: (event: ReportedDecision) => void) {
    this.child = spawn(process.execPath, ['--import', 'tsx', AGENT_ENTRY], {
      // The demo's own directory, so `.aegis/admin.key` and tsx resolve as they did for it.
      cwd: process.cwd(),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stderr?.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let message: SceneMessage;
      try {
        message = JSON.parse(line) as SceneMessage;
      } catch {
        return; // not ours (a library printing to stdout)
      }
      if (message.type === 'decision') onDecision(message.event);
      else this.messages.push(message);
      this.wake();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    void this.exited.then(() => this.wake());
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The next message of one of these types; fails if the process exits first or time runs out. */
  async until<K extends SceneMessage['type']>(types: K[], timeoutMs: number): Promise<Waited<K>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex((m) => (types as string[]).includes(m.type));
      if (i >= 0) return this.messages.splice(i, 1)[0] as Waited<K>;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `the scene's agent process exited (${this.child.exitCode ?? this.child.signalCode}) before "${types.join('/')}": ${this.stderr.join('').slice(-2000)}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no "${types.join('/')}" from the scene's agent process in ${timeoutMs} ms`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** SIGKILL: no shutdown code runs, as in a crash or a node being replaced. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
