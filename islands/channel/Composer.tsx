/// <reference lib="dom" />
/**
 * The input line of a window. It keeps its own text, so typing redraws the
 * input alone, not the window. A line is checked by the API's own parser
 * (`lib/slashCommand.ts`) before it goes to the outbox; a line the app
 * refuses comes back with its reason, its text into the input when that is
 * free. Without JavaScript it is a plain form post.
 *
 * @module
 */
import type { RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { parseSlashCommand } from "../../lib/slashCommand.ts";
import { dismiss, enqueue, type OutboxEntry, subscribeOutbox } from "../outbox.ts";
import { useInputHistory } from "./useInputHistory.ts";
import { sameWindow } from "./window.ts";

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
}

/** The input line and its send button. */
export function Composer(props: ComposerProps) {
  const { serverId, target } = props;
  const [text, setText] = useState(props.draft ?? "");
  const [error, setError] = useState<string | null>(props.error ?? null);
  const history = useInputHistory();
  const inputRef = useRef<HTMLInputElement>(null);
  const textRef = useRef(text);
  textRef.current = text;

  props.handle.current = {
    edit(entry) {
      setText(entry.content);
      dismiss(entry.id);
      setError(null);
      inputRef.current?.focus();
    },
  };

  useEffect(() =>
    subscribeOutbox((event) => {
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

  const submit = (event: Event) => {
    event.preventDefault();
    const line = text;
    if (line.trim() === "") return;
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
    history.remember(line);
    setText("");
    setError(null);
    enqueue(serverId, target, line);
    props.onQueued();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (history.onKey(event, text, setText)) return;
    if (event.key === "Escape") setError(null);
  };

  const placeholder = target === null
    ? "Type a command: /join #channel, /msg nick text, /nick name…"
    : `Message ${target}`;

  return (
    <form class="composer" method="post" action={`/servers/${serverId}/send`} onSubmit={submit}>
      <input type="hidden" name="target" value={target ?? ""} />
      <label class="visually-hidden" htmlFor="composer-input">{placeholder}</label>
      <input
        id="composer-input"
        ref={inputRef}
        name="content"
        type="text"
        autoComplete="off"
        enterKeyHint="send"
        maxLength={8192}
        placeholder={placeholder}
        value={text}
        onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
        onKeyDown={onKeyDown}
        autoFocus
        aria-describedby={error ? "composer-error" : undefined}
      />
      <button type="submit" class="button">Send</button>
      {error
        ? (
          <p id="composer-error" class="composer-error" role="alert">
            {error}
          </p>
        )
        : null}
    </form>
  );
}
