// What a community page shows of working groups: its own goal, end date,
// cap and deliverables, and its linked working groups' deliverables.
import type { Community } from "../domain/community.ts";
import { childDeliverablesOf } from "../operations/deliverables.ts";
import type { AppServices } from "../services.ts";
import type { WorkingGroupView } from "./pages/working-groups.ts";

/**
 * Undefined when there is nothing to show. `contentVisible`: whether the
 * visitor may read the community's content (a closed community's
 * deliverables are for its members, like its posts).
 */
export async function workingGroupView(services: AppServices, community: Community, contentVisible: boolean): Promise<WorkingGroupView | undefined> {
  const { repos } = services;
  const isWorkingGroup = community.stream === "build" || community.archivedAt !== null;
  const own = isWorkingGroup && contentVisible ? await repos.deliverables.list(community.id) : null;
  const children = contentVisible
    ? (await childDeliverablesOf(services, community)).map((d) => ({
      id: encodeURIComponent(d.uri), title: d.title, status: d.status, due: d.due, resourceUri: d.resourceUri, group: d.group,
    }))
    : [];
  if (!isWorkingGroup && community.maxMembers === null && children.length === 0) return undefined;
  return {
    goal: community.goal,
    endsAt: community.endsAt,
    archivedAt: community.archivedAt,
    maxMembers: community.maxMembers,
    members: await repos.memberships.count(community.id, "accepted"),
    deliverables: own?.map((d) => ({ id: d.id, title: d.title, status: d.status, due: d.due, resourceUri: d.resourceUri })) ?? null,
    children,
  };
}
