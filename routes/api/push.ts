/**
 * Web Push (docs/api.md, "Push"): the app's VAPID public key, and a
 * browser's subscription kept or forgotten, for the user making the request.
 * Each change is told on the bus, so the sender of every app instance
 * follows the user (`lib/push/pushSender.ts`).
 *
 * @module
 */
import { type Context, Hono } from "hono";
import type { Db } from "../../lib/db/database.ts";
import type { TargetPolicy } from "../../lib/ircTargets.ts";
import { errorMessage, logger } from "../../lib/log.ts";
import { PUSH_SUBSCRIPTIONS_CHANNEL } from "../../lib/push/pushSender.ts";
import { endpointRefusal, pushTargetPolicy } from "../../lib/push/pushTargets.ts";
import { deleteSubscription, parseSubscription, saveSubscription } from "../../lib/push/subscriptions.ts";
import { vapidKeys } from "../../lib/push/vapid.ts";
import type { ServiceBus } from "../../lib/serviceBus.ts";
import type { AuthEnv } from "../middleware/auth.ts";
import { invalid, isObject, readJson } from "./json.ts";

/** What the push routes need. */
export interface PushRouteDeps {
  db: Db;
  /** Where subscription changes are told; without one, only this process's sender could learn of them. */
  bus?: ServiceBus;
  /** Where endpoints may be besides public addresses; `ALLOWED_PUSH_TARGETS` by default. */
  targets?: TargetPolicy;
}

const log = logger("push");

/** The push routes, under `/api`. */
export function pushRoutes(deps: PushRouteDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  const { db } = deps;
  const told = (c: Context<AuthEnv>) => {
    const userId = c.get("user").id;
    deps.bus?.publish(PUSH_SUBSCRIPTIONS_CHANNEL, { user_id: userId }).catch((error) =>
      log.warn(`push subscriptions of user ${userId} not announced: ${errorMessage(error)}`)
    );
  };

  app.get("/push/key", async (c) => c.json({ public_key: (await vapidKeys(db)).publicKey }));

  app.get("/push/subscriptions", async (c) => {
    const rows = await db.selectFrom("push_subscriptions").select(["endpoint", "created_at"])
      .where("user_id", "=", c.get("user").id).orderBy("id").execute();
    return c.json(rows.map((r) => ({ endpoint: r.endpoint, created_at: r.created_at.toISOString() })));
  });

  app.post("/push/subscriptions", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    const parsed = parseSubscription(body.value);
    if (!parsed.ok) return invalid(c, parsed.field, parsed.error);
    const refused = await endpointRefusal(parsed.subscription.endpoint, deps.targets ?? pushTargetPolicy());
    if (refused !== undefined) return invalid(c, "endpoint", refused);
    await saveSubscription(db, c.get("user").id, parsed.subscription);
    told(c);
    return c.json({ endpoint: parsed.subscription.endpoint }, 201);
  });

  app.delete("/push/subscriptions", async (c) => {
    const body = await readJson(c);
    if (!body.ok) return body.response;
    if (!isObject(body.value) || typeof body.value.endpoint !== "string") {
      return invalid(c, "endpoint", "endpoint is required (the subscription's push service URL)");
    }
    if (!await deleteSubscription(db, c.get("user").id, body.value.endpoint)) {
      return c.json({ error: "No such subscription" }, 404);
    }
    told(c);
    return c.body(null, 204);
  });
  return app;
}
