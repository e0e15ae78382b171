/**
 * `GET /settings` and its form's `POST /settings`: the user's own settings
 * (highlight words, theme, timestamp format, joins and parts shown) and
 * what each of their windows notifies them of (all lines, mentions only,
 * nothing). A wrong field comes back with what was typed and why.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { isChannelName } from "../../lib/ircCommand.ts";
import { listUserServers } from "../../lib/servers.ts";
import {
  defaultNotifyLevel,
  getNotifyLevels,
  getUserSettings,
  NOTIFY_LEVELS,
  notifyKey,
  type NotifyLevel,
  parseSettingsForm,
  saveUserSettings,
  setNotifyLevel,
  type UserSettings,
} from "../../lib/userSettings.ts";
import { listWindows } from "../../lib/windows.ts";
import { type PageDeps, type PageEnv, readForm } from "./context.ts";
import { renderPage, TopBar } from "./layout.tsx";
import { Island } from "./island.tsx";

const NOTIFY_FIELD = "notify:";
const LEVEL_LABELS: Record<NotifyLevel, string> = {
  all: "Every line",
  mentions: "Mentions only",
  none: "Nothing",
};

interface WindowRow {
  serverId: number;
  serverName: string;
  target: string;
  level: NotifyLevel;
}

/** The settings page and its form. */
export function settingsPages(deps: PageDeps): Hono<PageEnv> {
  const app = new Hono<PageEnv>();
  const { db } = deps;

  const windowsOf = async (userId: number): Promise<WindowRow[]> => {
    const servers = await listUserServers(db, userId);
    const levels = await getNotifyLevels(db, servers.map((s) => s.id));
    const rows: WindowRow[] = [];
    for (const server of servers) {
      for (const w of await listWindows(db, server)) {
        rows.push({
          serverId: server.id,
          serverName: server.name,
          target: w.target,
          level: levels[notifyKey(server.id, w.target)] ?? defaultNotifyLevel(isChannelName(w.target)),
        });
      }
    }
    return rows;
  };

  const page = async (
    c: Context<PageEnv>,
    settings: UserSettings,
    options: { typedWords?: string; error?: { field: string; error: string }; saved?: boolean } = {},
  ) => {
    const user = c.get("user");
    const windows = await windowsOf(user.id);
    const assets = (await deps.assets()).current;
    const fieldError = (field: string) =>
      options.error?.field === field
        ? <p class="field-error" id={`field-${field}-error`}>{options.error.error}</p>
        : null;
    return c.html(
      renderPage(
        { title: "Settings", assets, bodyClass: "page-settings", theme: settings.theme },
        <>
          <TopBar userName={user.name} />
          <main class="container">
            <h1>Settings</h1>
            {options.saved ? <p class="notice-bar saved" role="status">Settings saved.</p> : null}
            <form method="post" action="/settings" class="settings-form">
              <div class={options.error?.field === "highlight_words" ? "field has-error" : "field"}>
                <label htmlFor="field-highlight_words">Highlight words</label>
                <textarea
                  id="field-highlight_words"
                  name="highlight_words"
                  rows={3}
                  aria-describedby="field-highlight_words-hint"
                >
                  {options.typedWords ?? settings.highlightWords.join(", ")}
                </textarea>
                <p class="hint" id="field-highlight_words-hint">
                  Your nick highlights on every network; these words do too. Separate them with commas.
                </p>
                {fieldError("highlight_words")}
              </div>
              <div class="field">
                <label htmlFor="field-theme">Theme</label>
                <select id="field-theme" name="theme">
                  {(["auto", "light", "dark"] as const).map((t) => (
                    <option value={t} selected={settings.theme === t}>
                      {t === "auto" ? "As the system" : t === "light" ? "Light" : "Dark"}
                    </option>
                  ))}
                </select>
                {fieldError("theme")}
              </div>
              <div class="field">
                <label htmlFor="field-time_format">Timestamps</label>
                <select id="field-time_format" name="time_format">
                  {(["24h", "24h-seconds", "12h"] as const).map((f) => (
                    <option value={f} selected={settings.timeFormat === f}>
                      {f === "24h" ? "14:05" : f === "24h-seconds" ? "14:05:09" : "2:05 PM"}
                    </option>
                  ))}
                </select>
                {fieldError("time_format")}
              </div>
              <div class="field checkbox">
                <label>
                  <input type="checkbox" name="show_joins_parts" checked={settings.showJoinsParts} />{" "}
                  Show joins, parts and quits
                </label>
              </div>
              <fieldset class="window-notifications">
                <legend>Notifications per window</legend>
                {windows.length === 0 ? <p class="hint">No windows yet.</p> : (
                  <table>
                    <tbody>
                      {windows.map((w) => {
                        const name = `${NOTIFY_FIELD}${w.serverId}/${w.target}`;
                        return (
                          <tr>
                            <th scope="row">
                              {w.target} <span class="meta">{w.serverName}</span>
                            </th>
                            <td>
                              <select
                                name={name}
                                aria-label={`Notifications of ${w.target} on ${w.serverName}`}
                              >
                                {NOTIFY_LEVELS.map((level) => (
                                  <option value={level} selected={w.level === level}>
                                    {LEVEL_LABELS[level]}
                                  </option>
                                ))}
                              </select>
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                )}
              </fieldset>
              <button type="submit" class="button primary">Save settings</button>
            </form>
            <section class="push-notifications" aria-labelledby="push-heading">
              <h2 id="push-heading">Push notifications</h2>
              <Island name="PushButton" props={{ place: "settings" }} />
            </section>
          </main>
        </>,
      ),
      options.error ? 422 : 200,
    );
  };

  app.get("/settings", async (c) => {
    const settings = await getUserSettings(db, c.get("user").id);
    return page(c, settings, { saved: c.req.query("saved") === "1" });
  });

  app.post("/settings", async (c) => {
    const user = c.get("user");
    const form = await readForm(c);
    const parsed = parseSettingsForm(form);
    if (!parsed.ok) {
      return page(c, await getUserSettings(db, user.id), {
        typedWords: form.highlight_words,
        error: { field: parsed.field, error: parsed.error },
      });
    }
    await saveUserSettings(db, user.id, parsed.settings);
    // Only windows of the user's own servers, at a level that exists.
    const own = new Set((await listUserServers(db, user.id)).map((s) => s.id));
    for (const [field, value] of Object.entries(form)) {
      if (!field.startsWith(NOTIFY_FIELD)) continue;
      const match = /^(\d{1,10})\/(.{1,200})$/s.exec(field.slice(NOTIFY_FIELD.length));
      if (!match || !own.has(Number(match[1])) || !(NOTIFY_LEVELS as readonly string[]).includes(value)) {
        continue;
      }
      await setNotifyLevel(db, Number(match[1]), match[2], value as NotifyLevel);
    }
    return c.redirect("/settings?saved=1", 303);
  });

  return app;
}
