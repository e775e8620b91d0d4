// Every payload Praxis does not act on is logged once, at info level, with
// the reason, so that an operator can tell why something did not appear.
import { getLogger } from "@logtape/logtape";

const logger = getLogger(["praxis", "federation", "inbox"]);

/** Logs why `activity` was not acted on. `reason` may use {placeholders} from `values`. */
export function ignoring(activity: { id: URL | null }, reason: string, values: Record<string, unknown> = {}): void {
  logger.info(`Ignoring {id}: ${reason}`, { id: activity.id?.href ?? "(no id)", ...values });
}
