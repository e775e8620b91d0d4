// The audit log: operators read all of it; moderators read the entries of a
// community they moderate (?community=<slug> is then required).
import { Hono } from "hono";
import { z } from "zod";
import { mayOperateInstance } from "../../domain/credentials.ts";
import { listAudit, MAX_AUDIT_LIMIT } from "../../operations/audit.ts";
import { type AdminEnv, communityInScope, forbidden, queryParams } from "./support.ts";

const auditQuery = z.strictObject({
  community: z.string().min(1).max(64).optional(),
  limit: z.coerce.number({ error: "expected an integer" }).int("expected an integer").min(1).max(MAX_AUDIT_LIMIT).default(100),
});

export function auditRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();
  r.get("/", async (c) => {
    const { community, limit } = queryParams(c, auditQuery);
    if (community) await communityInScope(c, community);
    else if (!mayOperateInstance(c.get("principal"))) {
      throw forbidden("Moderators read the audit log of one of their communities: add ?community=<slug>.");
    }
    return c.json({ entries: await listAudit(c.get("ops"), { community, limit }) });
  });
  return r;
}
