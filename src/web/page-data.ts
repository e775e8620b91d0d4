// Builds what the visitor pages and feeds render from the repositories:
// communities, posts with their authors, counts and links, rolled-up and
// cascaded posts with their provenance, moderators. Pages never touch the
// database; routes ask this.
import type { Federation } from "@fedify/fedify";
import { DEFAULT_DESCRIPTION } from "../config.ts";
import { type Community, rulesOf } from "../domain/community.ts";
import { parseAttachments } from "../domain/media.ts";
import { postPath } from "../domain/paths.ts";
import type { NetworkPostRow, PostRow } from "../db/schema.ts";
import type { AppServices } from "../services.ts";
import type { KnownGroup } from "./network-graph.ts";
import { NetworkData } from "./network-data.ts";
import { labelOf } from "./pages/network.ts";
import type { CommunitySummaryView, InstanceView, Lang, NetworkPostView, PostView, ThreadNode } from "./views.ts";

/** Built-in translations of the default instance description. */
const DEFAULT_DESCRIPTIONS: Readonly<Record<Lang, string>> = {
  en: DEFAULT_DESCRIPTION,
  fr: "Un serveur Praxis pour les communautés de pratique.",
};

export { postPath };

export class PageData {
  readonly services: AppServices;
  readonly network: NetworkData;
  readonly host: string;

  constructor(federation: Federation<AppServices>, services: AppServices) {
    this.services = services;
    this.network = new NetworkData(federation, services);
    this.host = new URL(services.config.origin).host;
  }

  /** The instance as pages show it, its description in `lang` when written. */
  instance(lang: Lang): InstanceView {
    const { config } = this.services;
    const own = config.instanceDescriptions[lang];
    const fallback = config.instanceDescription === DEFAULT_DESCRIPTION ? DEFAULT_DESCRIPTIONS[lang] : config.instanceDescription;
    const description = own ?? fallback;
    const descriptionLang = own !== undefined || config.instanceDescription === DEFAULT_DESCRIPTION ? lang : config.defaultLanguage;
    return {
      name: config.instanceName,
      description,
      ...(descriptionLang !== lang ? { descriptionLang } : {}),
      origin: config.origin,
      host: this.host,
    };
  }

  async summaryOf(community: Community): Promise<CommunitySummaryView> {
    return {
      slug: community.slug,
      name: community.name,
      summary: community.summary,
      scale: community.scale,
      stream: community.stream,
      languages: community.languages,
      closed: community.closed,
      memberCount: await this.services.repos.memberships.count(community.id),
      url: new URL(`/c/${community.slug}`, this.services.config.origin).href,
      handle: `@${community.slug}@${this.host}`,
    };
  }

  async details(community: Community) {
    return {
      ...(await this.summaryOf(community)),
      postingPolicy: community.postingPolicy,
      announcementOnly: community.announcementOnly,
      createdAt: community.createdAt,
      rules: rulesOf(community),
      moderators: await this.moderators(community),
    };
  }

  /** The fediverse actors of the community's moderators (those linked to one). */
  async moderators(community: Community): Promise<{ name: string; url: string | null }[]> {
    const { repos } = this.services;
    const accounts = (await repos.moderators.listAccounts(community.id)).filter((a) => a.actor_uri);
    const actors = await repos.remoteActors.getMany(accounts.map((a) => a.actor_uri!));
    return accounts.map((a) => {
      const actor = actors.get(a.actor_uri!);
      const name = actor?.name?.trim() ? `${actor.name.trim()}${actor.handle ? ` (${actor.handle})` : ""}` : actor?.handle ?? a.actor_uri!;
      return { name, url: actor?.url ?? a.actor_uri };
    });
  }

