/**
 * Tab completion in the input line: a command after a leading `/`, else a
 * nick (the channel's members and its recent speakers). Each Tab takes the
 * next match, as in irssi and The Lounge; any other key ends the cycle.
 *
 * @module
 */

/** What the cycle remembers between two Tabs. */
export interface CompletionCycle {
  /** The text before the word, and after the caret. */
  head: string;
  tail: string;
  matches: string[];
  index: number;
}

/** The input after a Tab. */
export interface Completed {
  text: string;
  caret: number;
  cycle: CompletionCycle;
}

/**
 * Completes the word before `caret` in `text`, or takes the next match of
 * `cycle` (the one of the Tab before); `null` when nothing matches.
 * `nicks` come most relevant first (recent speakers before the rest).
 */
export function complete(
  text: string,
  caret: number,
  commands: readonly string[],
  nicks: readonly string[],
  cycle: CompletionCycle | null,
): Completed | null {
  if (cycle && cycle.matches.length > 0) {
    const index = (cycle.index + 1) % cycle.matches.length;
    return fill({ ...cycle, index });
  }
  const before = text.slice(0, caret);
  const start = before.search(/\S*$/);
  const word = before.slice(start);
  const head = before.slice(0, start);
  const tail = text.slice(caret);
  let matches: string[];
  if (head === "" && word.startsWith("/") && !word.startsWith("//")) {
    const prefix = word.slice(1).toLowerCase();
    matches = commands.filter((c) => c.startsWith(prefix)).map((c) => `/${c} `);
  } else {
    if (word === "") return null;
    const prefix = word.toLowerCase();
    const seen = new Set<string>();
    // A nick that begins the line is addressed: "bob: ".
    const suffix = head === "" ? ": " : " ";
    matches = [];
    for (const nick of nicks) {
      const key = nick.toLowerCase();
      if (seen.has(key) || !key.startsWith(prefix)) continue;
      seen.add(key);
      matches.push(nick + suffix);
    }
  }
  if (matches.length === 0) return null;
  return fill({ head, tail: tail.startsWith(" ") ? tail.slice(1) : tail, matches, index: 0 });
}

function fill(cycle: CompletionCycle): Completed {
  const word = cycle.matches[cycle.index];
  return { text: cycle.head + word + cycle.tail, caret: cycle.head.length + word.length, cycle };
}

/**
 * The nicks of a window for completion: recent speakers newest first, then
 * the members, without `own` (one's own nick is not completed).
 */
export function completionNicks(
  messages: readonly { sender: string | null }[],
  members: readonly string[],
  own: string,
): string[] {
  const nicks: string[] = [];
  const ownKey = own.toLowerCase();
  for (let i = messages.length - 1; i >= 0 && nicks.length < 200; i--) {
    const sender = messages[i].sender;
    if (sender && sender.toLowerCase() !== ownKey) nicks.push(sender);
  }
  for (const nick of members) if (nick.toLowerCase() !== ownKey) nicks.push(nick);
  return nicks;
}
