/// <reference lib="dom" />
/**
 * The tab's title and icon tell how many mentions wait unread: `(3) #ruby ·
 * ircweb` and a badge with the count on the icon, so a user in another tab
 * sees they are wanted. Nothing waiting: the page's own title, no icon.
 *
 * @module
 */

let baseTitle: string | undefined;

/** The `<link rel=icon>` of `count` mentions: a data URL (no request; the CSP allows `data:` images). */
export function mentionIcon(count: number): string {
  if (count <= 0) return "data:,";
  const text = count > 99 ? "99+" : String(count);
  const size = text.length > 2 ? 26 : text.length > 1 ? 34 : 40;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">` +
    `<circle cx="32" cy="32" r="30" fill="#d93025"/>` +
    `<text x="32" y="${32 + size * 0.36}" font-family="sans-serif" font-weight="700" font-size="${size}" ` +
    `text-anchor="middle" fill="#fff">${text}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** The title with `count` mentions waiting in front of `title`. */
export function titleWithMentions(title: string, count: number): string {
  return count > 0 ? `(${count > 99 ? "99+" : count}) ${title}` : title;
}

/** Shows `count` mentions in the tab's title and icon. */
export function showMentionCount(count: number): void {
  if (typeof document === "undefined" || !document.head) return;
  baseTitle ??= document.title;
  const title = titleWithMentions(baseTitle, count);
  if (document.title !== title) document.title = title;
  let icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!icon) {
    icon = document.createElement("link");
    icon.rel = "icon";
    document.head.append(icon);
  }
  const href = mentionIcon(count);
  if (icon.getAttribute("href") !== href) icon.setAttribute("href", href);
}
