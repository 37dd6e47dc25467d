// Keys and session tokens never reach text a user can log: anything that comes from the runtime or
// from a custom fetch (an error message, a stack, a cause) is scrubbed before it goes into an
// error, a hook payload or a stream failure.

/** `sk_test_…4242`: enough to tell keys apart, not enough to use one. */
export function mask(secret: string): string {
  const prefix = /^[a-z]+_(?:(?:test|live)_)?/.exec(secret)?.[0] ?? '';
  return `${prefix}…${secret.length > prefix.length + 8 ? secret.slice(-4) : ''}`;
}

export type Scrub = (text: string) => string;

/** A scrubber for the secrets that `secrets()` yields at the time of each call. */
export function scrubberOf(secrets: () => Iterable<string>): Scrub {
  return (text) => {
    let out = text;
    for (const secret of secrets()) {
      if (secret.length >= 8 && out.includes(secret)) out = out.split(secret).join(mask(secret));
    }
    return out;
  };
}

/** A copy of an error (and its causes) whose text is scrubbed; keeps name and Node's code fields. */
export function scrubbedError(error: unknown, scrub: Scrub, depth = 0): Error {
  if (!(error instanceof Error)) return new Error(scrub(String(error)));
  const cause = (error as { cause?: unknown }).cause;
  const copy = new Error(scrub(error.message), cause === undefined || depth > 4 ? undefined : { cause: scrubbedError(cause, scrub, depth + 1) });
  copy.name = error.name;
  copy.stack = scrub(error.stack ?? `${error.name}: ${error.message}`);
  for (const key of ['code', 'errno', 'syscall'] as const) {
    const value: unknown = Reflect.get(error, key);
    if (typeof value === 'string' || typeof value === 'number') Object.assign(copy, { [key]: typeof value === 'string' ? scrub(value) : value });
  }
  return copy;
}
