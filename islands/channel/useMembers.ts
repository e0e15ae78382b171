/// <reference lib="dom" />
/**
 * The members of a channel window: read from the members route, then kept
 * live by the stream's `members` events (whole rows, so changes during the
 * read apply on top of it). One store per channel, shared by the header's
 * count and the list: joins redraw those, never the messages.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";
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

interface Snapshot {
  members: Member[];
  loaded: boolean;
  error: string | null;
  open: boolean;
}

// One channel's list, while something shows it.
class ChannelMembers {
  snapshot: Snapshot = { members: [], loaded: false, error: null, open: initialOpen() };
  readonly listeners = new Set<() => void>();
  #during: MembersEventData[] | null = null;
  #stopLive: (() => void) | undefined;

  constructor(readonly serverId: number, readonly channel: string) {}

  start(): void {
    this.read();
    this.#stopLive = onLiveEvent((event) => {
      if (event.type !== "members" || event.data.server_id !== this.serverId) return;
      const data = event.data;
      if (data.channel !== null && !sameIrcName(data.channel, this.channel)) return;
      if (data.reset) return void this.read();
      this.#during?.push(data);
      this.#set({ members: applyMembersEvent(this.snapshot.members, data) });
    });
  }

  stop(): void {
    this.#stopLive?.();
  }

  async read(): Promise<void> {
    const during: MembersEventData[] = [];
    this.#during = during;
    const answer = await apiRequest<MemberList>(
      "GET",
      `/api/servers/${this.serverId}/channels/${encodeURIComponent(this.channel)}/members`,
    );
    // A newer read takes over.
    if (this.#during !== during) return;
    this.#during = null;
    if (!answer.ok) return void this.#set({ error: answer.error });
    const members = during.reduce(applyMembersEvent, [...answer.data.members].sort(compareMembers));
    this.#set({ members, loaded: true, error: null });
  }

  setOpen(open: boolean): void {
    try {
      localStorage.setItem(OPEN_KEY, open ? "1" : "0");
    } catch {
      // Private browsing: the choice lasts for the page only.
    }
    this.#set({ open });
  }

  #set(change: Partial<Snapshot>): void {
    this.snapshot = { ...this.snapshot, ...change };
    for (const listener of [...this.listeners]) listener();
  }
}

const stores = new Map<string, ChannelMembers>();

/** The members of channel `channel` of `serverId`, as our nick `nick` sees them. */
export function useMembers(serverId: number, channel: string, nick: string): MembersState {
  const key = `${serverId}\n${ircLower(channel)}`;
  const [store, setStore] = useState<ChannelMembers | undefined>(undefined);
  const [, setVersion] = useState(0);
  useEffect(() => {
    let shared = stores.get(key);
    if (!shared) {
      shared = new ChannelMembers(serverId, channel);
      stores.set(key, shared);
      shared.start();
    }
    const listener = () => setVersion((v) => v + 1);
    shared.listeners.add(listener);
    setStore(shared);
    const mine = shared;
    return () => {
      mine.listeners.delete(listener);
      if (mine.listeners.size === 0) {
        mine.stop();
        stores.delete(key);
      }
    };
  }, [key]);
  const snapshot = store?.snapshot ?? { members: [], loaded: false, error: null, open: false };
  const me = snapshot.members.find((m) => sameIrcName(m.nick, nick));
  return {
    ...snapshot,
    setOpen: (open) => store?.setOpen(open),
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

/**
 * The nicks of channel `channel` of `serverId` as its store holds them now
 * (none while nothing shows the list), for tab completion: read when
 * needed, so a join redraws nothing that asks.
 */
export function memberNicks(serverId: number, channel: string | null): string[] {
  if (channel === null) return [];
  return stores.get(`${serverId}\n${ircLower(channel)}`)?.snapshot.members.map((m) => m.nick) ?? [];
}
