/**
 * Notices when the process that started this one is gone, so nothing of the
 * app outlives the process a user or a service manager signals. A killed
 * parent sends no signal to its children: `deno task start` killed with
 * SIGKILL (or a task runner that does not forward SIGTERM) leaves `main.ts`
 * running, and a killed `main.ts` leaves its workers on IRC.
 *
 * @module
 */

/** How often the parent is checked. */
export const PARENT_CHECK_MS = 1000;

/**
 * Calls `onGone` once, when this process's parent has exited (Linux then
 * gives the process a new parent: init or a subreaper). A process started by
 * init itself (systemd) has no parent to lose, and is never called back.
 * Returns a function that stops watching.
 */
export function watchParent(onGone: () => void, intervalMs = PARENT_CHECK_MS): () => void {
  const parent = Deno.ppid;
  const timer = setInterval(() => {
    if (Deno.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  // The watch alone must not keep a process alive that has nothing else to do.
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
