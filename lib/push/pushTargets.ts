/**
 * Where the app may send pushes: a subscription's endpoint is a URL the
 * browser hands over, and the app POSTs to it, so an endpoint inside the
 * app's own network is refused as an IRC server there is (`lib/ircTargets.ts`),
 * unless the operator allows it with `ALLOWED_PUSH_TARGETS` (same syntax).
 *
 * @module
 */
import { parseAllowedTargets, resolvedTargetRefusal, type TargetPolicy } from "../ircTargets.ts";

/** Longest endpoint URL taken (push services' are a few hundred characters). */
export const MAX_ENDPOINT_LENGTH = 2048;

let processPolicy: TargetPolicy | undefined;

/** This process's `ALLOWED_PUSH_TARGETS`, read once; public addresses only when unset. */
export function pushTargetPolicy(): TargetPolicy {
  return processPolicy ??= parseAllowedTargets(Deno.env.get("ALLOWED_PUSH_TARGETS"));
}

/**
 * Why the app may not send to `endpoint`, as the user reads it; `undefined`
 * when it may. An `https:` URL whose host resolves to public addresses only
 * (or to ones `policy` allows); plain `http:` only where the operator
 * allows other targets at all, since every real push service speaks TLS.
 * `resolve` stands in for the system's resolver in tests of names.
 */
export async function endpointRefusal(
  endpoint: string,
  policy: TargetPolicy,
  resolve?: (host: string) => Promise<string[]>,
): Promise<string | undefined> {
  if (endpoint.length > MAX_ENDPOINT_LENGTH) {
    return `The push endpoint is longer than ${MAX_ENDPOINT_LENGTH} characters`;
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "The push endpoint is not a URL";
  }
  const operatorAllowsMore = policy.any || policy.ranges.length > 0 || policy.hosts.size > 0;
  if (url.protocol !== "https:" && !(url.protocol === "http:" && operatorAllowsMore)) {
    return "The push endpoint must be an https: URL";
  }
  if (url.username !== "" || url.password !== "") return "The push endpoint may not carry a user name";
  const refused = await resolvedTargetRefusal(policy, url.hostname, resolve);
  return refused === undefined
    ? undefined
    : `The push endpoint ${url.host} is not a public address: set ALLOWED_PUSH_TARGETS to allow it`;
}
