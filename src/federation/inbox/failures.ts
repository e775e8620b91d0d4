// Which inbox handler failures are worth a retry. Fedify retries every
// handler that throws (up to ten times over hours), which is right for a
// database fault or a peer that is briefly down, and a retry storm for bad
// input: an object that 404s, an id that is not an http(s) URL, a document
// that does not parse will fail the same way every time. Those are rejected
// once: logged at info and acknowledged.
import { FetchError, type InboxContext, UrlError } from "@fedify/fedify";
import type { Activity } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { AppServices } from "../../services.ts";

const logger = getLogger(["praxis", "federation", "inbox"]);

/**
 * `level` is info for what remote input plainly causes (a 404, a document
 * that does not parse), warning for a TypeError, which may also be a bug.
 */
export type InputFailure = { permanent: true; reason: string; level: "info" | "warning" } | { permanent: false };

const UNFETCHABLE_SCHEME = /unknown scheme|not implemented|invalid url|unsupported protocol/i;

/** Whether `error`, thrown while handling a remote activity, comes from the input and would recur. */
export function classifyHandlerFailure(error: unknown): InputFailure {
  if (!(error instanceof Error)) return { permanent: false };
  const reason = error.message.slice(0, 300);
  if (error instanceof FetchError) {
    // An id that is no http(s) URL (urn:, data:, javascript:) can never be fetched.
    if (error.url.protocol !== "http:" && error.url.protocol !== "https:") return { permanent: true, reason, level: "info" };
    const status = error.response?.status;
    // 4xx but 408 and 429: the remote says the document is not there for us.
    if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) return { permanent: true, reason, level: "info" };
    return { permanent: false };
  }
  if (error instanceof UrlError || error.name.startsWith("jsonld.") || error instanceof SyntaxError || error instanceof RangeError) {
    return { permanent: true, reason, level: "info" };
  }
  if (error instanceof TypeError) {
    if (error.message !== "fetch failed") return { permanent: true, reason, level: "warning" }; // parsing and validation
    const cause = (error as { cause?: unknown }).cause;
    const causeMessage = cause instanceof Error ? cause.message : String(cause ?? "");
    if (UNFETCHABLE_SCHEME.test(causeMessage)) return { permanent: true, reason: `${reason}: ${causeMessage}`.slice(0, 300), level: "info" };
  }
  return { permanent: false };
}

/**
 * A listener whose failures caused by its input reject the activity once
 * (logged, acknowledged) instead of having Fedify retry it for hours; other
 * failures are rethrown for Fedify to retry.
 */
export function rejectOnce<T extends Activity>(listener: (ctx: InboxContext<AppServices>, activity: T) => Promise<void> | void) {
  return async (ctx: InboxContext<AppServices>, activity: T): Promise<void> => {
    try {
      await listener(ctx, activity);
    } catch (error) {
      const failure = classifyHandlerFailure(error);
      if (!failure.permanent) throw error;
      logger[failure.level]("Rejected {type} {id}: {reason}", { type: activity.constructor.name, id: activity.id?.href, reason: failure.reason });
    }
  };
}

