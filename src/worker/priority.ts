// The queue worker yields the CPU to the web server: it runs at a higher
// nice value (queue.workerNice), so that while both are busy, as during a
// burst of inbox deliveries, the kernel runs the thread that answers
// requests first and the worker in the time left. A remote server is never
// kept waiting for a 202 by a relay it does not need at once; the worker's
// throughput is unchanged when the web server is idle.
//
// On Linux a nice value belongs to a thread (a task), not to the process:
// the worker thread of role "all" lowers its own task only, and a worker
// process lowers each of its tasks (threads created later inherit it).
// Elsewhere only a whole process can be lowered.
import { readdirSync, readlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getLogger } from "@logtape/logtape";

const logger = getLogger(["praxis", "worker"]);

export interface PriorityOutcome {
  /** The nice value now in force for the worker, or null if it could not be changed. */
  nice: number | null;
  /** Why it could not be changed, for the log. */
  reason?: string;
}

/** The ids of the tasks to lower: this thread's on Linux, or every task of the process. */
function tasks(scope: "thread" | "process"): number[] | null {
  try {
    if (scope === "thread") return [Number(path.basename(readlinkSync("/proc/thread-self")))];
    return readdirSync("/proc/self/task").map(Number).filter((id) => Number.isInteger(id) && id > 0);
  } catch {
    return null;
  }
}

/**
 * Raises the nice value of this thread (`scope: "thread"`) or of the whole
 * process to `nice`; never lowers it (an operator who started Praxis with
 * `nice -n 15` keeps 15), and never needs privileges. Says in the log when
 * it could not.
 */
export function yieldToRequests(nice: number, scope: "thread" | "process"): PriorityOutcome {
  if (nice <= 0) return { nice: null, reason: "queue.workerNice is 0" };
  const outcome = lower(nice, scope);
  if (outcome.nice === null) logger.info("The queue worker runs at the web server's priority: {reason}", { reason: outcome.reason });
  return outcome;
}

function lower(nice: number, scope: "thread" | "process"): PriorityOutcome {
  const ids = tasks(scope);
  try {
    if (ids === null) {
      if (scope === "thread") return { nice: null, reason: "a thread's priority can only be set on Linux" };
      const target = Math.max(os.getPriority(), nice);
      os.setPriority(target);
      return { nice: target };
    }
    let applied = nice;
    for (const id of ids) {
      let current: number;
      try {
        current = os.getPriority(id);
      } catch {
        continue; // a task that has just ended
      }
      const target = Math.max(current, nice);
      if (target !== current) os.setPriority(id, target);
      applied = Math.max(applied, target);
    }
    return { nice: applied };
  } catch (e) {
    return { nice: null, reason: e instanceof Error ? e.message : String(e) };
  }
}
