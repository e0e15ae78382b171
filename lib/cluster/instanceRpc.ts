/**
 * What one app instance asks of another over HTTP (a command for a worker it
 * runs, a disconnect): the messages, validated at both ends, and their
 * signature, an HMAC keyed from the bus key in `app_secrets`, so only
 * instances of this database can ask (docs/api.md, "Between instances").
 * @module
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Db } from "../db/database.ts";
import { readBusKey } from "../events/busChannels.ts";
import { type IrcCommand, validateCommand } from "../ircCommand.ts";
import type { IrcCommandErrorKind } from "../ircCommandSender.ts";

/** The path of the owner's side (routes/internal.ts). */
export const PEER_PATH = "/internal/peer";
/** How far a request's signed time may be from the receiver's clock. */
export const PEER_CLOCK_SKEW_MS = 30_000;
/** Largest request body accepted. */
export const MAX_PEER_BODY_BYTES = 64 * 1024;

/** What one instance asks another; `nonce` makes a resend of the same request get the first answer. */
export type PeerRequest =
  | { kind: "command"; nonce: string; server_id: number; command: IrcCommand }
  | { kind: "disconnect"; nonce: string; server_id: number; message: string | null };

/** Why the owner did not carry a request out; `not_owner`: it does not run that server (nothing was sent). */
export type PeerErrorKind = IrcCommandErrorKind | "not_owner";

/** The owner's answer: the worker's own acknowledgement, or why not, and whether nothing was sent. */
export type PeerAnswer =
  | { ok: true; queued?: true }
  | { ok: false; kind: PeerErrorKind; error: string; unsent: boolean };

type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

const NONCE = /^[A-Za-z0-9-]{8,64}$/;
const ERROR_KINDS: ReadonlySet<string> = new Set<PeerErrorKind>([
  "not_connected",
  "socket_not_found",
  "unavailable",
  "timeout",
  "queue_full",
  "refused",
  "not_owner",
]);

/** A {@link PeerRequest} from untrusted JSON (a signed one still passes through here). */
export function validatePeerRequest(input: unknown): Validated<PeerRequest> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return fail("not an object");
  const raw = input as Record<string, unknown>;
  if (typeof raw.nonce !== "string" || !NONCE.test(raw.nonce)) return fail("bad nonce");
  const serverId = raw.server_id;
  if (typeof serverId !== "number" || !Number.isSafeInteger(serverId) || serverId < 1) {
    return fail("bad server_id");
  }
  if (raw.kind === "command") {
    const command = validateCommand(raw.command);
    if (!command.ok) return fail(command.error);
    const { id: _id, ...bare } = command.value;
    return { ok: true, value: { kind: "command", nonce: raw.nonce, server_id: serverId, command: bare } };
  }
  if (raw.kind === "disconnect") {
    const message = raw.message;
    if (
      message !== null && (typeof message !== "string" || message.length > 400 || /[\r\n\0]/.test(message))
    ) {
      return fail("bad message");
    }
    return { ok: true, value: { kind: "disconnect", nonce: raw.nonce, server_id: serverId, message } };
  }
  return fail("unknown kind");
}

/** A {@link PeerAnswer} from the owner's JSON. */
export function validatePeerAnswer(input: unknown): Validated<PeerAnswer> {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return fail("not an object");
  const raw = input as Record<string, unknown>;
  if (raw.ok === true) {
    if (raw.queued !== undefined && raw.queued !== true) return fail("bad queued");
    return { ok: true, value: raw.queued ? { ok: true, queued: true } : { ok: true } };
  }
  if (raw.ok !== false) return fail("bad ok");
  if (typeof raw.kind !== "string" || !ERROR_KINDS.has(raw.kind)) return fail("bad kind");
  if (typeof raw.error !== "string" || raw.error.length > 1000) return fail("bad error");
  if (typeof raw.unsent !== "boolean") return fail("bad unsent");
  return {
    ok: true,
    value: { ok: false, kind: raw.kind as PeerErrorKind, error: raw.error, unsent: raw.unsent },
  };
}

