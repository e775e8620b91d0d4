// "Follow from your server" and "Reply or like from your server": the form
// posts here and the visitor is sent (303) to their own server's
// interaction page. Only same-origin form posts are accepted (Origin
// check), so a link elsewhere cannot bounce visitors through this server.
import { type Context, Hono } from "hono";
import { ValidationError } from "../../domain/community.ts";
import { interactionUrl, visitorServer } from "../../domain/remote-interaction.ts";
import { t } from "../i18n.ts";
import { noStore } from "../http.ts";
import type { PageData } from "../page-data.ts";
import { renderErrorPage } from "../pages/error.ts";
import { renderFollowBox } from "../pages/follow.ts";
import { renderLayout } from "../pages/layout.ts";
import type { WebEnv } from "../public-origin.ts";
import { html } from "../sanitize.ts";
import type { Lang } from "../views.ts";
import { sameOrigin } from "./same-origin.ts";

export function followRoutes({ data, langOf }: { data: PageData; langOf: (c: Context) => Lang }): Hono<WebEnv> {
  const r = new Hono<WebEnv>();
  const { repos, config, domainPolicy } = data.services;
  const lang = langOf;
  const guard = sameOrigin(config.origin, (c) => c.html(renderErrorPage({ instance: data.instance(lang(c)), status: 403 }, lang(c)), 403));

  async function answer(c: Context<WebEnv>, target: { uri: string; name: string; action: string; handle?: string; mode: "follow" | "interact" }) {
    const l = lang(c);
    const form = await c.req.parseBody();
    const account = typeof form.account === "string" ? form.account : "";
    let error: string;
    try {
      const server = visitorServer(account);
      if (await domainPolicy.allowsUri(server.href)) return c.redirect(interactionUrl(server, target.uri), 303);
      error = t(l, "follow.refused", { host: server.host });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      error = t(l, "follow.invalid");
    }
    const body = html`<h1>${target.name}</h1>
${renderFollowBox({ action: target.action, handle: target.handle, value: account, error, mode: target.mode }, l)}
<p><a href="/c/${c.req.param("slug") ?? ""}">${t(l, "collection.goBack", { name: target.name })}</a></p>`;
    return c.html(renderLayout({ lang: l, title: target.name, instance: data.instance(l), body, noindex: true }), 400);
  }

  r.post("/c/:slug/follow", noStore, guard, async (c) => {
    const community = await repos.communities.findBySlug(c.req.param("slug"));
    if (!community || community.deletedAt) return c.html(renderErrorPage({ instance: data.instance(lang(c)), status: 404 }, lang(c)), 404);
    const summary = await data.summaryOf(community);
    return answer(c, { uri: summary.url, name: community.name, action: `/c/${community.slug}/follow`, handle: summary.handle, mode: "follow" });
  });

  r.post("/c/:slug/posts/:id/interact", noStore, guard, async (c) => {
    const community = await repos.communities.findBySlug(c.req.param("slug"));
    const post = await repos.posts.byId(c.req.param("id"));
    if (!community || community.deletedAt || !post || post.community_id !== community.id || post.deleted_at !== null || post.removed_at !== null) {
      return c.html(renderErrorPage({ instance: data.instance(lang(c)), status: 404 }, lang(c)), 404);
    }
    return answer(c, { uri: post.object_uri, name: community.name, action: `/c/${community.slug}/posts/${post.id}/interact`, mode: "interact" });
  });

  return r;
}
