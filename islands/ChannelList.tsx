/// <reference lib="dom" />
/**
 * Island: the channel browser of a server (`/list`): one page at a time,
 * searched and sorted by the API, so 50,000 channels are never held whole;
 * asked again each second while the list comes in; a click joins and opens
 * the channel. Without JavaScript the search is a plain form.
 *
 * @module
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChannelListPage, ChannelListSort } from "../lib/channelList.ts";
import { IrcText } from "../lib/ircFormat.ts";
import { apiRequest, sendLine } from "./api.ts";
import { windowPath } from "./channel/Composer.tsx";

/** Props of {@link ChannelList}. */
export interface ChannelListProps {
  serverId: number;
  serverName: string;
  query: string;
  sort: ChannelListSort;
  offset: number;
  pageSize: number;
  page: ChannelListPage;
}

/** The browser: search, sort, the page of channels, and paging. */
export default function ChannelList(props: ChannelListProps) {
  const { serverId, pageSize } = props;
  const [query, setQuery] = useState(props.query);
  const [sort, setSort] = useState<ChannelListSort>(props.sort);
  const [offset, setOffset] = useState(props.offset);
  const [page, setPage] = useState(props.page);
  const [error, setError] = useState<string | null>(null);
  const asked = useRef(0);

  const load = async () => {
    const ask = ++asked.current;
    const params = new URLSearchParams({ q: query, sort, offset: String(offset), limit: String(pageSize) });
    const result = await apiRequest<ChannelListPage>(
      "GET",
      `/api/servers/${serverId}/channel-list?${params}`,
    );
    if (ask !== asked.current) return; // a newer search went out meanwhile
    if (result.ok) {
      setPage(result.data);
      setError(null);
    } else setError(result.error);
  };

  // A search is asked a moment after typing stops; paging and sorting at once.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const timer = setTimeout(load, 250);
    return () => clearTimeout(timer);
  }, [query, sort, offset]);

  // While the server is still sending the list, it grows: look again.
  useEffect(() => {
    if (page.state !== "listing") return;
    const timer = setTimeout(load, 1000);
    return () => clearTimeout(timer);
  }, [page]);

  const command = async (content: string) => {
    const result = await sendLine(serverId, { target: null, content, clientId: crypto.randomUUID() });
    if (!result.ok) setError(result.error);
    return result.ok;
  };
  const refresh = async () => {
    if (await command("/list")) {
      setOffset(0);
      setPage({ ...page, state: "listing", total: 0, matching: 0, entries: [] });
    }
  };
  const join = async (name: string) => {
    if (await command(`/join ${name}`)) location.assign(windowPath(serverId, name));
  };

  const status = page.state === "none"
    ? "No channel list yet."
    : page.state === "listing"
    ? `Receiving the list… ${page.total} channels so far.`
    : `${page.total} channels${page.truncated ? " (the list was cut: the server sent too many)" : ""}.`;
  const last = Math.min(offset + page.entries.length, page.matching);

  return (
    <section class="channel-list" aria-label={`Channels of ${props.serverName}`}>
      <form
        class="channel-list-search"
        method="get"
        action={`/servers/${serverId}/channels`}
        role="search"
        onSubmit={(e) => e.preventDefault()}
      >
        <label>
          <span class="visually-hidden">Search channels</span>
          <input
            type="search"
            name="q"
            value={query}
            placeholder="Search names and topics"
            maxLength={200}
            onInput={(e) => {
              setQuery((e.currentTarget as HTMLInputElement).value);
              setOffset(0);
            }}
          />
        </label>
        <label>
          Sort{" "}
          <select
            name="sort"
            value={sort}
            onChange={(e) => {
              setSort((e.currentTarget as HTMLSelectElement).value === "name" ? "name" : "users");
              setOffset(0);
            }}
          >
            <option value="users">most users first</option>
            <option value="name">by name</option>
          </select>
        </label>
        <noscript>
          <button type="submit" class="button">Search</button>
        </noscript>
        <button type="button" class="button secondary" onClick={refresh}>Refresh list</button>
      </form>
      <p class="channel-list-status" role="status">
        {status} {query && page.state !== "none" ? `${page.matching} match.` : ""}
      </p>
      {error ? <p class="inline-error" role="alert">{error}</p> : null}
      {page.entries.length
        ? (
          <table class="channel-table">
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col" class="users">Users</th>
                <th scope="col">Topic</th>
                <th scope="col">
                  <span class="visually-hidden">Join</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.entries.map((entry) => (
                <tr key={entry.name}>
                  <th scope="row" class="name">{entry.name}</th>
                  <td class="users">{entry.users}</td>
                  <td class="topic">
                    <IrcText text={entry.topic} />
                  </td>
                  <td>
                    <button type="button" class="button small" onClick={() => join(entry.name)}>
                      Join<span class="visually-hidden">{entry.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
        : page.state === "done"
        ? <p class="empty">No channel matches.</p>
        : null}
      {page.matching > pageSize
        ? (
          <nav class="channel-list-pages" aria-label="Pages">
            <button
              type="button"
              class="button secondary"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - pageSize))}
            >
              Previous
            </button>
            <span>{offset + 1}–{last} of {page.matching}</span>
            <button
              type="button"
              class="button secondary"
              disabled={offset + pageSize >= page.matching}
              onClick={() => setOffset(offset + pageSize)}
            >
              Next
            </button>
          </nav>
        )
        : null}
    </section>
  );
}