/**
 * The signing key: HMAC-SHA-256 of the bus key (`app_secrets`, readable by
 * the app's role only) with a label of its own, so that one secret serves
 * both and neither use's output is the other's.
 */
export async function readPeerKey(db: Db): Promise<Uint8Array> {
  return new Uint8Array(createHmac("sha256", await readBusKey(db)).update("ircweb instance rpc").digest());
}

/** The signature of a request: over the sender, the time and the body. */
export function signPeerRequest(key: Uint8Array, sender: string, time: number, body: string): string {
  return createHmac("sha256", key).update(`${sender}\n${time}\n${body}`).digest("hex");
}

/** The headers a request carries its signature in. */
export const PEER_HEADERS = {
  sender: "x-ircweb-instance",
  time: "x-ircweb-time",
  signature: "x-ircweb-signature",
} as const;

/**
 * Whether `body` with `headers` was signed with `key` within the allowed
 * clock skew; the sender's id when it was.
 */
export function verifyPeerRequest(
  key: Uint8Array,
  headers: Headers,
  body: string,
  now = Date.now(),
): Validated<string> {
  const sender = headers.get(PEER_HEADERS.sender) ?? "";
  const timeText = headers.get(PEER_HEADERS.time) ?? "";
  const signature = headers.get(PEER_HEADERS.signature) ?? "";
  if (!/^[0-9]{1,16}$/.test(timeText) || !/^[0-9a-f]{64}$/.test(signature) || sender === "") {
    return fail("unsigned request");
  }
  const time = Number(timeText);
  if (Math.abs(now - time) > PEER_CLOCK_SKEW_MS) return fail("request signed too long ago");
  const expected = Buffer.from(signPeerRequest(key, sender, time, body), "hex");
  if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) return fail("bad signature");
  return { ok: true, value: sender };
}

/**
 * What came of a request: the owner's answer, `unreachable` (no connection
 * was made: nothing can have been carried out), or `no_answer` (the request
 * may have been carried out).
 */
export type PeerOutcome = PeerAnswer | { ok: false; kind: "unreachable" | "no_answer"; error: string };

/** Sends signed requests to other instances. */
export class PeerClient {
  readonly #key: Uint8Array;
  readonly #me: string;

  /** A client signing with `key` as instance `me`. */
  constructor(key: Uint8Array, me: string) {
    this.#key = key;
    this.#me = me;
  }

  /** Sends `request` to the instance at `url`, waiting at most `timeoutMs` for its answer. */
  async send(url: string, request: PeerRequest, timeoutMs: number): Promise<PeerOutcome> {
    const body = JSON.stringify(request);
    const time = Date.now();
    let response: Response;
    try {
      response = await fetch(new URL(PEER_PATH, url), {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          [PEER_HEADERS.sender]: this.#me,
          [PEER_HEADERS.time]: String(time),
          [PEER_HEADERS.signature]: signPeerRequest(this.#key, this.#me, time, body),
        },
        signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
      });
    } catch (error) {
      const text = errorChain(error);
      // Refused or unroutable at connect: the request never left. (Deno says only "fetch failed" and
      // tells why in the error's cause.)
      if (/connection refused|tcp connect error|no route to host|dns error/i.test(text)) {
        return { ok: false, kind: "unreachable", error: text };
      }
      return { ok: false, kind: "no_answer", error: text };
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch (error) {
      return { ok: false, kind: "no_answer", error: error instanceof Error ? error.message : String(error) };
    }
    if (response.status === 401) {
      // A request it did not believe was not carried out.
      return {
        ok: false,
        kind: "refused",
        error: "Another app instance refused our signature",
        unsent: true,
      };
    }
    const valid = validatePeerAnswer(json);
    if (!valid.ok) return { ok: false, kind: "no_answer", error: `invalid answer: ${valid.error}` };
    return valid.value;
  }
}

// An error's message and those of its causes, for telling how a request failed.
function errorChain(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ");
}

function fail<T>(error: string): Validated<T> {
  return { ok: false, error };
}
