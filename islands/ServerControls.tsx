/// <reference lib="dom" />
/**
 * Island: a server's live status badge and its Connect / Disconnect
 * button. Without JavaScript the button is a plain form post; with it, the
 * API is called in place and the badge follows the live stream.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import type { ServerStatus } from "../lib/db/schema.ts";
import { connectServer } from "./api.ts";
import { onLiveEvent } from "./live.ts";
import { StatusBadge } from "./StatusBadge.tsx";

/** Props of {@link ServerControls}. */
export interface ServerControlsProps {
  serverId: number;
  serverName: string;
  status: ServerStatus;
  error: string | null;
  /** Where the no-JavaScript form comes back to. */
  next: string;
}

/** Whether a status means a worker is (or should be) running. */
export function isActive(status: ServerStatus): boolean {
  return status === "connected" || status === "connecting" || status === "reconnecting";
}

/** The badge and the connect/disconnect button of one server. */
export default function ServerControls(props: ServerControlsProps) {
  const [status, setStatus] = useState(props.status);
  const [error, setError] = useState(props.error);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() =>
    onLiveEvent((event) => {
      if (event.type !== "status" || event.data.server_id !== props.serverId) return;
      setStatus(event.data.status);
      setError(event.data.error ?? null);
    }), [props.serverId]);

  const active = isActive(status);
  const action = active ? "disconnect" : "connect";

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    const result = await connectServer(props.serverId, action);
    setBusy(false);
    if (!result.ok) {
      setProblem(result.error);
      return;
    }
    setStatus(result.data.status);
    setError(result.data.last_error);
  };

  return (
    <div class="server-controls">
      <StatusBadge status={status} error={error} />
      <form method="post" action={`/servers/${props.serverId}/${action}`} onSubmit={submit}>
        <input type="hidden" name="next" value={props.next} />
        <button
          type="submit"
          class={active ? "button secondary" : "button"}
          disabled={busy}
          aria-label={`${active ? "Disconnect from" : "Connect to"} ${props.serverName}`}
        >
          {active ? "Disconnect" : "Connect"}
        </button>
      </form>
      {problem ? <span class="inline-error" role="alert">{problem}</span> : null}
    </div>
  );
}
