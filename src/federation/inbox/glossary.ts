// Definition changes an ancestor pushes along a followed link (Create,
// Update, Delete of an object under its own /glossary/): the communities
// here that inherit from it read its glossary again, from its origin, at
// once (src/federation/glossary-inheritance.ts). The activity's payload is
// not trusted: only its verified sender and the object's place matter.
import type { InboxContext } from "@fedify/fedify";
import type { Activity } from "@fedify/vocab";
import { getLogger } from "@logtape/logtape";
import type { AppServices } from "../../services.ts";
import { ENTRY_PATH } from "../glossary.ts";
import { ancestorGlossaryChanged } from "../glossary-inheritance.ts";
import { ignoring } from "./ignoring.ts";

const logger = getLogger(["praxis", "federation", "inbox", "glossary"]);

type Listener<T extends Activity> = (ctx: InboxContext<AppServices>, activity: T) => Promise<void> | void;

/** Whether the activity is about one of its actor's own glossary definitions. */
export function isGlossaryChange(activity: Activity): boolean {
  const actor = activity.actorId;
  const object = activity.objectId;
  if (!actor || !object) return false;
  return ENTRY_PATH.test(object.pathname) && object.href.startsWith(`${actor.href.replace(/\/$/, "")}/glossary/`);
}

/** Handles definition changes; hands every other activity to `next`. */
export function glossaryOr<T extends Activity>(next: Listener<T>): Listener<T> {
  return async (ctx, activity) => {
    if (!isGlossaryChange(activity)) return next(ctx, activity);
    const ancestor = activity.actorId!.href;
    const n = await ancestorGlossaryChanged(ctx, ancestor);
    if (n === 0) return ignoring(activity, "no community here inherits the glossary of {actor}", { actor: ancestor });
    logger.info("{actor} changed its glossary; {n} communities read it again", { actor: ancestor, n });
  };
}
