/**
 * SASL on top of irc-framework's: what it is given to log in (PLAIN's
 * account and password, or EXTERNAL's client certificate), which of its
 * failures end the connection for good, "require SASL", and the fix of its
 * CAP END that comes too early.
 *
 * @module
 */
import type { Client, ConnectOptions } from "./irc-framework.d.ts";
import type { Logger } from "../lib/log.ts";

/** How to log in with SASL, if at all. */
export type SaslSettings =
  | { mechanism: "PLAIN"; account: string; password: string }
  | { mechanism: "EXTERNAL" }
  | null;

/** The client certificate presented on TLS, PEM. */
export interface ClientCertificatePem {
  cert: string;
  key: string;
}

/** irc-framework's connect options for `sasl` and the certificate. */
export function saslConnectOptions(
  sasl: SaslSettings,
  certificate: ClientCertificatePem | null,
): Pick<ConnectOptions, "account" | "sasl_mechanism" | "client_certificate"> {
  return {
    // `{}` really turns SASL off in irc-framework (else it would try the
    // server password as a SASL one). EXTERNAL asks for `sasl` by its
    // mechanism alone.
    account: sasl?.mechanism === "PLAIN" ? { account: sasl.account, password: sasl.password } : {},
    ...(sasl?.mechanism === "EXTERNAL" ? { sasl_mechanism: "EXTERNAL" } : {}),
    // Presented whenever there is one: services may also identify by it (CertFP).
    ...(certificate
      ? { client_certificate: { certificate: certificate.cert, private_key: certificate.key } }
      : {}),
  };
}

// irc-framework's `sasl failed` reasons that are the server's no to our
// credentials: retrying with the same ones cannot help.
const REFUSALS = new Map([
  ["fail", "the server refused the login"],
  ["nick_locked", "the account is locked"],
  ["too_long", "the login was too long for the server"],
]);

// What the server said with a refusal goes on the server's status: one
// line of printable text, of a length a status shows.
function serverWords(message: unknown): string {
  if (typeof message !== "string") return "";
  // deno-lint-ignore no-control-regex -- control characters are what is dropped
  const text = message.replace(/[\x00-\x1f\x7f]/g, "").trim().slice(0, 300);
  return text === "" ? "" : `: ${text}`;
}

/**
 * Follows SASL on `client`: calls `fail` with a reason a user can read when
 * the server refuses the login (904, 902, 905), and, with `required`, when
 * SASL cannot happen (no `sasl` capability, the mechanism not offered) or
 * registration completes without a login. Without `required`, a server
 * without SASL is used unauthenticated, as other clients do.
 */
export function watchSasl(
  client: Client,
  sasl: SaslSettings,
  required: boolean,
  log: Logger,
  fail: (reason: string) => void,
): void {
  fixEarlyCapEnd(client);
  let loggedIn = false;
  client.on("socket connected", () => loggedIn = false);
  // 903, which irc-framework calls RPL_SASLLOGGEDIN and emits nothing for:
  // told by its handler rather than by testing every line read.
  wrapHandler(client, "RPL_SASLLOGGEDIN", (original, command, self) => {
    loggedIn = true;
    original(command, self);
  });
  client.on("sasl failed", (event) => {
    const mechanism = sasl?.mechanism ?? "";
    const refusal = REFUSALS.get(event.reason);
    if (refusal) {
      fail(`SASL ${mechanism} login failed, ${refusal}${serverWords(event.message)}`);
    } else if (required) {
      fail(
        event.reason === "capability_missing"
          ? "The server does not offer SASL, which this server's settings require"
          : `The server does not offer SASL ${mechanism}, which this server's settings require`,
      );
    } else {
      log.warn(`SASL not possible (${event.reason}): going on without logging in`);
    }
  });
  client.on("registered", () => {
    if (required && sasl && !loggedIn) {
      // A server without CAP registers at once: no login happened.
      fail("The server registered the connection without a SASL login, which this server's settings require");
    }
  });
}

/** irc-framework's command handler, as far as {@link fixEarlyCapEnd} replaces it. */
interface CommandHandlerInternals {
  handlers: Record<string, (command: unknown, handler: CommandHandlerInternals) => void>;
  network: { cap: { negotiating: boolean } };
}

/**
 * irc-framework 4.14 ends capability negotiation (CAP END) on 900
 * RPL_LOGGEDIN, which is only the account being set; the SASL exchange
 * ends with 903 (or 904-907), and a server that sees CAP END before it has
 * relayed that answer from services counts the login as aborted (kiwiirc/
 * irc-framework#390, fixed by #391, unreleased). Same handler, without the
 * CAP END: the 903 and 904-907 handlers still send it.
 */
function fixEarlyCapEnd(client: Client): void {
  wrapHandler(client, "RPL_LOGGEDIN", (original, command, self) => {
    const cap = self.network.cap;
    const negotiating = cap.negotiating;
    // The original writes CAP END only while negotiating: hide that from it.
    cap.negotiating = false;
    try {
      original(command, self);
    } finally {
      cap.negotiating = negotiating;
    }
  });
}

type Handler = CommandHandlerInternals["handlers"][string];

// Replaces irc-framework's handler of `name` (a numeric's name) by `wrapper`, which calls the original.
function wrapHandler(
  client: Client,
  name: string,
  wrapper: (original: Handler, command: unknown, self: CommandHandlerInternals) => void,
): void {
  const handler = (client as unknown as { command_handler: CommandHandlerInternals }).command_handler;
  const original = handler.handlers[name];
  if (!original) throw new Error(`irc-framework has no ${name} handler to wrap`);
  handler.handlers[name] = (command, self) => wrapper(original, command, self);
}
