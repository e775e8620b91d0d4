// The console: sign-in, and pages where moderators and operators do what
// the CLI and the admin API do, through the same operations
// (src/operations/), recorded in the audit log as account:<username>.
// Server-rendered forms; every post carries the session's CSRF token and
// must come from this origin; a refused form is shown again with the
// message next to the field.
import type { Federation } from "@fedify/fedify";
import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { type Community, ValidationError } from "../../domain/community.ts";
import { mayModerateCommunity, mayOperateInstance } from "../../domain/credentials.ts";
import { PeerUnreachableError } from "../../federation/links.ts";
import { accountActor } from "../../operations/audit.ts";
import { getCommunity, NotFoundError, type Operations } from "../../operations/communities.ts";
import type { QueueHandles } from "../../operations/queue.ts";
import type { AppServices } from "../../services.ts";
import { noStore } from "../http.ts";
import { t } from "../i18n.ts";
import type { PageData } from "../page-data.ts";
import { renderErrorPage } from "../pages/error.ts";
import type { WebEnv } from "../public-origin.ts";
import { sameOrigin } from "../routes/same-origin.ts";
import type { Lang } from "../views.ts";
import { communityRoutes } from "./community.ts";
import { glossaryConsoleRoutes } from "./glossary.ts";
import { deliverableConsoleRoutes } from "./deliverables.ts";
import type { FormContext, FormState } from "./forms.ts";
import { instanceRoutes } from "./instance.ts";
import { renderConsolePage } from "./layout.ts";
import { consoleMeetingRoutes } from "./meetings.ts";
import { loginRoutes } from "./login.ts";
import { resourceConsoleRoutes } from "./resources.ts";
import { ConsoleForbidden, type ConsoleSession, csrfMatches, Sessions } from "./session.ts";

export interface ConsoleDeps {
  services: AppServices;
  federation: Federation<AppServices>;
  queue: QueueHandles | null;
  data: PageData;
  langOf: (c: Context) => Lang;
}

export interface ConsoleEnv {
  Variables: WebEnv["Variables"] & { session: ConsoleSession };
}
export type ConsoleContext = Context<ConsoleEnv>;

/** What a console page renderer gets. */
export interface PageContext {
  fc: FormContext;
  ops: Operations;
  lang: Lang;
  url: URL;
  flash: string | null;
  secret: string | null;
  /** The audit name of the signed-in account. */
  by: string;
}

/** The outcome of a form: a message for the next page, or a secret shown once on this one. */
export interface ActionResult {
  flash: string;
  secret?: string;
}

export { ConsoleForbidden } from "./session.ts";

const FLASH_COOKIE = "praxis_flash";

export class Console {
  readonly deps: ConsoleDeps;
  readonly sessions: Sessions;
  readonly ops: Operations;

  constructor(deps: ConsoleDeps) {
    this.deps = deps;
    this.sessions = new Sessions(deps.services);
    this.ops = { services: deps.services, federation: deps.federation };
  }

  pageContext(c: ConsoleContext, state: FormState | null = null, secret: string | null = null): PageContext {
    const lang = this.deps.langOf(c);
    const session = c.get("session");
    const raw = getCookie(c, FLASH_COOKIE);
    let flash: string | null = null;
    if (raw) {
      deleteCookie(c, FLASH_COOKIE, { path: "/console" });
      try {
        flash = Buffer.from(raw, "base64url").toString("utf8").slice(0, 500);
      } catch {
        flash = null;
      }
    }
    return {
      fc: { lang, session, state }, ops: this.ops, lang, url: new URL(c.req.url), flash, secret,
      by: accountActor(session.account.username),
    };
  }

  /** A console page as the response. */
  page(c: ConsoleContext, pc: PageContext, title: string, body: Parameters<typeof renderConsolePage>[0]["body"], status: 200 | 400 | 403 | 404 | 502 = 200): Response {
    return c.html(renderConsolePage({
      fc: pc.fc, instance: this.deps.data.instance(pc.lang), title, body, url: pc.url, flash: pc.flash, secret: pc.secret,
    }), status);
  }

  /** The community named in the path, if the signed-in account moderates it. */
  async community(c: ConsoleContext): Promise<Community> {
    const community = await getCommunity(this.ops, c.req.param("slug") ?? "");
    if (!mayModerateCommunity(c.get("session").principal, community.id)) throw new ConsoleForbidden();
    return community;
  }

  requireOperator(c: ConsoleContext): void {
    if (!mayOperateInstance(c.get("session").principal)) throw new ConsoleForbidden();
  }

