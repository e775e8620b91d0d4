// Admin API tokens: operators see and manage all, moderators their own.
import { Hono } from "hono";
import { z } from "zod";
import { mayOperateInstance } from "../../domain/credentials.ts";
import { createToken, getToken, listTokens, revokeToken } from "../../operations/accounts.ts";
import { type AdminEnv, caller, forbidden, jsonBody } from "./support.ts";

const newToken = z.strictObject({
  username: z.string().min(1).max(32).optional(),
  name: z.string().trim().min(1).max(100).nullish(),
});

export function tokensRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();

  r.get("/", async (c) => {
    const principal = c.get("principal");
    const tokens = await listTokens(c.get("ops"), mayOperateInstance(principal) ? {} : { username: principal.username });
    return c.json({ tokens });
  });

  r.post("/", async (c) => {
    const principal = c.get("principal");
    const input = await jsonBody(c, newToken);
    const username = input.username ?? principal.username;
    if (username !== principal.username && !mayOperateInstance(principal)) throw forbidden("Moderators may only create tokens for themselves.");
    const { token, info } = await createToken(c.get("ops"), username, input.name ?? null, caller(c));
    return c.json({ ...info, token }, 201);
  });

  r.delete("/:id", async (c) => {
    const principal = c.get("principal");
    const token = await getToken(c.get("ops"), c.req.param("id"));
    if (token.username !== principal.username && !mayOperateInstance(principal)) throw forbidden("Moderators may only revoke their own tokens.");
    await revokeToken(c.get("ops"), token.id, caller(c));
    return c.body(null, 204);
  });
  return r;
}
