/// <reference lib="dom" />
/**
 * Desktop notifications (the Notification API) of what is said to the user
 * while the tab is hidden, by each window's level (`lib/push/notifyRule.ts`),
 * each tagged with its message, so the hidden tabs of one browser raise one
 * between them; and turning Web Push on and off in this browser
 * (`/sw.js` shows the pushes, tagged alike).
 *
 * @module
 */
import { isChannelName } from "../lib/ircCommand.ts";
import { stripIrcFormatting } from "../lib/ircFormat.ts";
import type { MessageJson } from "../lib/messages.ts";
import { type NotifyContext, worthNotifying } from "../lib/push/notifyRule.ts";
import { apiRequest } from "./api.ts";

export { type NotifyContext, worthNotifying };

/** Whether the browser lets the app notify, asks first, or refuses (or has no notifications). */
export function notificationPermission(): NotificationPermission | "unsupported" {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

/** Asks the user for permission to notify (from a click); what they answered. */
export async function askNotificationPermission(): Promise<NotificationPermission | "unsupported"> {
  if (typeof Notification === "undefined") return "unsupported";
  return await Notification.requestPermission();
}

/** Raises the notification of `message` if it is one and the tab is hidden; whether it did. */
export function notifyIfHidden(message: MessageJson, context: NotifyContext, windowUrl: string): boolean {
  if (typeof document === "undefined" || document.visibilityState !== "hidden") return false;
  if (notificationPermission() !== "granted" || !worthNotifying(message, context)) return false;
  const where = message.target && isChannelName(message.target) ? `${message.target} · ` : "";
  const body = stripIrcFormatting(message.content).slice(0, 300);
  try {
    const notification = new Notification(`${where}${message.sender ?? context.serverName}`, {
      body: message.message_type === "action" ? `* ${message.sender} ${body}` : body,
      tag: `ircweb-message-${message.id}`,
    });
    notification.onclick = () => {
      globalThis.focus();
      if (location.pathname !== windowUrl) location.assign(windowUrl);
      notification.close();
    };
    return true;
  } catch {
    // Some browsers allow notifications only from a service worker.
    return false;
  }
}

/** Where Web Push stands in this browser for this user. */
export type PushState = "unsupported" | "denied" | "off" | "on";

/** What turning push on or off came to. */
export type PushChange = { ok: true; state: PushState } | { ok: false; error: string };

/** Whether this browser has what Web Push needs (a service worker, PushManager, notifications). */
export function pushSupported(): boolean {
  return typeof navigator !== "undefined" && "serviceWorker" in navigator && "PushManager" in globalThis &&
    typeof Notification !== "undefined";
}

/** Whether push is on here: this browser holds a subscription the app keeps for the user. */
export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "denied";
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return "off";
  const kept = await apiRequest<{ endpoint: string }[]>("GET", "/api/push/subscriptions");
  return kept.ok && kept.data.some((s) => s.endpoint === subscription.endpoint) ? "on" : "off";
}

/**
 * Turns push on (from a click): asks for permission, registers the
 * service worker (`/sw.js`), subscribes with the app's VAPID key and hands
 * the subscription to the app.
 */
export async function enablePush(): Promise<PushChange> {
  if (!pushSupported()) return { ok: false, error: "This browser has no Web Push" };
  if (await Notification.requestPermission() !== "granted") {
    return {
      ok: false,
      error: "Notifications are blocked for this site: allow them in the browser's settings",
    };
  }
  const key = await apiRequest<{ public_key: string }>("GET", "/api/push/key");
  if (!key.ok) return { ok: false, error: key.error };
  let subscription: PushSubscription;
  try {
    await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    const registration = await navigator.serviceWorker.ready;
    const applicationServerKey = base64UrlBytes(key.data.public_key);
    const existing = await registration.pushManager.getSubscription();
    // One made with another key (the app's keys were made anew) cannot be pushed to.
    if (existing && !sameBytes(existing.options.applicationServerKey, applicationServerKey)) {
      await existing.unsubscribe();
    }
    subscription = (existing && sameBytes(existing.options.applicationServerKey, applicationServerKey))
      ? existing
      : await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
  } catch (error) {
    return {
      ok: false,
      error: `The browser could not subscribe: ${error instanceof Error ? error.message : error}`,
    };
  }
  const saved = await apiRequest("POST", "/api/push/subscriptions", subscription.toJSON());
  return saved.ok ? { ok: true, state: "on" } : { ok: false, error: saved.error };
}

/** Turns push off in this browser: the app forgets the subscription, and the browser drops it. */
export async function disablePush(): Promise<PushChange> {
  if (!pushSupported()) return { ok: true, state: "unsupported" };
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = await registration?.pushManager.getSubscription();
  if (!subscription) return { ok: true, state: "off" };
  const forgotten = await apiRequest("DELETE", "/api/push/subscriptions", {
    endpoint: subscription.endpoint,
  });
  if (!forgotten.ok && forgotten.status !== 404) return { ok: false, error: forgotten.error };
  await subscription.unsubscribe().catch(() => false);
  return { ok: true, state: "off" };
}

function base64UrlBytes(text: string): Uint8Array<ArrayBuffer> {
  const plain = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(plain + "=".repeat((4 - plain.length % 4) % 4)), (c) => c.charCodeAt(0));
}

function sameBytes(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const bytes = new Uint8Array(a);
  return bytes.every((byte, i) => byte === b[i]);
}
