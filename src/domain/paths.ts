// Addresses of Praxis's own pages that more than one layer mints.

/** A post's page on Praxis (its permalink), relative to the public origin. */
export function postPath(slug: string, postId: string): string {
  return `/c/${slug}/posts/${postId}`;
}
