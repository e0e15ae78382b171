/**
 * Who is in each channel of a server, as the worker last heard it, stored in
 * `channel_members` and recorded in the server's log as `members` events. The
 * worker hands each change here as whole rows; the changes of one batch are
 * folded first, so a NAMES reply of thousands is one insert and no change
 * rewrites a channel's whole list.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import type { ChannelMember } from "./db/schema.ts";
import { allocateSeqs } from "./events/eventLog.ts";
import type { LogEvent, MembersEventData } from "./events/wireFormat.ts";
import { storableText } from "./storableText.ts";

/** One member of a channel, as stored and sent: a `channel_members` row without its keys. */
export type Member = ChannelMember;

/** A change of the members of a server's channels. */
export type MembersChange =
  | { kind: "reset"; channel: string; members: Member[] }
  | { kind: "put"; channel: string; member: Member }
  | { kind: "remove"; channel: string; nick: string }
  | { kind: "clear" };

/** Most members a channel's list holds (a hostile server's NAMES must not be unbounded). */
export const MAX_MEMBERS = 100_000;

// The net effect of a run of changes on one channel.
interface Folded {
  reset: boolean;
  rows: Map<string, Member | null>;
}

/**
 * Applies `changes` (in order) to the members of `serverId` inside the
 * caller's transaction, in at most four statements whatever their number,
 * and records one `members` event per channel changed; returns the events,
 * for the caller to publish after the commit.
 */
export async function applyMemberChanges(
  trx: Db,
  serverId: number,
  changes: readonly MembersChange[],
): Promise<LogEvent[]> {
  let cleared = false;
  let channels = new Map<string, Folded>();
  // Text as PostgreSQL stores it (no NUL), in the rows and in the events' jsonb alike.
  for (const raw of changes) {
    const change = storableChange(raw);
    if (change.kind === "clear") {
      cleared = true;
      channels = new Map();
      continue;
    }
    let folded = channels.get(change.channel);
    if (!folded || change.kind === "reset") {
      folded = { reset: change.kind === "reset" || (folded?.reset ?? false), rows: new Map() };
      channels.set(change.channel, folded);
    }
    if (change.kind === "reset") {
      for (const member of change.members.slice(0, MAX_MEMBERS)) folded.rows.set(member.nick, member);
    } else if (change.kind === "put") {
      folded.rows.set(change.member.nick, change.member);
    } else {
      folded.rows.set(change.nick, null);
    }
  }
  const resets = [...channels].filter(([, f]) => f.reset).map(([name]) => name);
  const removed: { channel: string; nick: string }[] = [];
  const put: { channel: string; member: Member }[] = [];
  for (const [channel, folded] of channels) {
    for (const [nick, member] of folded.rows) {
      if (member) put.push({ channel, member });
      else if (!folded.reset) removed.push({ channel, nick });
    }
  }
  if (cleared) await trx.deleteFrom("channel_members").where("server_id", "=", serverId).execute();
  if (resets.length > 0) {
    await trx.deleteFrom("channel_members").where("server_id", "=", serverId)
      .where("channel", "in", resets).execute();
  }
  if (removed.length > 0) {
    await sql`
      delete from channel_members m using unnest(${removed.map((r) => r.channel)}::text[],
                                                 ${removed.map((r) => r.nick)}::text[]) as d(channel, nick)
      where m.server_id = ${serverId} and m.channel = d.channel and m.nick = d.nick`.execute(trx);
  }
  if (put.length > 0) {
    const col = <T>(f: (p: { channel: string; member: Member }) => T) => put.map(f);
    await sql`
      insert into channel_members (server_id, channel, nick, modes, prefix, rank, "user", host, account, away,
                                   realname)
      select ${serverId}, * from unnest(
        ${col((p) => p.channel)}::text[], ${col((p) => p.member.nick)}::text[],
        ${col((p) => p.member.modes)}::text[], ${col((p) => p.member.prefix)}::text[],
        ${col((p) => p.member.rank)}::int[], ${col((p) => p.member.user)}::text[],
        ${col((p) => p.member.host)}::text[], ${col((p) => p.member.account)}::text[],
        ${col((p) => p.member.away)}::text[], ${col((p) => p.member.realname)}::text[])
      on conflict (server_id, channel, nick) do update set
        modes = excluded.modes, prefix = excluded.prefix, rank = excluded.rank, "user" = excluded."user",
        host = excluded.host, account = excluded.account, away = excluded.away, realname = excluded.realname`
      .execute(trx);
  }
  const data: MembersEventData[] = [];
  if (cleared) data.push({ server_id: serverId, channel: null, reset: true, members: [], removed: [] });
  for (const [channel, folded] of channels) {
    const members = folded.reset ? [] : [...folded.rows.values()].filter((m): m is Member => m !== null);
    const gone = folded.reset ? [] : [...folded.rows].filter(([, m]) => m === null).map(([nick]) => nick);
    data.push({ server_id: serverId, channel, reset: folded.reset, members, removed: gone });
  }
  if (data.length === 0) return [];
  const first = await allocateSeqs(trx, serverId, data.length);
  await trx.insertInto("server_events").values(data.map((d, i) => ({
    server_id: serverId,
    seq: first + i,
    kind: "members" as const,
    data: JSON.stringify(d),
  }))).execute();
  return data.map((d, i) => ({ serverId, seq: first + i, event: "members" as const, data: d }));
}

