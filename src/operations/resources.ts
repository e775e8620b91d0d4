// The resource centre: add, list, edit (a new version each time), remove a
// community's resources and read their history. Shared by the CLI, the
// admin API and the console.
import { finishedDeliverablesOfArchivedChildren } from "./deliverables.ts";
import type { ResourceRow } from "../db/schema.ts";
import type { Community } from "../domain/community.ts";
import { ValidationError } from "../domain/community.ts";
import {
  parseKind, parseResourceLanguage, validateResourceUrl, validateSource, validateTitle,
} from "../domain/resources.ts";
import { resourceUri } from "../federation/resource-objects.ts";
import { announceNewResource, sendResourceDelete, sendResourceUpdate } from "../federation/resources.ts";
import { renderMarkdown } from "../web/markdown.ts";
import { contextOf, getCommunity, NotFoundError, type Operations } from "./communities.ts";

export interface ResourceInput {
  title?: string;
  /** A link resource (a Document). */
  url?: string;
  /** An article's Markdown source (an Article). */
  markdown?: string;
  kind?: string;
  language?: string;
}

export interface ResourceView {
  id: string;
  /** The ActivityPub id of the Article or Document (its page too). */
  uri: string;
  /** A Deliverable is a working group's finished result, listed with the resources (not editable here). */
  type: "Article" | "Document" | "Deliverable";
  title: string;
  /** The link a Document points to; an Article's page. */
  url: string;
  kind: string;
  language: string | null;
  version: number;
  practiceStatus: string | null;
  createdAt: string;
  updatedAt: string;
  /** For a Deliverable: the archived working group it comes from. */
  workingGroup?: { uri: string; name: string | null };
}

export interface ResourceVersionView {
  version: number;
  title: string;
  kind: string;
  language: string | null;
  url: string | null;
  markdown: string | null;
  html: string | null;
  author: string;
  createdAt: string;
}

