import { type Actor, getActorTypeName } from "@fedify/vocab";
import type { RemoteActorRepository } from "../db/repositories/remote-actors.ts";

/** Caches what Praxis needs to show and reach a remote actor. */
export async function rememberActor(repo: RemoteActorRepository, actor: Actor): Promise<void> {
  if (!actor.id) return;
  const username = actor.preferredUsername?.toString();
  let iconUrl: string | null = null;
  try {
    const icon = await actor.getIcon({ suppressError: true });
    const url = icon?.url;
    iconUrl = url instanceof URL ? url.href : url?.href?.href ?? null;
  } catch {
    iconUrl = null;
  }
  const url = actor.url;
  await repo.upsert({
    uri: actor.id.href,
    handle: username ? `@${username}@${actor.id.host}` : null,
    type: getActorTypeName(actor),
    name: actor.name?.toString() ?? null,
    inbox: actor.inboxId?.href ?? null,
    sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
    url: url instanceof URL ? url.href : url?.href?.href ?? null,
    iconUrl,
  });
}
