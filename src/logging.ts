import { AsyncLocalStorage } from "node:async_hooks";
import { configure, getConsoleSink, type LogLevel } from "@logtape/logtape";

/**
 * Console logging for the server and CLI. Fedify logs under "fedify"; it is
 * kept at warning unless debugging, as it is chatty at info level.
 */
export async function setupLogging(level: LogLevel): Promise<void> {
  await configure({
    reset: true,
    sinks: { console: getConsoleSink() },
    loggers: [
      { category: "praxis", lowestLevel: level, sinks: ["console"] },
      { category: "fedify", lowestLevel: level === "debug" || level === "trace" ? level : "warning", sinks: ["console"] },
      // Praxis logs each failed delivery once itself (praxis.federation.delivery);
      // Fedify's per-attempt outbox errors are for debugging.
      {
        category: ["fedify", "federation", "outbox"],
        lowestLevel: level === "debug" || level === "trace" ? level : "fatal",
        sinks: ["console"],
        parentSinks: "override",
      },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
    // Lets Fedify attach request and queue-message ids to every record.
    contextLocalStorage: new AsyncLocalStorage(),
  });
}
