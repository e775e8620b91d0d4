// A benchmark helper process (bench/sink.ts, bench/sender.ts) driven over
// IPC, one request at a time: each command is answered by one message.
import { type ChildProcess, fork } from "node:child_process";

export interface Child {
  ask<T>(message: unknown): Promise<T>;
  /** Runs `cmd` with `args` in a child that answers with answerCommands; resolves to its value. */
  call<T>(cmd: string, ...args: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

/**
 * In a child process: says it is ready, then answers each
 * { cmd, args } with { ok, value } (or { error }) by running commands[cmd];
 * "stop" runs `stop`, answers and exits.
 */
export function answerCommands(commands: Record<string, (...args: any[]) => Promise<unknown>>, stop: () => Promise<void>): void {
  process.send?.({ ok: true });
  process.on("message", async (message: { cmd: string; args?: unknown[] }) => {
    try {
      if (message.cmd === "stop") {
        await stop();
        process.send?.({ ok: true });
        process.exit(0);
      }
      const command = Object.hasOwn(commands, message.cmd) ? commands[message.cmd] : undefined;
      if (!command) throw new Error(`unknown command ${message.cmd}`);
      process.send?.({ ok: true, value: await command(...(message.args ?? [])) });
    } catch (e) {
      process.send?.({ error: (e as Error).message });
    }
  });
  process.on("disconnect", () => process.exit(0));
}

export function forkChild(url: URL): Child {
  const child: ChildProcess = fork(url, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [] });
  let pending: Promise<unknown> = new Promise<void>((resolve, reject) => {
    child.once("message", () => resolve());
    child.once("error", reject);
  });
  return {
    ask<T>(message: unknown): Promise<T> {
      const next = pending.then(() => new Promise<T>((resolve, reject) => {
        const onExit = () => reject(new Error(`${url.pathname} exited`));
        child.once("exit", onExit);
        child.once("message", (reply: any) => {
          child.off("exit", onExit);
          if (reply?.error) reject(new Error(reply.error));
          else resolve(reply as T);
        });
        child.send(message as never);
      }));
      pending = next.catch(() => {});
      return next;
    },
    call<T>(cmd: string, ...args: unknown[]): Promise<T> {
      return this.ask<{ value: T }>({ cmd, args }).then((reply) => reply.value);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.send({ cmd: "stop" });
      const timer = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
