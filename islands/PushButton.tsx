/// <reference lib="dom" />
/**
 * The button that turns Web Push on (or off) in this browser, on the
 * settings page and in the navigation beside the desktop notifications'
 * one. Rendered on the server as nothing: only the browser knows its state.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
import { disablePush, enablePush, type PushState, pushState } from "./notifications.ts";

/** Props of {@link PushButton}. */
export interface PushButtonProps {
  /** `settings`: the state said and a button either way; `nav`: only an offer to turn it on. */
  place: "settings" | "nav";
}

const STATE_TEXT: Record<PushState, string> = {
  unsupported: "This browser cannot receive push notifications.",
  denied: "Notifications are blocked for this site in the browser's settings.",
  off: "Push notifications are off in this browser.",
  on:
    "Push notifications are on in this browser: mentions and private messages reach it while no tab is open.",
};

/** The Web Push button. */
export default function PushButton({ place }: PushButtonProps) {
  const [state, setState] = useState<PushState | "unknown">("unknown");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    pushState().then(setState, () => setState("unsupported"));
  }, []);

  const change = async (on: boolean) => {
    setBusy(true);
    setError(undefined);
    const result = on ? await enablePush() : await disablePush();
    setBusy(false);
    if (result.ok) setState(result.state);
    else setError(result.error);
  };

  if (state === "unknown") return null;
  if (place === "nav") {
    if (state !== "off") return null;
    return (
      <button
        type="button"
        class="link-button nav-notify nav-push"
        disabled={busy}
        title={error}
        onClick={() => change(true)}
      >
        Enable push notifications
      </button>
    );
  }
  return (
    <div class="push-settings" data-push-state={state}>
      <p class="hint" role="status">{STATE_TEXT[state]}</p>
      {state === "off" || state === "on"
        ? (
          <button
            type="button"
            class={state === "off" ? "button primary push-enable" : "button push-disable"}
            disabled={busy}
            onClick={() => change(state === "off")}
          >
            {state === "off" ? "Enable push notifications" : "Turn push notifications off"}
          </button>
        )
        : null}
      {error ? <p class="field-error" role="alert">{error}</p> : null}
    </div>
  );
}
