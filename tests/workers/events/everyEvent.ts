/**
 * One line of every kind of IRC event the worker stores, after `tester`
 * joined #chan and #other (bob in both), and what each stores: the handler
 * test (all handlers at once) and the whole-worker test share it.
 *
 * @module
 */

/** The lines, in order. */
export const EVERY_EVENT_LINES: string[] = [
  ":bob!b@h PRIVMSG #chan :hello",
  ":bob!b@h PRIVMSG tester :private hi",
  ":bob!b@h PRIVMSG #chan :\x01ACTION waves\x01",
  ":bob!b@h NOTICE #chan :chan notice",
  ":NickServ!s@services NOTICE tester :please identify",
  ":fake.irc NOTICE tester :*** a server notice",
  ":dave!d@host.example JOIN #chan",
  ":dave!d@host.example PART #chan :bye",
  ":carol!c@h TOPIC #chan :new topic",
  ":carol!c@h MODE #chan +o bob",
  ":carol!c@h KICK #chan erin :out",
  ":bob!b@h NICK bobby",
  ":bobby!b@h QUIT :gone",
  ":fake.irc 404 tester #chan :Cannot send to channel",
];

/** What they store, as `[message_type, target, sender, content]`: a nick change and a quit once per channel. */
export const EVERY_EVENT_STORED: (string | null)[][] = [
  ["privmsg", "#chan", "bob", "hello"],
  ["privmsg", "bob", "bob", "private hi"],
  ["action", "#chan", "bob", "waves"],
  ["notice", "#chan", "bob", "chan notice"],
  ["notice", null, "NickServ", "please identify"],
  ["system", null, "fake.irc", "*** a server notice"],
  ["join", "#chan", "dave", "d@host.example"],
  ["part", "#chan", "dave", "bye"],
  ["topic", "#chan", "carol", "new topic"],
  ["mode", "#chan", "carol", "+o bob"],
  ["kick", "#chan", "carol", "erin out"],
  ["nick", "#chan", "bob", "bobby"],
  ["nick", "#other", "bob", "bobby"],
  ["quit", "#chan", "bobby", "gone"],
  ["quit", "#other", "bobby", "gone"],
  ["error", null, null, "#chan: Cannot send to channel"],
];