export function resourceView(ops: Operations, community: Community, r: ResourceRow): ResourceView {
  const uri = resourceUri(contextOf(ops), community.slug, r).href;
  return {
    id: r.id, uri, type: r.form === "article" ? "Article" : "Document", title: r.title, url: r.form === "article" ? uri : r.url!,
    kind: r.kind, language: r.language, version: r.version, practiceStatus: r.practice_status, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

/** A live resource of the community, by id or by a unique prefix of at least 6 characters. */
export async function findResource(ops: Operations, community: Community, id: string): Promise<ResourceRow> {
  const { repos } = ops.services;
  const exact = await repos.resources.get(community.id, id);
  if (exact && !exact.deleted_at) return exact;
  const matches = id.length >= 6 ? (await repos.resources.list(community.id)).filter((r) => r.id.startsWith(id)) : [];
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) throw new ValidationError("id", `"${id}" matches several resources; give more of the id`);
  throw new NotFoundError(`No resource ${id} in ${community.slug} (see: praxis resource list ${community.slug})`);
}

function content(input: ResourceInput, base: Partial<ResourceRow> = {}) {
  const markdown = input.markdown !== undefined ? validateSource(input.markdown) : base.source ?? null;
  return {
    title: input.title !== undefined ? validateTitle(input.title) : base.title!,
    kind: input.kind !== undefined ? parseKind(input.kind) : base.kind ?? "other",
    language: input.language !== undefined ? parseResourceLanguage(input.language) : base.language ?? null,
    url: input.url !== undefined ? validateResourceUrl(input.url) : base.url ?? null,
    source: markdown,
    html: input.markdown !== undefined ? renderMarkdown(markdown!) : base.html ?? null,
  };
}

/** Adds a resource, announces it to the followers and pins it (featured). */
export async function addResource(ops: Operations, slug: string, input: ResourceInput, by: string): Promise<ResourceView> {
  const community = await getCommunity(ops, slug);
  if (input.title === undefined) throw new ValidationError("title", "required");
  if ((input.url === undefined) === (input.markdown === undefined)) {
    throw new ValidationError(input.url === undefined ? "url" : "file", "give exactly one of a URL (a link) or a Markdown file (an article)");
  }
  const c = content(input);
  const { repos } = ops.services;
  const r = await repos.resources.create(community.id, input.url !== undefined ? "link" : "article", c, by);
  await announceNewResource(contextOf(ops), community, r);
  await repos.audit.record({ actor: by, action: "resource.add", communityId: community.id, target: r.id, details: { title: r.title, kind: r.kind } });
  return resourceView(ops, community, r);
}

/**
 * The resource centre: the community's own resources, then the finished
 * deliverables of its archived working groups (sub-communities of the Build
 * stream), which the centre lists as their results.
 */
export async function listResources(ops: Operations, slug: string): Promise<ResourceView[]> {
  const community = await getCommunity(ops, slug);
  const own = (await ops.services.repos.resources.list(community.id)).map((r) => resourceView(ops, community, r));
  const results: ResourceView[] = (await finishedDeliverablesOfArchivedChildren(ops, slug)).map((d) => ({
    id: d.deliverableUri, uri: d.deliverableUri, type: "Deliverable", title: d.title, url: d.url, kind: "other", language: null,
    version: 1, practiceStatus: null, createdAt: d.updatedAt, updatedAt: d.updatedAt, workingGroup: d.community,
  }));
  return [...own, ...results];
}

export async function getResource(ops: Operations, slug: string, id: string): Promise<ResourceView> {
  const community = await getCommunity(ops, slug);
  return resourceView(ops, community, await findResource(ops, community, id));
}

/** Edits a resource: a new version, kept in its history, sent as `Update`. */
export async function updateResource(ops: Operations, slug: string, id: string, input: ResourceInput, by: string): Promise<ResourceView> {
  const community = await getCommunity(ops, slug);
  const r = await findResource(ops, community, id);
  if (r.form === "article" && input.url !== undefined) {
    throw new ValidationError("url", "this resource is an article (Markdown); give --file, or remove it and add a link");
  }
  if (r.form === "link" && input.markdown !== undefined) {
    throw new ValidationError("file", "this resource is a link; give --url, or remove it and add an article");
  }
  const next = content(input, r);
  const changed = (Object.keys(next) as (keyof typeof next)[]).some((k) => next[k] !== r[k]);
  if (!changed) throw new ValidationError("options", "nothing to change; pass at least one of --title, --url/--file, --kind, --language with a new value");
  const updated = await ops.services.repos.resources.addVersion(r, next, by);
  await sendResourceUpdate(contextOf(ops), community, updated);
  await ops.services.repos.audit.record({ actor: by, action: "resource.update", communityId: community.id, target: r.id, details: { version: updated.version } });
  return resourceView(ops, community, updated);
}

/** Removes a resource: `Remove` from featured, `Delete`, withdrawn along links. */
export async function removeResource(ops: Operations, slug: string, id: string, by: string): Promise<ResourceView> {
  const community = await getCommunity(ops, slug);
  const r = await findResource(ops, community, id);
  await ops.services.repos.resources.markDeleted(r.id);
  await sendResourceDelete(contextOf(ops), community, r);
  await ops.services.repos.audit.record({ actor: by, action: "resource.remove", communityId: community.id, target: r.id });
  return resourceView(ops, community, r);
}

export async function resourceHistory(ops: Operations, slug: string, id: string): Promise<ResourceVersionView[]> {
  const community = await getCommunity(ops, slug);
  const r = await findResource(ops, community, id);
  return (await ops.services.repos.resources.versions(r.id)).map((v) => ({
    version: v.version, title: v.title, kind: v.kind, language: v.language, url: v.url, markdown: v.source, html: v.html,
    author: v.author, createdAt: v.created_at,
  }));
}

/** The live local resource a URI names, with its community, if any. */
export async function localResourceOf(ops: Operations, uri: string): Promise<{ community: Community; resource: ResourceRow } | null> {
  const ctx = contextOf(ops);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  if (url.origin !== new URL(ops.services.config.origin).origin) return null;
  const parsed = ctx.parseUri(url);
  if (parsed?.type !== "object") return null;
  const { identifier, id } = parsed.values;
  if (!identifier || !id) return null;
  const community = await ops.services.repos.communities.findBySlug(identifier);
  if (!community || community.deletedAt) return null;
  const resource = await ops.services.repos.resources.get(community.id, id);
  if (!resource || resource.deleted_at || resourceUri(ctx, community.slug, resource).href !== url.href) return null;
  return { community, resource };
}

/**
 * A resource of a verified sub-community on this server, held for
 * promotion as if it had arrived through the link (it did not need to
 * travel). Returns null when the URI is no such resource.
 */
export async function holdLocalChildResource(ops: Operations, parent: Community, uri: string) {
  const local = await localResourceOf(ops, uri);
  if (!local || local.community.closed) return null;
  const ctx = contextOf(ops);
  const childUri = ctx.getActorUri(local.community.slug).href;
  const link = await ops.services.repos.links.get(parent.id, childUri);
  if (link?.status !== "active" || link.relation !== "child") return null;
  const r = local.resource;
  await ops.services.repos.networkPosts.insertIfAbsent({
    communityId: parent.id, objectUri: uri, viaUri: childUri, direction: "up", authorUri: childUri,
    name: r.title, content: r.html, url: r.form === "link" ? r.url : uri, tags: [], published: r.created_at,
  });
  return ops.services.repos.networkPosts.find(parent.id, uri);
}