  /** Posts as cards: authors, permalinks, counts, "Reply to…" links. */
  async postViews(community: Community, rows: PostRow[], options: { counts?: boolean } = {}): Promise<PostView[]> {
    const { repos } = this.services;
    const authors = await repos.remoteActors.getMany([...new Set(rows.map((r) => r.author_uri))]);
    const uris = rows.map((r) => r.object_uri);
    const replies = options.counts ? await repos.posts.replyCounts(community.id, uris) : new Map<string, number>();
    const likes = options.counts ? await repos.reactions.likeCounts(community.id, uris) : new Map<string, number>();
    // "Reply to…" leads to the parent's page here when the parent is here.
    const parents = new Map<string, string>();
    for (const uri of new Set(rows.flatMap((r) => (r.in_reply_to ? [r.in_reply_to] : [])))) {
      const parent = await repos.posts.find(community.id, uri);
      if (parent && parent.deleted_at === null) parents.set(uri, postPath(community.slug, parent.id));
    }
    return rows.map((r) => {
      const author = authors.get(r.author_uri);
      return {
        id: r.id,
        permalink: postPath(community.slug, r.id),
        objectUri: r.object_uri,
        type: r.type,
        sensitive: r.sensitive === null ? null : r.sensitive === 1,
        url: r.url ?? r.object_uri,
        authorUri: r.author_uri,
        authorName: author?.name ?? null,
        authorHandle: author?.handle ?? null,
        contentHtml: r.content,
        name: r.name,
        summary: r.summary,
        startsAt: r.starts_at,
        endsAt: r.ends_at,
        location: r.location,
        published: r.published,
        inReplyTo: r.in_reply_to,
        inReplyToLink: r.in_reply_to ? parents.get(r.in_reply_to) ?? r.in_reply_to : null,
        pinned: r.pinned_at !== null,
        locked: r.locked_at !== null,
        language: r.language,
        attachments: parseAttachments(r.attachments),
        ...(options.counts ? { replyCount: replies.get(r.object_uri) ?? 0, likeCount: likes.get(r.object_uri) ?? 0 } : {}),
        gone: r.removed_at !== null ? "removed" : r.deleted_at !== null ? "deleted" : null,
      };
    });
  }

  /** The replies under a post, nested; gone replies stay as placeholders only where others hang under them. */
  async thread(community: Community, root: PostRow): Promise<ThreadNode[]> {
    const { repos } = this.services;
    const rows = await repos.posts.replies(community.id, root.object_uri);
    const views = await this.postViews(community, rows);
    const likes = await repos.reactions.likeCounts(community.id, rows.map((r) => r.object_uri));
    const byParent = new Map<string, ThreadNode[]>();
    rows.forEach((row, i) => {
      const node: ThreadNode = { post: { ...views[i], likeCount: likes.get(row.object_uri) ?? 0 }, replies: [] };
      const list = byParent.get(row.in_reply_to!) ?? [];
      list.push(node);
      byParent.set(row.in_reply_to!, list);
    });
    // Nested under its parent, a reply needs no "Reply to…" link.
    const attach = (uri: string): ThreadNode[] => (byParent.get(uri) ?? [])
      .map((node) => ({ post: { ...node.post, inReplyTo: null }, replies: attach(node.post.objectUri) }))
      .filter((node) => !node.post.gone || node.replies.length > 0);
    return attach(root.object_uri);
  }

  /** Posts that came along network links, with the community they came through. */
  async networkPostViews(rows: NetworkPostRow[], known: Map<string, KnownGroup>): Promise<NetworkPostView[]> {
    const { repos } = this.services;
    const authors = await repos.remoteActors.getMany([...new Set(rows.flatMap((r) => (r.author_uri === null ? [] : [r.author_uri])))]);
    const groups = new Map(known);
    for (const uri of new Set(rows.map((r) => r.via_uri))) {
      // A community no longer linked is still named from the cache.
      if (!groups.has(uri)) {
        const group = await this.network.group(uri);
        if (group) groups.set(uri, group);
      }
    }
    return rows.map((r) => {
      const via = groups.get(r.via_uri) ?? null;
      const author = r.author_uri === null ? undefined : authors.get(r.author_uri);
      return {
        objectUri: r.object_uri,
        url: r.url ?? r.object_uri,
        via: { uri: r.via_uri, name: labelOf(r.via_uri, via), url: via?.url ?? r.via_uri },
        authorUri: r.author_uri,
        authorName: author?.name ?? null,
        authorHandle: author?.handle ?? null,
        contentHtml: r.content,
        name: r.name,
        published: r.published ?? r.received_at,
        promoted: r.promoted_at !== null,
        language: r.language,
        attachments: parseAttachments(r.attachments),
      };
    });
  }
}