function storableChange(change: MembersChange): MembersChange {
  switch (change.kind) {
    case "clear":
      return change;
    case "remove":
      return { ...change, channel: storableText(change.channel), nick: storableText(change.nick) };
    case "put":
      return { ...change, channel: storableText(change.channel), member: storableMember(change.member) };
    case "reset":
      return {
        ...change,
        channel: storableText(change.channel),
        members: change.members.map(storableMember),
      };
  }
}

function storableMember(m: Member): Member {
  const text = (value: string | null) => value === null ? null : storableText(value);
  return {
    nick: storableText(m.nick),
    modes: storableText(m.modes),
    prefix: storableText(m.prefix),
    rank: m.rank,
    user: text(m.user),
    host: text(m.host),
    account: text(m.account),
    away: text(m.away),
    realname: text(m.realname),
  };
}

/** A channel's members, by rank then name, with counts. */
export interface MemberList {
  channel: string;
  members: Member[];
  counts: { total: number; ops: number; voiced: number; away: number };
}

/**
 * The members of `channel` (matched case-insensitively) of `serverId`,
 * sorted by rank then name; an empty list for a channel we are not in.
 */
export async function listMembers(db: Db, serverId: number, channel: string): Promise<MemberList> {
  const rows = await db.selectFrom("channel_members")
    .select(["channel", "nick", "modes", "prefix", "rank", "user", "host", "account", "away", "realname"])
    .where("server_id", "=", serverId)
    .where(sql<boolean>`lower(channel) = lower(${channel})`)
    .orderBy("rank").orderBy(sql`lower(nick)`).orderBy("nick")
    .limit(MAX_MEMBERS)
    .execute();
  const members = rows.map(({ channel: _, ...member }) => member);
  return {
    channel: rows[0]?.channel ?? channel,
    members,
    counts: {
      total: members.length,
      ops: members.filter(isOperator).length,
      voiced: members.filter((m) => !isOperator(m) && m.modes !== "").length,
      away: members.filter((m) => m.away !== null).length,
    },
  };
}

/** Modes that let a member op, kick and ban (owner, admin, op; halfop is not counted). */
const OPERATOR_MODES = /[qaoy]/;

/** Whether `member` is a channel operator (or above). */
export function isOperator(member: Pick<Member, "modes">): boolean {
  return OPERATOR_MODES.test(member.modes);
}
