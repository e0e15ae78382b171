/**
 * The windows the navigation of a page lists, in their order, as a browser
 * test reads and waits for them.
 */
import type { Page } from "playwright-core";
import { assertEquals, waitFor } from "./assert.ts";

/** The windows of the navigation, in order. */
export function navWindows(page: Page): Promise<string[]> {
  return page.locator(".server-nav .nav-window .nav-name").allInnerTexts();
}

/** Waits up to `timeoutMs` for the navigation to list `expected`; fails showing what it listed. */
export async function waitForNavWindows(page: Page, expected: string[], timeoutMs: number): Promise<void> {
  let seen: string[] = [];
  await waitFor(
    async () => {
      seen = await navWindows(page);
      return JSON.stringify(seen) === JSON.stringify(expected);
    },
    timeoutMs,
    `windows ${JSON.stringify(expected)}`,
  ).catch(() => assertEquals(seen, expected, "the windows"));
}
