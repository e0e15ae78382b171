/**
 * What a browser page gives the islands' modules, in Deno: the page's
 * address, against which their relative `fetch` and `EventSource` URLs
 * resolve (to a real local HTTP server), and the `<meta>` elements of the
 * page's head.
 *
 * @module
 */

/** Makes `base` the page's address and `meta` its `<meta name content>` elements. */
export function installPage(base: string, meta: Record<string, string> = {}): void {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) =>
    realFetch(typeof input === "string" ? new URL(input, base) : input, init);
  const RealEventSource = globalThis.EventSource;
  globalThis.EventSource = class extends RealEventSource {
    constructor(url: string | URL, init?: EventSourceInit) {
      super(new URL(url, base), init);
    }
  };
  const document = {
    querySelector(selector: string) {
      const name = /^meta\[name="([^"]+)"\]$/.exec(selector)?.[1];
      return name !== undefined && name in meta ? { content: meta[name] } : null;
    },
  };
  Object.defineProperty(globalThis, "document", { value: document, configurable: true });
}
