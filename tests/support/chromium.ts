/**
 * Debian's Chromium, driven by `npm:playwright-core`, for browser tests.
 *
 * Playwright starts Chromium with a new, empty profile folder of its own
 * (it refuses a `--user-data-dir` argument and makes one under the
 * temporary folder), so no state leaks between tests or from the machine.
 *
 * Under the tests' scoped permissions playwright-core needs
 * `--allow-sys=homedir,osRelease` and read access to the Chromium binary
 * (see `tasks/test.ts`). Its bundled `is-wsl` check also probes files under
 * `/proc/sys/fs/binfmt_misc` when loaded, which Deno allows only with
 * `--allow-all`; setting `__IS_WSL_TEST__` makes it defer that check to a
 * code path (opening a desktop browser) these tests never take.
 *
 * @module
 */
import type { Browser } from "playwright-core";

/** Where Debian installs Chromium (`apt-get install chromium`). */
export const CHROMIUM = "/usr/bin/chromium";

/** The flags Chromium runs with in tests: headless, no sandbox (root in CI), no network chatter of its own. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Whether Chromium is installed (CI installs it). */
export async function chromiumInstalled(): Promise<boolean> {
  try {
    return (await Deno.stat(CHROMIUM)).isFile;
  } catch {
    return false;
  }
}

/** Starts a headless Chromium. */
export async function launchChromium(): Promise<Browser> {
  Deno.env.set("__IS_WSL_TEST__", "1");
  const { chromium } = await import("playwright-core");
  return await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}
