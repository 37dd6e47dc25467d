import type { WithLastResponse } from './options.js';
import type { List } from './types.js';

/**
 * What `list()` and `listEventSummaries()` return: a promise of the first page. Auto-pagination
 * (`for await`, `autoPagingEach`, `autoPagingToArray`) will be added to this same type.
 */
export interface ListPromise<T> extends Promise<WithLastResponse<List<T>>> {}
