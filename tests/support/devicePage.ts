/**
 * One of a user's devices in a browser test: a page of its own browser
 * context (its own storage and cookies), logged in as the test user.
 */
import type { Browser, Page } from "playwright-core";
import { logIn } from "./browserApp.ts";

/** A new device's page on `base`, logged in, waiting at most `timeoutMs` for anything it does. */
export async function openDevice(browser: Browser, base: string, timeoutMs: number): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 700 } })).newPage();
  page.setDefaultTimeout(timeoutMs);
  await logIn(page, base);
  return page;
}
