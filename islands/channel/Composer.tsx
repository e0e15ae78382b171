/// <reference lib="dom" />
/**
 * The input of a window (focused as it opens, but on a touch screen): checked
 * by the API's parser before the outbox takes it, several lines (Shift+Enter,
 * a paste) sent as messages each, with a hint of how many IRC lines go out and
 * a confirmation past a few; the app's own commands (`/help`, `/query`,
 * `/ignore`, `/list`) run here; Tab completes.
 *
 * @module
 */
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import {
  appCommandOf,
  parseSlashCommand,
  searchQueryOf,
  SLASH_COMMANDS,
  SLASH_HELP,
} from "../../lib/slashCommand.ts";
import { sendLine } from "../api.ts";
import { complete, type CompletionCycle } from "./completion.ts";
import { CONFIRM_LINES, outgoingLines } from "./outgoingLines.ts";
import { changeIgnore, ignoresOf } from "./useIgnores.ts";
import { dismiss, enqueue, type OutboxEntry, subscribeOutbox } from "../outbox.ts";
import { useInputHistory } from "./useInputHistory.ts";
import { sameWindow } from "./window.ts";
import { windowOpened } from "./windowOpened.ts";
import type { ServerStatus } from "../../lib/db/schema.ts";

// A touch screen, where focusing the input brings the on-screen keyboard up.
const COARSE_POINTER = "(pointer: coarse)";

/** What the window may ask of its input. */
export interface ComposerHandle {
  /** Takes a line that was not sent back into the input, to be edited. */
  edit: (entry: OutboxEntry) => void;
}

/** Props of {@link Composer}. */
export interface ComposerProps {
  serverId: number;
  target: string | null;
  /** Text to start with (after a refused form post without JavaScript). */
  draft?: string;
  /** Why that text was refused. */
  error?: string | null;
  /** Called once a line is queued. */
  onQueued: () => void;
  /** Filled with the input's {@link ComposerHandle}. */
  handle: RefObject<ComposerHandle | null>;
  /** Nicks that Tab completes, most relevant first (read when Tab is pressed). */
  nicks?: () => readonly string[];
  /** The server's connection as the window knows it: a line for a server with no connection is not sent. */
  status?: ServerStatus;
}

/** Where a window of `serverId` is (`null`: the server's own). */
export function windowPath(serverId: number, target: string | null): string {
  return target === null ? `/servers/${serverId}` : `/servers/${serverId}/chat/${encodeURIComponent(target)}`;
}

