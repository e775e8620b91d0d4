// The federation policy (operators only): domain blocks and the allow-list.
import { Hono } from "hono";
import { z } from "zod";
import {
  allowDomain, blockDomain, disallowDomain, listDomainAllows, listDomainBlocks, unblockDomain,
} from "../../operations/domains.ts";
import { type AdminEnv, caller, jsonBody, requireOperator } from "./support.ts";

const blockBody = z.strictObject({
  host: z.string({ error: "required: a host name such as example.com" }).min(1).max(253),
  reason: z.string().max(1000).nullish(),
});
const allowBody = z.strictObject({ host: z.string({ error: "required: a host name such as example.com" }).min(1).max(253) });

export function domainsRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();
  r.use("/domain-blocks/*", async (c, next) => {
    requireOperator(c);
    await next();
  });
  r.use("/domain-blocks", async (c, next) => {
    requireOperator(c);
    await next();
  });
  r.use("/domain-allows/*", async (c, next) => {
    requireOperator(c);
    await next();
  });
  r.use("/domain-allows", async (c, next) => {
    requireOperator(c);
    await next();
  });

  r.get("/domain-blocks", async (c) => c.json({ blocks: await listDomainBlocks(c.get("ops")) }));
  r.post("/domain-blocks", async (c) => {
    const { host, reason } = await jsonBody(c, blockBody);
    const result = await blockDomain(c.get("ops"), host, reason ?? null, caller(c));
    return c.json(result, result.created ? 201 : 200);
  });
  r.delete("/domain-blocks/:host", async (c) => {
    await unblockDomain(c.get("ops"), c.req.param("host"), caller(c));
    return c.body(null, 204);
  });

  r.get("/domain-allows", async (c) => c.json({
    mode: c.get("ops").services.config.federation.mode,
    allows: await listDomainAllows(c.get("ops")),
  }));
  r.post("/domain-allows", async (c) => {
    const { host } = await jsonBody(c, allowBody);
    const result = await allowDomain(c.get("ops"), host, caller(c));
    return c.json(result, result.created ? 201 : 200);
  });
  r.delete("/domain-allows/:host", async (c) => {
    await disallowDomain(c.get("ops"), c.req.param("host"), caller(c));
    return c.body(null, 204);
  });
  return r;
}
