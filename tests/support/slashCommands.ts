/**
 * A typed line parsed as the composer parses it (`parseSlashCommand`), for
 * tests that expect it to parse, or to be refused.
 *
 * @module
 */
import { parseSlashCommand } from "../../lib/slashCommand.ts";
import type { IrcCommand } from "../../lib/ircCommand.ts";

/** The command `content` typed in `target` parses to; throws when it is refused. */
export function command(content: string, target: string | null = "#ruby"): IrcCommand {
  const result = parseSlashCommand(content, target);
  if (!result.ok) throw new Error(`${content}: ${result.error}`);
  return result.command;
}

/** Why `content` typed in `target` is refused; throws when it parses. */
export function error(content: string, target: string | null = "#ruby"): string {
  const result = parseSlashCommand(content, target);
  if (result.ok) throw new Error(`${content} parsed as ${JSON.stringify(result.command)}`);
  return result.error;
}
