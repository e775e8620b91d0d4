// Accounts (operators only): list, create, show, reset a password, delete.
import { Hono } from "hono";
import { z } from "zod";
import { ROLES } from "../../domain/credentials.ts";
import { accountView, createAccount, deleteAccount, getAccount, listAccounts, resetPassword } from "../../operations/accounts.ts";
import { type AdminEnv, ApiError, caller, jsonBody, requireOperator } from "./support.ts";

const newAccount = z.strictObject({
  username: z.string({ error: "required, a string" }).min(1).max(32),
  role: z.enum(ROLES).default("moderator"),
  actor: z.string().min(1).max(2048).nullish(),
  password: z.string().min(12, "must be at least 12 characters long").max(1024).nullish(),
});

const newPassword = z.strictObject({
  password: z.string().min(12, "must be at least 12 characters long").max(1024).nullish(),
});

export function accountsRouter(): Hono<AdminEnv> {
  const r = new Hono<AdminEnv>();
  r.use("*", async (c, next) => {
    requireOperator(c);
    await next();
  });

  r.get("/", async (c) => c.json({ accounts: await listAccounts(c.get("ops")) }));

  r.post("/", async (c) => {
    const input = await jsonBody(c, newAccount);
    const { account, generatedPassword } = await createAccount(c.get("ops"), input, caller(c));
    return c.json({ account, ...(generatedPassword ? { password: generatedPassword } : {}) }, 201);
  });

  r.get("/:username", async (c) => c.json(await accountView(c.get("ops"), await getAccount(c.get("ops"), c.req.param("username")))));

  r.post("/:username/reset-password", async (c) => {
    const { password } = await jsonBody(c, newPassword);
    const generated = await resetPassword(c.get("ops"), c.req.param("username"), password ?? null, caller(c));
    return c.json(generated ? { password: generated } : { ok: true });
  });

  r.delete("/:username", async (c) => {
    const username = c.req.param("username");
    if (username === c.get("principal").username) {
      throw new ApiError(409, "conflict", "An operator cannot delete their own account through the API; use the CLI.");
    }
    await deleteAccount(c.get("ops"), username, caller(c));
    return c.body(null, 204);
  });
  return r;
}
