/// <reference lib="webworker" />
/**
 * The service worker (served as /sw.js, scope /): shows the notification of
 * each push the app sends (lib/push/pushPayload.ts), tagged as the desktop
 * notification of the same line is, so one device shows it once; a click
 * focuses a window of the app on the line's window, or opens one.
 */
// @ts-check

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

sw.addEventListener("install", () => {
  sw.skipWaiting();
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(sw.clients.claim());
});

/**
 * The notification of a push's data; a push that is not the app's JSON
 * still shows something (a push must show a notification).
 * @param {unknown} data
 * @returns {{ title: string, options: NotificationOptions }}
 */
function notificationOf(data) {
  const push = typeof data === "object" && data !== null ? /** @type {Record<string, unknown>} */ (data) : {};
  const text = (value) => (typeof value === "string" ? value : "");
  const window = text(push.window);
  const nick = text(push.nick);
  const channel = /^[#&+!]/.test(window);
  const title = (channel ? `${window} · ` : "") + (nick || text(push.network) || "ircweb");
  const body = push.kind === "action" ? `* ${nick} ${text(push.text)}` : text(push.text);
  const url = text(push.url).startsWith("/") ? text(push.url) : "/";
  return {
    title,
    options: {
      body: body || "New message",
      tag: typeof push.id === "number" ? `ircweb-message-${push.id}` : "ircweb",
      icon: "/icons/icon-192.png",
      data: { url },
    },
  };
}

sw.addEventListener("push", (event) => {
  let data;
  try {
    data = event.data ? event.data.json() : undefined;
  } catch {
    data = undefined;
  }
  const { title, options } = notificationOf(data);
  event.waitUntil(sw.registration.showNotification(title, options));
});

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = event.notification.data && typeof event.notification.data.url === "string"
    ? event.notification.data.url
    : "/";
  // Only a page of this app: the URL came through a push service.
  const url = new URL(path, sw.location.origin);
  const target = url.origin === sw.location.origin ? url.href : sw.location.origin + "/";
  event.waitUntil((async () => {
    const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
    const same = windows.find((w) => w.url === target);
    if (same) return await same.focus();
    const any = windows.find((w) => new URL(w.url).origin === sw.location.origin);
    if (any) {
      const focused = await any.focus();
      return await (focused.navigate(target).catch(() => sw.clients.openWindow(target)));
    }
    return await sw.clients.openWindow(target);
  })());
});

// The browser renewed the subscription: tell the app the new one (the old
// endpoint answers 410 at the next push, and is forgotten then).
sw.addEventListener("pushsubscriptionchange", (event) => {
  const change =
    /** @type {Event & { waitUntil(p: Promise<unknown>): void, oldSubscription?: PushSubscription }} */ (
      /** @type {unknown} */ (event)
    );
  change.waitUntil((async () => {
    const old = change.oldSubscription;
    const key = await fetch("/api/push/key", { credentials: "same-origin" }).then((r) => r.json());
    const subscription = await sw.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: old?.options.applicationServerKey ?? key.public_key,
    });
    await fetch("/api/push/subscriptions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(subscription.toJSON()),
    });
  })());
});
