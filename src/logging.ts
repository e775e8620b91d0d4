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
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
    // Lets Fedify attach request and queue-message ids to every record.
    contextLocalStorage: new AsyncLocalStorage(),
  });
}
