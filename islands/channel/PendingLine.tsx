/**
 * A line typed but not yet taken by the app, shown at the end of its
 * window: "sending", "waiting for the connection", or "not sent" with the
 * reason and Edit / Dismiss.
 *
 * @module
 */
import { dismiss, type OutboxEntry } from "../outbox.ts";

/** Props of {@link PendingLine}. */
export interface PendingLineProps {
  entry: OutboxEntry;
  /** The user's nick, shown as the sender. */
  nick: string;
  /** Whether the app can be reached now. */
  online: boolean;
  /** Takes a line that was not sent back into the input. */
  onEdit: (entry: OutboxEntry) => void;
}

/** What state `entry` is in, in words. */
export function pendingLabel(entry: OutboxEntry, online: boolean): string {
  switch (entry.state) {
    case "sending":
      return "sending…";
    case "queued":
      return online ? "waiting to send…" : "waiting for the connection; it will be sent when it is back";
    case "failed":
      return `not sent: ${entry.error ?? "refused"}`;
  }
}

/** The line of an outbox entry. */
export function PendingLine({ entry, nick, online, onEdit }: PendingLineProps) {
  return (
    <li class={`msg pending pending-${entry.state}`} data-state={entry.state}>
      <time>…</time>
      <span class="body">
        <span class="who">
          <span class="nick">{nick}</span>
        </span>{" "}
        {entry.content}
      </span>
      <span class="pending-state">
        {pendingLabel(entry, online)}
        {entry.state === "failed"
          ? (
            <>
              {" "}
              <button type="button" class="link-button" onClick={() => onEdit(entry)}>
                Edit
              </button>{" "}
              <button type="button" class="link-button" onClick={() => dismiss(entry.id)}>
                Dismiss
              </button>
            </>
          )
          : null}
      </span>
    </li>
  );
}
