// A promise of a list's first page that also walks every item across pages, fetching the next
// page only when the previous one is used up.
import { StripeAPIError, StripeInvalidParameterError } from './errors.js';
import type { Page } from './types.js';

export const MAX_AUTO_PAGING_TO_ARRAY = 10_000;

/** Cursor params for the next page: exactly one of starting_after / ending_before. */
export type Cursor = { starting_after: string } | { ending_before: string };

/**
 * What `list()` and `listEventSummaries()` return. Awaiting it gives the first page;
 * `for await (const item of it)` walks every item across pages (`starting_after` the last id,
 * or backwards with `ending_before` when the first call used it, as the official package does).
 */
export class ListPromise<T extends { id: string }> extends Promise<Page<T>> implements AsyncIterable<T> {
  // `then` must build plain promises: this class's constructor is not an executor constructor.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  readonly #fetchPage: (cursor?: Cursor) => Promise<Page<T>>;
  readonly #backwards: boolean;
  readonly #firstCursor: string | undefined;

  private constructor(fetchPage: (cursor?: Cursor) => Promise<Page<T>>, params: unknown) {
    let settle: [(page: Page<T>) => void, (reason: unknown) => void] | undefined;
    super((resolve, reject) => {
      settle = [resolve, reject];
    });
    // The first page is fetched at once, as the official package does. Nobody may ever await it
    // (a caller that only iterates, or whose autoPagingToArray call was refused): its failure then
    // must not become an unhandled rejection. Awaiting or iterating still sees it.
    Promise.prototype.then.call(this, undefined, () => undefined);
    if (settle !== undefined) fetchPage().then(...settle);
    this.#fetchPage = fetchPage;
    const { starting_after, ending_before } = (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown>;
    this.#backwards = ending_before !== undefined;
    const first = this.#backwards ? ending_before : starting_after;
    this.#firstCursor = typeof first === 'string' ? first : undefined;
  }

  /** @internal `fetchPage()` gives the first page; `params` are the first call's (only its cursors are read). */
  static of<T extends { id: string }>(fetchPage: (cursor?: Cursor) => Promise<Page<T>>, params: unknown): ListPromise<T> {
    return new ListPromise(fetchPage, params);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    const backwards = this.#backwards;
    let page: Page<T> = await this;
    const seen = new Set([this.#firstCursor]);
    for (;;) {
      const { data } = page;
      // What a page must be to page on; anything else stops the walk instead of paging forever.
      const broken = (what: string) => new StripeAPIError({ message: `Stripe answered ${what}`, statusCode: page.lastResponse.statusCode });
      if (!Array.isArray(data)) throw broken('a list without a data array');
      for (let i = 0; i < data.length; i++) yield data[backwards ? data.length - 1 - i : i] as T;
      if (page.has_more !== true) return;
      if (data.length === 0) throw broken('has_more: true with an empty page; stopping instead of paging forever');
      const cursor = data[backwards ? 0 : data.length - 1]?.id;
      if (typeof cursor !== 'string' || cursor === '') throw broken('a list item without an id to page from');
      if (seen.has(cursor)) throw broken(`the same page again (cursor ${cursor}); stopping instead of paging forever`);
      seen.add(cursor);
      page = await this.#fetchPage(backwards ? { ending_before: cursor } : { starting_after: cursor });
    }
  }

  /** Calls `onItem` for every item, in order, across pages; returning `false` stops. */
  async autoPagingEach(onItem: (item: T) => unknown): Promise<void> {
    if (typeof onItem !== 'function') throw new StripeInvalidParameterError('onItem', 'autoPagingEach needs a function');
    for await (const item of this) if ((await onItem(item)) === false) return;
  }

  /** Collects up to `limit` items (at most 10,000) across pages. */
  async autoPagingToArray(options: { limit: number }): Promise<T[]> {
    const limit = (options as { limit?: unknown } | undefined)?.limit as number;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_AUTO_PAGING_TO_ARRAY) {
      throw new StripeInvalidParameterError(
        'limit',
        `autoPagingToArray needs a limit from 1 to ${MAX_AUTO_PAGING_TO_ARRAY} (got ${String(limit)}); use for await or autoPagingEach for longer lists`,
      );
    }
    const items: T[] = [];
    for await (const item of this) if (items.push(item) >= limit) break;
    return items;
  }
}
