// Stripe's list pages: newest first, `limit` items, `starting_after` continues towards older
// items, `ending_before` towards newer ones (the page nearest the cursor), `has_more` says whether
// more lie in that direction.

export interface PageRequest {
  limit: number;
  /** Sort key of the starting_after cursor. */
  after?: number | undefined;
  /** Sort key of the ending_before cursor. */
  before?: number | undefined;
}

/** `items` are sorted by `key`, descending, keys unique. */
export function page<T>(items: readonly T[], key: (item: T) => number, request: PageRequest): { data: T[]; has_more: boolean } {
  const { limit, after, before } = request;
  if (before !== undefined) {
    const newer = items.filter((item) => key(item) > before);
    return { data: newer.slice(Math.max(0, newer.length - limit)), has_more: newer.length > limit };
  }
  const older = after === undefined ? items : items.filter((item) => key(item) < after);
  return { data: older.slice(0, limit), has_more: older.length > limit };
}
