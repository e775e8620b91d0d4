// A browser that opens one of a community's ActivityPub addresses (outbox,
// followers, featured…) gets a page that says what the address is for and
// leads to the community's page, rather than "not found".
import { t, type TextKey } from "../i18n.ts";
import { html } from "../sanitize.ts";
import type { InstanceView, Lang } from "../views.ts";
import { renderLayout } from "./layout.ts";

export const COLLECTION_NAMES = [
  "outbox", "followers", "following", "featured", "moderators", "inbox", "subcommunities", "parentCommunities",
] as const;
export type CollectionName = (typeof COLLECTION_NAMES)[number];

export function renderCollectionPage(view: { instance: InstanceView; community: { slug: string; name: string }; collection: CollectionName }, lang: Lang): string {
  const { instance, community } = view;
  const what = t(lang, `collection.${view.collection}` as TextKey);
  const body = html`<h1>${community.name}</h1>
<p>${t(lang, "collection.explain", { what })}</p>
<p><a class="button" href="/c/${community.slug}">${t(lang, "collection.goBack", { name: community.name })}</a></p>`;
  return renderLayout({ lang, title: community.name, instance, body, noindex: true });
}
