import { assert } from "../support/assert.ts";
import { isOutage, isRejection } from "../../workers/databaseErrors.ts";

Deno.test("databaseErrors: a database away or busy is an outage, by SQLSTATE class", () => {
  for (const code of ["08006", "08001", "53300", "57P01", "57P03", "58030", "40001", "40P01", "55P03"]) {
    assert(isOutage({ code }), code);
    assert(!isRejection({ code }), code);
  }
  for (const code of ["23505", "22021", "42P01", "55000", "XX000"]) {
    assert(!isOutage({ code }), code);
    assert(isRejection({ code }), code);
  }
});

Deno.test("databaseErrors: the socket's and Deno's connection errors are outages", () => {
  for (const code of ["ECONNREFUSED", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN"]) {
    assert(isOutage({ code }), code);
  }
  for (const name of ["ConnectionRefused", "ConnectionReset", "BrokenPipe", "TimedOut", "NotConnected"]) {
    assert(isOutage(Object.assign(new Error("x"), { name })), name);
  }
  assert(isOutage(new Error("Client has encountered a connection error and is not queryable")));
  assert(isOutage(new Error("timeout exceeded when trying to connect")));
  // The words must open the message: a refusal quoting them is still a refusal.
  assert(!isOutage(new Error('invalid input: "Connection terminated"')));
});

Deno.test("databaseErrors: wrapped errors are judged by what they wrap", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  assert(isOutage(new AggregateError([refused, { code: "ETIMEDOUT" }])), "every address failed");
  assert(!isOutage(new AggregateError([refused, { code: "23505" }])), "one answered and refused");
  assert(!isOutage(new AggregateError([])), "nothing inside");
  assert(isOutage(new Error("query failed", { cause: refused })));
  assert(!isOutage(new Error("query failed", { cause: { code: "23505" } })));
  const loop: { message: string; cause?: unknown } = { message: "loop" };
  loop.cause = loop;
  assert(!isOutage(loop), "an error that is its own cause ends the walk");
  for (const value of [null, undefined, "ECONNREFUSED", 57]) assert(!isOutage(value), String(value));
});
