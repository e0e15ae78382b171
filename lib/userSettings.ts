/**
 * A user's own settings: highlight words (besides their nick, which
 * highlights on every network), the theme, the timestamp format, whether
 * joins and parts show; and how each window notifies them. Read by the
 * pages, changed on the settings page (`routes/pages/settings.tsx`).
 *
 * @module
 */
import type { Db } from "./db/database.ts";

/** The theme: the system's, or one of the two. */
export type Theme = "auto" | "light" | "dark";
/** How times show: `14:05`, `14:05:09` or `2:05 PM`. */
export type TimeFormat = "24h" | "24h-seconds" | "12h";
/** What a window notifies the user of. */
export type NotifyLevel = "all" | "mentions" | "none";

/** A user's settings. */
export interface UserSettings {
  highlightWords: string[];
  theme: Theme;
  timeFormat: TimeFormat;
  showJoinsParts: boolean;
}

/** What a user who never saved any has. */
export const DEFAULT_SETTINGS: UserSettings = {
  highlightWords: [],
  theme: "auto",
  timeFormat: "24h",
  showJoinsParts: true,
};

/** The themes, time formats and notification levels, for forms and checks. */
export const THEMES: readonly Theme[] = ["auto", "light", "dark"];
export const TIME_FORMATS: readonly TimeFormat[] = ["24h", "24h-seconds", "12h"];
export const NOTIFY_LEVELS: readonly NotifyLevel[] = ["all", "mentions", "none"];

/** Most highlight words kept, and the longest one. */
export const MAX_HIGHLIGHT_WORDS = 50;
export const MAX_HIGHLIGHT_WORD_LENGTH = 50;

/** A window's default: a query notifies of every line, a channel of mentions. */
export function defaultNotifyLevel(isChannel: boolean): NotifyLevel {
  return isChannel ? "mentions" : "all";
}

/** A settings form's fields, checked; or the field at fault and why. */
export type ParsedSettings =
  | { ok: true; settings: UserSettings }
  | { ok: false; field: string; error: string };

/**
 * Reads the settings form: `highlight_words` (comma- or line-separated),
 * `theme`, `time_format`, `show_joins_parts` (present when checked).
 */
export function parseSettingsForm(form: Record<string, string>): ParsedSettings {
  const words = [
    ...new Set(
      (form.highlight_words ?? "").split(/[,\n]/).map((w) => w.trim()).filter((w) => w !== ""),
    ),
  ];
  if (words.length > MAX_HIGHLIGHT_WORDS) {
    return { ok: false, field: "highlight_words", error: `At most ${MAX_HIGHLIGHT_WORDS} highlight words` };
  }
  // deno-lint-ignore no-control-regex
  const bad = words.find((w) => w.length > MAX_HIGHLIGHT_WORD_LENGTH || /[\x00-\x1f\x7f]/.test(w));
  if (bad !== undefined) {
    return {
      ok: false,
      field: "highlight_words",
      error:
        `A highlight word is at most ${MAX_HIGHLIGHT_WORD_LENGTH} characters, without control characters`,
    };
  }
  const theme = form.theme ?? "auto";
  if (!(THEMES as readonly string[]).includes(theme)) {
    return { ok: false, field: "theme", error: "Theme must be auto, light or dark" };
  }
  const timeFormat = form.time_format ?? "24h";
  if (!(TIME_FORMATS as readonly string[]).includes(timeFormat)) {
    return { ok: false, field: "time_format", error: "Unknown timestamp format" };
  }
  return {
    ok: true,
    settings: {
      highlightWords: words,
      theme: theme as Theme,
      timeFormat: timeFormat as TimeFormat,
      showJoinsParts: form.show_joins_parts !== undefined,
    },
  };
}

/** The settings of `userId` (the defaults until they save some). */
export async function getUserSettings(db: Db, userId: number): Promise<UserSettings> {
  const row = await db.selectFrom("user_settings").selectAll().where("user_id", "=", userId)
    .executeTakeFirst();
  if (!row) return { ...DEFAULT_SETTINGS };
  return {
    highlightWords: row.highlight_words,
    theme: row.theme,
    timeFormat: row.time_format,
    showJoinsParts: row.show_joins_parts,
  };
}

/** Saves the settings of `userId`. */
export async function saveUserSettings(db: Db, userId: number, settings: UserSettings): Promise<void> {
  const values = {
    highlight_words: settings.highlightWords,
    theme: settings.theme,
    time_format: settings.timeFormat,
    show_joins_parts: settings.showJoinsParts,
  };
  await db.insertInto("user_settings").values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column("user_id").doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
}

/** The levels the user chose for windows of `serverIds`, keyed `serverId/lower-cased target`. */
export async function getNotifyLevels(db: Db, serverIds: number[]): Promise<Record<string, NotifyLevel>> {
  if (serverIds.length === 0) return {};
  const rows = await db.selectFrom("window_notifications").selectAll().where("server_id", "in", serverIds)
    .execute();
  return Object.fromEntries(rows.map((r) => [notifyKey(r.server_id, r.target), r.level]));
}

/** The key of a window in {@link getNotifyLevels}. */
export function notifyKey(serverId: number, target: string): string {
  return `${serverId}/${target.toLowerCase()}`;
}

/** Sets what `target` of `serverId` notifies of. */
export async function setNotifyLevel(
  db: Db,
  serverId: number,
  target: string,
  level: NotifyLevel,
): Promise<void> {
  await db.insertInto("window_notifications").values({
    server_id: serverId,
    target: target.toLowerCase(),
    level,
  })
    .onConflict((oc) => oc.columns(["server_id", "target"]).doUpdateSet({ level })).execute();
}
