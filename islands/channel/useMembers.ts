/// <reference lib="dom" />
/**
 * The members of a channel window: read from
 * `GET /api/servers/:id/channels/:name/members`, then kept live from the
 * stream's `members` events (rows put and nicks removed; a reset, such as
 * a new NAMES reply or a closed connection, is read again). Changes that
 * arrive while a read is in flight are applied on top of its answer: each
 * carries whole rows, so one the answer already had changes nothing.
 *
 * @module
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Member, MemberList } from "../../lib/channelMembers.ts";
import type { MembersEventData } from "../../lib/events/wireFormat.ts";
import { ircLower, sameIrcName } from "../../lib/ircFormat.ts";
import { apiRequest } from "../api.ts";
import { onLiveEvent } from "../live.ts";

/** What a window's nick list shows. */
export interface MembersState {
  /** By rank then name. */
  members: Member[];
  /** Whether the list has been read once. */
  loaded: boolean;
  /** Why it could not be read, if it could not. */
  error: string | null;
  /** Whether the list is shown. */
  open: boolean;
  setOpen(open: boolean): void;
  /** Whether our own member may op, voice, kick and ban here. */
  canModerate: boolean;
}

// The modes `lib/channelMembers.ts` counts as an operator's.
const OPERATOR_MODES = /[qaoy]/;
const OPEN_KEY = "ircweb.nicklist.open";

/** The order of the list: rank (the server's PREFIX), then name as IRC compares it, then as typed. */
export function compareMembers(a: Member, b: Member): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  const x = ircLower(a.nick), y = ircLower(b.nick);
  return x < y ? -1 : x > y ? 1 : a.nick < b.nick ? -1 : a.nick > b.nick ? 1 : 0;
}

/** `members` with one event's changes applied, sorted. */
export function applyMembersEvent(members: readonly Member[], event: MembersEventData): Member[] {
  const byNick = new Map(members.map((m) => [ircLower(m.nick), m]));
  for (const nick of event.removed) byNick.delete(ircLower(nick));
  for (const member of event.members) byNick.set(ircLower(member.nick), member);
  return [...byNick.values()].sort(compareMembers);
}

/** The members of channel `target` of `serverId` (`null`: not a channel window: nothing is read). */
export function useMembers(serverId: number, target: string | null, nick: string): MembersState {
  const [members, setMembers] = useState<Member[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpenState] = useState(false);
  const reading = useRef<MembersEventData[] | null>(null);

  const read = useCallback(async () => {
    if (target === null) return;
    // A read already in flight takes the changes; one more after it sees the newest.
    reading.current = [];
    const answer = await apiRequest<MemberList>(
      "GET",
      `/api/servers/${serverId}/channels/${encodeURIComponent(target)}/members`,
    );
    const during = reading.current ?? [];
    reading.current = null;
    if (!answer.ok) {
      setError(answer.error);
      return;
    }
    setError(null);
    setMembers(during.reduce(applyMembersEvent, [...answer.data.members].sort(compareMembers)));
    setLoaded(true);
  }, [serverId, target]);

  useEffect(() => {
    if (target === null) return;
    setOpenState(initialOpen());
    read();
    return onLiveEvent((event) => {
      if (event.type !== "members" || event.data.server_id !== serverId) return;
      const data = event.data;
      if (data.channel !== null && !sameIrcName(data.channel, target)) return;
      if (data.reset) {
        read();
        return;
      }
      if (reading.current) reading.current.push(data);
      setMembers((current) => applyMembersEvent(current, data));
    });
  }, [serverId, target, read]);

  const setOpen = useCallback((value: boolean) => {
    setOpenState(value);
    try {
      localStorage.setItem(OPEN_KEY, value ? "1" : "0");
    } catch {
      // Private browsing: the choice lasts for the page only.
    }
  }, []);

  const me = members.find((m) => sameIrcName(m.nick, nick));
  return {
    members,
    loaded,
    error,
    open,
    setOpen,
    canModerate: me !== undefined && OPERATOR_MODES.test(me.modes),
  };
}

// Open on a wide screen unless the user closed it; closed (a drawer) on a phone.
function initialOpen(): boolean {
  if (typeof matchMedia === "function" && matchMedia("(max-width: 760px)").matches) return false;
  try {
    return localStorage.getItem(OPEN_KEY) !== "0";
  } catch {
    return true;
  }
}
