/**
 * A separate process that publishes one message on the service bus: the
 * other end of the cross-process bus tests. Run with the same narrow
 * network and environment permissions as a worker:
 * `deno run --allow-net=<db address> --allow-env=... busPublisher.ts <channel> <json>`
 * with `DATABASE_URL` set. It prints `published` once PostgreSQL took it.
 *
 * @module
 */
import { createDb } from "../../lib/db/database.ts";
import { ServiceBus } from "../../lib/serviceBus.ts";

const url = Deno.env.get("DATABASE_URL");
const [channel, json, countText] = Deno.args;
if (!url || !channel || json === undefined) {
  console.error("usage: DATABASE_URL=... busPublisher.ts <channel> <json> [count]");
  Deno.exit(2);
}
const db = createDb(url, { maxConnections: 1 });
const bus = new ServiceBus({ url, db, processBus: true });
for (let i = 0; i < Number(countText ?? "1"); i++) {
  await ServiceBus.publish(channel, JSON.parse(json));
}
console.log("published");
// A receiver may look the sender's session up (who sent it): it must still be there.
const hold = Number(Deno.env.get("HOLD_MS") ?? "0");
if (hold > 0) await new Promise((resolve) => setTimeout(resolve, hold));
await bus.close();
await db.destroy();
