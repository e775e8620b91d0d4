// A benchmark helper process (bench/sink.ts, bench/sender.ts) driven over
// IPC, one request at a time: each command is answered by one message.
import { type ChildProcess, fork } from "node:child_process";

export interface Child {
  ask<T>(message: unknown): Promise<T>;
  stop(): Promise<void>;
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
