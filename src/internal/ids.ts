// Fresh random ids: an Idempotency-Key per logical POST, an identifier per meter event (Stripe
// dedupes identifiers for 24 hours; at most 100 characters).
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

export function newIdentifier(): string {
  return globalThis.crypto.randomUUID();
}
