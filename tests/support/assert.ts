/**
 * The assertions the tests use, on top of `node:assert` (`@std/assert`
 * lives on JSR, which these machines cannot reach).
 *
 * @module
 */
import nodeAssert from "node:assert/strict";

/** Fails unless `actual` deeply equals `expected`. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message ?? "values differ");
}

/** Fails unless `condition` is truthy. */
export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  nodeAssert.ok(condition, message);
}

/** Fails unless `text` matches `pattern`. */
export function assertMatch(text: string, pattern: RegExp, message?: string): void {
  nodeAssert.match(text, pattern, message ?? `${JSON.stringify(text)} does not match ${pattern}`);
}

/**
 * Fails unless `fn` throws an instance of `ErrorClass` whose message
 * includes `includes`; returns that error.
 */
export function assertThrows<E extends Error>(
  fn: () => unknown,
  // deno-lint-ignore no-explicit-any -- any constructor of E
  ErrorClass: new (...args: any[]) => E,
  includes?: string,
): E {
  try {
    fn();
  } catch (error) {
    nodeAssert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${error}`);
    if (includes !== undefined) {
      nodeAssert.ok(error.message.includes(includes), `"${error.message}" does not include "${includes}"`);
    }
    return error;
  }
  throw new nodeAssert.AssertionError({ message: `expected ${ErrorClass.name} to be thrown` });
}

/**
 * Fails unless `fn` rejects with an instance of `ErrorClass` whose message
 * includes `includes`; returns that error.
 */
export async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  // deno-lint-ignore no-explicit-any -- any constructor of E
  ErrorClass: new (...args: any[]) => E,
  includes?: string,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    nodeAssert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${error}`);
    if (includes !== undefined) {
      nodeAssert.ok(error.message.includes(includes), `"${error.message}" does not include "${includes}"`);
    }
    return error;
  }
  throw new nodeAssert.AssertionError({ message: `expected a rejection with ${ErrorClass.name}` });
}

/** Waits until `check` returns something other than `undefined`/`false`, polling. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
