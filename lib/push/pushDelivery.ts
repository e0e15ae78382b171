/**
 * Sending one push (RFC 8030): web-push signs it with the app's VAPID key
 * and encrypts the payload to the browser's key (RFC 8291, aes128gcm); the
 * request goes out through `fetch`, which follows no redirect (an endpoint
 * may only be where it was checked to be) and gives up after a while.
 *
 * @module
 */
import webpush from "web-push";
import type { VapidKeys } from "./vapid.ts";
import type { PushSubscriptionRecord } from "./subscriptions.ts";

/** How long a push service may take to answer, ms. */
export const PUSH_TIMEOUT_MS = 10_000;

/** How one push went. */
export type PushResult =
  /** The push service took it (201). */
  | { kind: "sent"; status: number }
  /** The push service says the subscription is no more (404, 410): forget it. */
  | { kind: "gone"; status: number }
  /** Anything else, with why. */
  | { kind: "failed"; status: number | undefined; error: string };

/** What signing and sending need besides the subscription and the text. */
export interface PushSendOptions {
  vapid: VapidKeys;
  /** The VAPID `sub`: a `mailto:` or `https:` URL the push service may reach the operator at. */
  subject: string;
  /** Seconds the push service keeps it for a browser that is away. */
  ttlSeconds: number;
  urgency?: "very-low" | "low" | "normal" | "high";
}

/** Sends `payload` (JSON text) to `subscription`. */
export async function sendPush(
  subscription: PushSubscriptionRecord,
  payload: string,
  options: PushSendOptions,
): Promise<PushResult> {
  let details: ReturnType<typeof webpush.generateRequestDetails>;
  try {
    details = webpush.generateRequestDetails(
      { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
      payload,
      {
        vapidDetails: {
          subject: options.subject,
          publicKey: options.vapid.publicKey,
          privateKey: options.vapid.privateKey,
        },
        TTL: options.ttlSeconds,
        urgency: options.urgency ?? "normal",
        contentEncoding: "aes128gcm",
      },
    );
  } catch (error) {
    return { kind: "failed", status: undefined, error: `could not encrypt: ${describe(error)}` };
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(details.headers)) {
    // fetch sets the length of the body itself.
    if (name.toLowerCase() !== "content-length" && value !== undefined) headers.set(name, String(value));
  }
  let response: Response;
  try {
    response = await fetch(details.endpoint, {
      method: "POST",
      headers,
      body: details.body ? new Uint8Array(details.body) : undefined,
      redirect: "manual",
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
  } catch (error) {
    return { kind: "failed", status: undefined, error: `push service unreachable: ${describe(error)}` };
  }
  // The answer's body is a push service's diagnostic at most.
  const text = (await response.text().catch(() => "")).slice(0, 200);
  if (response.status === 404 || response.status === 410) return { kind: "gone", status: response.status };
  if (response.ok) return { kind: "sent", status: response.status };
  return {
    kind: "failed",
    status: response.status,
    error: `push service answered ${response.status}${text ? `: ${text}` : ""}`,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