/** The input line and its send button. */
export function Composer(props: ComposerProps) {
  const { serverId, target } = props;
  const [text, setText] = useState(props.draft ?? "");
  const [error, setError] = useState<string | null>(props.error ?? null);
  // What an app command answered (the /help list, the ignore list), shown under the input.
  const [info, setInfo] = useState<{ title: string; lines: readonly string[] } | null>(null);
  const cycle = useRef<CompletionCycle | null>(null);
  const history = useInputHistory();
  const inputRef = useRef<HTMLTextAreaElement>(null);
  // Many lines wait for a yes: how many.
  const [confirming, setConfirming] = useState<number | null>(null);
  const textRef = useRef(text);
  textRef.current = text;
  // Lines queued here that open another window once taken: their id and that window.
  const opening = useRef(new Map<string, string>());

  props.handle.current = {
    edit(entry) {
      setText(entry.content);
      dismiss(entry.id);
      setError(null);
      inputRef.current?.focus();
    },
  };

  // Not `autofocus`: on a phone, every switch of windows would bring the keyboard up over the lines.
  useEffect(() => {
    if (!globalThis.matchMedia?.(COARSE_POINTER).matches) inputRef.current?.focus();
  }, []);

  useEffect(() =>
    subscribeOutbox((event) => {
      const opened = event.type === "sent" ? opening.current.get(event.entry.id) : undefined;
      if (opened !== undefined) location.assign(windowPath(serverId, opened));
      if (
        event.type !== "failed" || event.entry.serverId !== serverId ||
        !sameWindow(event.entry.target, target)
      ) return;
      setError(event.entry.error ?? "Not sent");
      // The text is not lost: back into the input when that is free.
      if (textRef.current === "") {
        setText(event.entry.content);
        dismiss(event.entry.id);
      }
    }), []);

  const submit = (event: Event, confirmed = false) => {
    event.preventDefault();
    // A newline at either end is no second line.
    const line = text.replace(/^[\r\n]+|[\r\n]+$/g, "");
    if (line.trim() === "") return;
    if (/[\r\n]/.test(line)) return submitLines(line, confirmed);
    if (runAppCommand(line)) return;
    // `/search words` is no IRC command: it opens the results page.
    const searched = searchQueryOf(line);
    if (searched !== null) {
      if (searched === "") {
        setError("Usage: /search words (or from:nick, in:#channel)");
        return;
      }
      history.remember(line);
      location.assign(`/search?${new URLSearchParams({ q: searched })}`);
      return;
    }
    // The API's own parser, here too: a mistyped command is pointed out at
    // once (even offline) and stays in the input to be fixed.
    const parsed = parseSlashCommand(line, target);
    if (!parsed.ok) {
      setError(
        target === null && !line.startsWith("/")
          ? "This is the server's window: type a command here, like /join #channel or /msg nick text."
          : parsed.error,
      );
      return;
    }
    // The app would refuse it (a 409, which the browser logs as an error):
    // said here, the line kept in the input.
    if (props.status === "disconnected" || props.status === "error") {
      setError("Server not connected: connect it first.");
      return;
    }
    history.remember(line);
    setText("");
    setError(null);
    const entry = enqueue(serverId, target, line);
    const opened = windowOpened(parsed.command, target);
    if (opened !== undefined) opening.current.set(entry.id, opened);
    props.onQueued();
  };

  // Several lines: each a message of its own, all checked before any goes.
  const submitLines = (typed: string, confirmed: boolean) => {
    const out = outgoingLines(typed, target);
    if (!out.ok) {
      setError(out.error);
      return;
    }
    if (props.status === "disconnected" || props.status === "error") {
      setError("Server not connected: connect it first.");
      return;
    }
    if (out.lines.length > CONFIRM_LINES && !confirmed) {
      setConfirming(out.lines.length);
      return;
    }
    history.remember(typed);
    setText("");
    setError(null);
    setConfirming(null);
    for (const line of out.lines) enqueue(serverId, target, line);
    props.onQueued();
  };

  // The web app's own commands; whether `line` was one.
  const runAppCommand = (line: string): boolean => {
    const own = appCommandOf(line);
    const done = () => {
      history.remember(line);
      setText("");
      setError(null);
    };
    if (own === null) {
      if (!/^\/list(\s|$)/i.test(line)) return false;
      const parsed = parseSlashCommand(line, target);
      if (!parsed.ok) return false;
      done();
      sendLine(serverId, { target, content: line, clientId: crypto.randomUUID() }).then((result) => {
        if (result.ok) location.assign(`/servers/${serverId}/channels`);
        else setError(result.error);
      });
      return true;
    }
    switch (own.kind) {
      case "error":
        setError(own.error);
        return true;
      case "help":
        done();
        setInfo({ title: "Commands", lines: SLASH_HELP.map(([usage, meaning]) => `${usage} — ${meaning}`) });
        return true;
      case "query":
        done();
        if (own.text) enqueue(serverId, own.nick, own.text.startsWith("/") ? `/${own.text}` : own.text);
        location.assign(windowPath(serverId, own.nick));
        return true;
      case "ignore":
      case "unignore": {
        done();
        const mask = own.mask;
        if (mask === null) {
          const list = ignoresOf(serverId);
          setInfo({ title: "Ignored", lines: list.length ? list : ["nobody"] });
          return true;
        }
        changeIgnore(serverId, mask, own.kind === "ignore").then((result) => {
          if (!result.ok) setError(result.error);
          else {
            setInfo({
              title: own.kind === "ignore" ? `Ignoring ${mask}` : `No longer ignoring ${mask}`,
              lines: [`Ignored: ${result.ignores.length ? result.ignores.join(", ") : "nobody"}`],
            });
          }
        });
        return true;
      }
    }
  };

  const onKeyDown = (event: KeyboardEvent) => {
    // Enter sends, Shift+Enter starts a new line (and Enter while an input method composes is its own).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      submit(event, confirming !== null);
      return;
    }
    if (event.key === "Tab" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      const input = event.currentTarget as HTMLTextAreaElement;
      const caret = input.selectionStart ?? text.length;
      const done = complete(text, caret, SLASH_COMMANDS, props.nicks?.() ?? [], cycle.current);
      if (done) {
        event.preventDefault();
        cycle.current = done.cycle;
        setText(done.text);
        textRef.current = done.text;
        input.value = done.text;
        input.setSelectionRange(done.caret, done.caret);
        return;
      }
      // Nothing to complete: Tab moves on, as it does elsewhere.
    }
    cycle.current = null;
    if (history.onKey(event, text, setText)) return;
    if (event.key === "Escape") {
      setError(null);
      setInfo(null);
      setConfirming(null);
    }
  };

  // How the text goes out, when that is more than one IRC line.
  const out = text.trim() !== "" ? outgoingLines(text, target) : null;
  const typedLines = out?.ok ? out.lines.length : 1;
  const hint = out?.ok && out.ircLines > 1
    ? typedLines > 1
      ? `${typedLines} lines, sent as ${typedLines} messages` +
        (out.ircLines > typedLines ? ` (${out.ircLines} IRC lines: long ones are split)` : "") +
        ". Enter sends, Shift+Enter adds a line."
      : `Long message: it goes out as ${out.ircLines} IRC lines.`
    : null;
  const describedBy = [error ? "composer-error" : "", hint ? "composer-hint" : ""].filter(Boolean).join(" ");

  const placeholder = target === null
    ? "Type a command: /join #channel, /list, /msg nick text, /help…"
    : `Message ${target}`;

  return (
    <form class="composer" method="post" action={`/servers/${serverId}/send`} onSubmit={submit}>
      <input type="hidden" name="target" value={target ?? ""} />
      <label class="visually-hidden" htmlFor="composer-input">{placeholder}</label>
      <textarea
        id="composer-input"
        ref={inputRef}
        name="content"
        rows={1}
        autoComplete="off"
        enterkeyhint="send"
        maxLength={65536}
        placeholder={placeholder}
        value={text}
        onInput={(e) => {
          cycle.current = null;
          setConfirming(null);
          setText((e.currentTarget as HTMLTextAreaElement).value);
        }}
        onKeyDown={onKeyDown}
        aria-describedby={describedBy || undefined}
      />
      <button type="submit" class="button">Send</button>
      {hint ? <p id="composer-hint" class="composer-hint">{hint}</p> : null}
      {confirming !== null
        ? (
          <div class="composer-confirm" role="alertdialog" aria-label="Send several lines">
            <span>Send {confirming} lines to {target}, one message each?</span>
            <button type="button" class="button" onClick={(e) => submit(e, true)}>
              Send {confirming} lines
            </button>
            <button type="button" class="button secondary" onClick={() => setConfirming(null)}>Cancel</button>
          </div>
        )
        : null}
      {error
        ? (
          <p id="composer-error" class="composer-error" role="alert">
            {error}
          </p>
        )
        : null}
      {info
        ? (
          <div class="composer-info" role="status">
            <p class="composer-info-title">
              {info.title}{" "}
              <button type="button" class="link-button" onClick={() => setInfo(null)}>Close</button>
            </p>
            <ul>{info.lines.map((line) => <li key={line}>{line}</li>)}</ul>
          </div>
        )
        : null}
    </form>
  );
}
