/**
 * A server's connection state as a badge (not an island itself: the
 * islands that show it keep it live).
 *
 * @module
 */
import type { ServerStatus } from "../lib/db/schema.ts";

const LABELS: Record<ServerStatus, string> = {
  connected: "connected",
  connecting: "connecting…",
  reconnecting: "reconnecting…",
  disconnected: "disconnected",
  error: "error",
};

/** Props of {@link StatusBadge}. */
export interface StatusBadgeProps {
  status: ServerStatus;
  /** The last error, shown with an `error` status. */
  error?: string | null;
}

/** The badge of a connection state, with its last error when there is one. */
export function StatusBadge({ status, error }: StatusBadgeProps) {
  return (
    <span class="status">
      <span class={`badge status-${status}`} data-status={status}>{LABELS[status]}</span>
      {error && (status === "error" || status === "reconnecting" || status === "disconnected")
        ? <span class="status-error">{error}</span>
        : null}
    </span>
  );
}
