/**
 * Subscribing a browser test's page to Web Push through the API, as the
 * settings page's own code posts it, for subscriptions the test made itself
 * (headless Chromium has no push service to subscribe with).
 */
import type { Page } from "playwright-core";
import type { TestSubscription } from "./pushService.ts";

/** Posts `subscription` from `page` (with its session); resolves with the answer's status. */
export function postPushSubscription(page: Page, subscription: TestSubscription): Promise<number> {
  return page.evaluate(async (body) => {
    const response = await fetch("/api/push/subscriptions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return response.status;
  }, subscription);
}
