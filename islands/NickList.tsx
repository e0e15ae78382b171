/// <reference lib="dom" />
/**
 * A channel window's nick list (beside the window, a drawer on a phone):
 * members by rank then name with prefixes, away ones dimmed; a nick's menu
 * sends a query, a WHOIS and, for an operator, op, voice, kick and ban
 * through the outbox. State from `channel/useMembers.ts`.
 *
 * @module
 */
import { Component } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Member } from "../lib/channelMembers.ts";
import { enqueue } from "./outbox.ts";
import { useMembers } from "./channel/useMembers.ts";

/** Props of {@link NickList} and {@link MemberCount}. */
export interface NickListProps {
  serverId: number;
  channel: string;
  /** Our nick now, to tell whether we are an operator here. */
  nick: string;
}

/** The header's button: the member count, showing or hiding the list. */
export function MemberCount({ serverId, channel, nick }: NickListProps) {
  const state = useMembers(serverId, channel, nick);
  if (!state.loaded) return null;
  const count = state.members.length;
  return (
    <button
      type="button"
      class="member-count"
      aria-expanded={state.open}
      aria-controls="nicklist"
      title={state.open ? "Hide the nick list" : "Show the nick list"}
      onClick={() => state.setOpen(!state.open)}
    >
      {count} {count === 1 ? "user" : "users"}
    </button>
  );
}

/** The list, with each nick's menu. */
export function NickList({ serverId, channel, nick }: NickListProps) {
  const state = useMembers(serverId, channel, nick);
  const [menu, setMenu] = useState<string | null>(null);
  // Stable, so that a join redraws the row that changed and not every row.
  const send = useCallback((line: string) => {
    enqueue(serverId, channel, line);
    setMenu(null);
  }, [serverId, channel]);
  if (!state.open) return null;
  return (
    <>
      <div class="nicklist-backdrop" onClick={() => state.setOpen(false)} />
      <aside class="nicklist" id="nicklist" aria-label={`Users in ${channel}`}>
        <header class="nicklist-header">
          <span>{state.members.length} in {channel}</span>
          <button
            type="button"
            class="nicklist-close"
            aria-label="Hide the nick list"
            onClick={() => state.setOpen(false)}
          >
            ×
          </button>
        </header>
        {state.error ? <p class="inline-error" role="alert">{state.error}</p> : null}
        <ul class="nicks">
          {state.members.map((m) => (
            <NickRow
              key={m.nick}
              serverId={serverId}
              channel={channel}
              member={m}
              open={menu === m.nick}
              canModerate={state.canModerate}
              setMenu={setMenu}
              send={send}
            />
          ))}
        </ul>
      </aside>
    </>
  );
}

interface NickRowProps {
  serverId: number;
  channel: string;
  member: Member;
  open: boolean;
  canModerate: boolean;
  setMenu(nick: string | null): void;
  send(line: string): void;
}

// One member; drawn again only when its row or its menu changed (as MessageLine).
class NickRow extends Component<NickRowProps> {
  override shouldComponentUpdate(next: NickRowProps): boolean {
    const now = this.props;
    return next.member !== now.member || next.open !== now.open || next.canModerate !== now.canModerate ||
      next.send !== now.send || next.channel !== now.channel || next.serverId !== now.serverId;
  }

  override render() {
    const props = this.props;
    const m = props.member;
    return (
      <li class={m.away !== null ? "nick away" : "nick"}>
        <button
          type="button"
          class="nick-button"
          title={describe(m)}
          aria-haspopup="menu"
          aria-expanded={props.open}
          onClick={() => props.setMenu(props.open ? null : m.nick)}
        >
          <span class="nick-prefix">{m.prefix.slice(0, 1)}</span>
          <span class="nick-name">{m.nick}</span>
        </button>
        {props.open
          ? (
            <NickMenu
              serverId={props.serverId}
              channel={props.channel}
              member={m}
              canModerate={props.canModerate}
              send={props.send}
              close={() => props.setMenu(null)}
            />
          )
          : null}
      </li>
    );
  }
}

interface NickMenuProps {
  serverId: number;
  channel: string;
  member: Member;
  canModerate: boolean;
  send(line: string): void;
  close(): void;
}

function NickMenu({ serverId, channel, member, canModerate, send, close }: NickMenuProps) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>("a, button")?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") close();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  const nick = member.nick;
  const op = member.modes.includes("o");
  const voice = member.modes.includes("v");
  return (
    <div class="nick-menu" role="menu" aria-label={nick} ref={ref}>
      <a role="menuitem" href={`/servers/${serverId}/chat/${encodeURIComponent(nick)}`}>Query</a>
      <button type="button" role="menuitem" onClick={() => send(`/whois ${nick}`)}>Whois</button>
      {canModerate
        ? (
          <>
            <button
              type="button"
              role="menuitem"
              onClick={() => send(`/mode ${channel} ${op ? "-o" : "+o"} ${nick}`)}
            >
              {op ? "Deop" : "Op"}
            </button>
            <button
              type="button"
              role="menuitem"
              onClick={() => send(`/mode ${channel} ${voice ? "-v" : "+v"} ${nick}`)}
            >
              {voice ? "Devoice" : "Voice"}
            </button>
            <button type="button" role="menuitem" onClick={() => send(`/kick ${channel} ${nick}`)}>
              Kick
            </button>
            <button type="button" role="menuitem" onClick={() => send(`/mode ${channel} +b ${nick}!*@*`)}>
              Ban
            </button>
          </>
        )
        : null}
    </div>
  );
}

// The tooltip: every prefix, the mask, the account, the realname, the away message.
function describe(m: Member): string {
  const lines = [`${m.prefix}${m.nick}`];
  if (m.user || m.host) lines.push(`${m.user ?? "*"}@${m.host ?? "*"}`);
  if (m.account) lines.push(`Account: ${m.account}`);
  if (m.realname) lines.push(m.realname);
  if (m.away !== null) lines.push(`Away: ${m.away}`);
  return lines.join("\n");
}
