/**
 * The HTML around every page, and rendering a page to a string: the body
 * first, to learn whether it holds islands, then the document, which links
 * the islands bundle only when it does.
 *
 * @module
 */
import type { ComponentChildren } from "preact";
import { renderToString } from "preact-render-to-string";
import type { AssetBundle } from "../../lib/assets.ts";
import { IslandContext, type IslandUse } from "./island.tsx";

/** What a page tells its layout. */
export interface PageOptions {
  /** The page's title (the app's name is added). */
  title: string;
  assets: AssetBundle;
  /** A class on `<body>`, for page-specific layout. */
  bodyClass?: string;
  /** The live stream's cursor at rendering time, for pages that show live data. */
  eventCursor?: string;
  /** The user's theme (`auto`, the default: the system's). */
  theme?: "auto" | "light" | "dark";
}

/** Renders a whole page: `<!DOCTYPE html>` and the document around `body`. */
export function renderPage(options: PageOptions, body: ComponentChildren): string {
  const use: IslandUse = { used: false };
  const bodyHtml = renderToString(<IslandContext.Provider value={use}>{body}</IslandContext.Provider>);
  const { assets } = options;
  const document = (
    <html lang="en" data-theme={options.theme && options.theme !== "auto" ? options.theme : undefined}>
      <head>
        <meta charset="utf-8" />
        {/* The on-screen keyboard shrinks the layout, so the input line stays above it. */}
        <meta
          name="viewport"
          content="width=device-width, initial-scale=1, interactive-widget=resizes-content"
        />
        <meta
          name="color-scheme"
          content={options.theme && options.theme !== "auto" ? options.theme : "light dark"}
        />
        <title>{`${options.title} · ircweb`}</title>
        {/* No favicon request: the app has none (the islands draw the mention count on it). */}
        <link rel="icon" href="data:," />
        {/* Installable (a PWA): the manifest, and the colour of the browser's bar. */}
        <link rel="manifest" href="/manifest.webmanifest" />
        <meta name="theme-color" content="#2f5fd0" />
        <link rel="apple-touch-icon" href="/icons/icon-192.png" />
        <link rel="stylesheet" href={assets.style.url} />
        {options.eventCursor !== undefined
          ? <meta name="event-cursor" content={options.eventCursor} />
          : null}
        {use.used ? <script type="module" src={assets.script.url} /> : null}
      </head>
      <body class={options.bodyClass} dangerouslySetInnerHTML={{ __html: bodyHtml }} />
    </html>
  );
  return `<!DOCTYPE html>${renderToString(document)}`;
}

/** The search field (`q`, for `GET /search`); inside a form of its own unless `id` says it is in one. */
export function SearchBox({ query, id }: { query?: string; id?: string }) {
  const input = (
    <input
      type="search"
      name="q"
      id={id ?? "search-q"}
      class="search-input"
      value={query ?? ""}
      placeholder="Search messages"
      aria-label="Search messages"
      maxLength={500}
    />
  );
  return id ? input : <form method="get" action="/search" class="search-box" role="search">{input}</form>;
}

/** The bar at the top of plain pages: the app's name, the search box, the user, logging out. */
export function TopBar({ userName, query }: { userName?: string; query?: string }) {
  return (
    <header class="topbar">
      <a class="brand" href="/">ircweb</a>
      {userName ? <SearchBox query={query} /> : null}
      {userName
        ? (
          <div class="topbar-user">
            <span class="user-name">{userName}</span>
            <a class="link-button" href="/settings">Settings</a>
            <form method="post" action="/logout">
              <button type="submit" class="link-button">Log out</button>
            </form>
          </div>
        )
        : null}
    </header>
  );
}

/** A labelled form field with its error, if any. */
export function Field(props: {
  label: string;
  name: string;
  type?: "text" | "password" | "number";
  value?: string | number | null;
  error?: string | null;
  hint?: string;
  required?: boolean;
  autoComplete?: string;
  autoFocus?: boolean;
  placeholder?: string;
  min?: number;
  max?: number;
  /** Shortest text the browser lets through (checked again by the server). */
  minLength?: number;
}) {
  const id = `field-${props.name}`;
  const describedBy = [props.hint ? `${id}-hint` : "", props.error ? `${id}-error` : ""].filter(Boolean).join(
    " ",
  );
  return (
    <div class={props.error ? "field has-error" : "field"}>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        // Preact's types split inputs by type; the attributes used here suit all three.
        type={(props.type ?? "text") as "text"}
        value={props.value ?? undefined}
        required={props.required}
        autoComplete={props.autoComplete}
        autoFocus={props.autoFocus}
        placeholder={props.placeholder}
        min={props.min}
        max={props.max}
        minLength={props.minLength}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy || undefined}
      />
      {props.hint ? <p class="hint" id={`${id}-hint`}>{props.hint}</p> : null}
      {props.error ? <p class="field-error" id={`${id}-error`}>{props.error}</p> : null}
    </div>
  );
}
