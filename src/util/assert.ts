/** Exhaustiveness and invariant helpers shared by every layer. */

/** Ends a `switch` over a discriminated union; a new variant breaks the build here. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`internal error: unexpected ${what}: ${JSON.stringify(value)}`);
}

/** Asserts an internal invariant. The message should say which invariant broke. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`internal error: invariant violated: ${message}`);
}
