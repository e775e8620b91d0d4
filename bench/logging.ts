// Logging in the benchmarks: as in production (src/logging.ts, with its
// per-message context storage), at warning level for Praxis and error level
// for Fedify, whose warnings about the test peers' actors would drown the tables.
import { AsyncLocalStorage } from "node:async_hooks";
import { configure, getConsoleSink } from "@logtape/logtape";

export async function benchLogging(): Promise<void> {
  await configure({
    reset: true,
    sinks: { console: getConsoleSink() },
    loggers: [
      { category: "praxis", lowestLevel: "warning", sinks: ["console"] },
      { category: "fedify", lowestLevel: "error", sinks: ["console"] },
      { category: ["fedify", "federation", "outbox"], lowestLevel: "fatal", sinks: ["console"], parentSinks: "override" },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
    contextLocalStorage: new AsyncLocalStorage(),
  });
}
