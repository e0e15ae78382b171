/**
 * Every island: the components the server renders into pages and the
 * browser bundle hydrates, by the name the page records for each.
 *
 * @module
 */
import ChannelList from "./ChannelList.tsx";
import ChannelView from "./ChannelView.tsx";
import ServerControls from "./ServerControls.tsx";
import PushButton from "./PushButton.tsx";
import ServerNav from "./ServerNav.tsx";

/** The islands by name. */
export const ISLANDS = { ChannelList, ChannelView, PushButton, ServerControls, ServerNav } as const;

/** The name of an island. */
export type IslandName = keyof typeof ISLANDS;

/** Whether `name` is an island's name. */
export function isIslandName(name: string): name is IslandName {
  return Object.hasOwn(ISLANDS, name);
}