  /**
   * A form post: runs `run` with the form's fields; on success, redirects
   * to `back` with its message (or shows a secret once); on bad input,
   * renders the page again with the message next to the field named by the
   * operation (renamed with `fields`).
   */
  action(options: {
    formId: (form: Record<string, string>) => string;
    fields?: Record<string, string>;
    run: (c: ConsoleContext, form: Record<string, string>, pc: PageContext) => Promise<ActionResult>;
    render: (c: ConsoleContext, pc: PageContext) => Promise<Response>;
    back: (c: ConsoleContext) => string;
  }) {
    return async (c: ConsoleContext) => {
      const body = await c.req.parseBody();
      const form: Record<string, string> = {};
      for (const [k, v] of Object.entries(body)) if (typeof v === "string") form[k] = v;
      if (!csrfMatches(c.get("session"), form._csrf)) return this.refuse(c, "console.csrf");
      delete form._csrf;
      // Which form on the page this was (the form says), for showing its errors.
      const formId = typeof form._form === "string" && /^[\w:.-]{1,300}$/.test(form._form) ? form._form : options.formId(form);
      delete form._form;
      try {
        const result = await options.run(c, form, this.pageContext(c));
        if (result.secret) return options.render(c, { ...this.pageContext(c, null, result.secret), flash: result.flash });
        setCookie(c, FLASH_COOKIE, Buffer.from(result.flash, "utf8").toString("base64url"), {
          path: "/console", httpOnly: true, sameSite: "Lax", maxAge: 60, secure: new URL(this.deps.services.config.origin).protocol === "https:",
        });
        return c.redirect(options.back(c), 303);
      } catch (error) {
        const lang = this.deps.langOf(c);
        let status: 400 | 404 | 502;
        let errors: Record<string, string>;
        if (error instanceof ValidationError) {
          const detail = error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field.length + 2) : error.message;
          const name = options.fields?.[error.field] ?? error.field;
          status = 400;
          errors = { [name in form || options.fields?.[error.field] ? name : "_form"]: `${t(lang, "console.invalid")} ${detail}` };
        } else if (error instanceof NotFoundError) {
          status = 404;
          errors = { _form: t(lang, "console.notFound", { detail: error.message }) };
        } else if (error instanceof PeerUnreachableError) {
          status = 502;
          errors = { _form: t(lang, "console.unreachable", { detail: error.message }) };
        } else {
          throw error;
        }
        const pc = this.pageContext(c, { form: formId, errors, values: form });
        const res = await options.render(c, pc);
        return new Response(res.body, { status, headers: res.headers });
      }
    };
  }

  refuse(c: Context, key: "console.csrf" | "console.forbidden" | "login.expired"): Response {
    const lang = this.deps.langOf(c);
    return c.html(renderErrorPage({ instance: this.deps.data.instance(lang), status: 403, detail: t(lang, key) }, lang), 403);
  }
}

export function consoleRoutes(deps: ConsoleDeps): Hono<WebEnv> {
  const app = new Hono<ConsoleEnv>();
  const console = new Console(deps);
  const guard = sameOrigin(deps.services.config.origin, (c) => console.refuse(c, "console.csrf"));

  app.onError((error, c) => {
    if (error instanceof ConsoleForbidden) return console.refuse(c, "console.forbidden");
    if (error instanceof NotFoundError) {
      const lang = deps.langOf(c);
      return c.html(renderErrorPage({ instance: deps.data.instance(lang), status: 404, detail: error.message }, lang), 404);
    }
    throw error;
  });

  // Every console response: never stored; form posts only from this origin.
  app.use("/login", noStore, guard);
  app.use("/logout", noStore, guard);
  app.use("/console", noStore, guard);
  app.use("/console/*", noStore, guard);

  // Signed-in pages: a page without a session leads to the sign-in; a form
  // post without one is refused.
  const signedIn = async (c: ConsoleContext, next: () => Promise<void>) => {
    const session = await console.sessions.current(c);
    if (!session) {
      if (c.req.method === "GET") return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
      return console.refuse(c, "login.expired");
    }
    c.set("session", session);
    await next();
  };
  app.use("/console", signedIn);
  app.use("/console/*", signedIn);

  app.route("/", loginRoutes(console));
  app.route("/console", instanceRoutes(console));
  app.route("/console/c", resourceConsoleRoutes(console));
  app.route("/console/c", deliverableConsoleRoutes(console));
  app.route("/console/c", communityRoutes(console));
  app.route("/console/c", consoleMeetingRoutes(console));
  app.route("/console/c", glossaryConsoleRoutes(console));
  return app as unknown as Hono<WebEnv>;
}
