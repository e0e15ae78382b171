/**
 * The settings a user gives for an IRC server, checked field by field: the
 * API's `POST /api/servers` and the web UI's server form both use this, so
 * a value is valid in one exactly when it is in the other.
 *
 * @module
 */
import { isNickname, utf8Length } from "./ircCommand.ts";
import type { Server } from "./db/schema.ts";
import { isIpLiteral, type TargetPolicy, targetRefusal } from "./ircTargets.ts";
import { clientCertificateProblem, generateClientCertificate, MAX_PEM_LENGTH } from "./clientCert.ts";

/** The columns of a server that its user sets. */
export const SETTING_FIELDS = [
  "name",
  "host",
  "port",
  "tls",
  "nickname",
  "username",
  "realname",
  "password",
  "sasl_username",
  "sasl_password",
  "sasl_mechanism",
  "require_sasl",
  "client_cert_pem",
  "client_key_pem",
  "flood_burst",
  "flood_interval_ms",
] as const;

/** Valid settings of a server. */
export type ServerSettings = Pick<Server, typeof SETTING_FIELDS[number]>;

/** The settings of a stored server, secrets included (never for a response). */
export function settingsOf(server: Server): ServerSettings {
  return Object.fromEntries(SETTING_FIELDS.map((field) => [field, server[field]])) as ServerSettings;
}

/** The result of checking settings: the values, or the first wrong field and why. */
export type SettingsCheck =
  | { ok: true; value: ServerSettings }
  | { ok: false; field: string; error: string };

/** The SASL mechanisms a server may use. */
export const SASL_MECHANISMS = ["PLAIN", "EXTERNAL"] as const;

/** Defaults of the outgoing flood control: 5 lines at once, then one every 2 s. */
export const FLOOD_DEFAULTS = { flood_burst: 5, flood_interval_ms: 2000 } as const;

// A DNS name (labels of letters, digits, hyphens) or an IPv4 address, or an
// IPv6 address. Nothing else: the host ends up in the worker's
// `--allow-net` flag, where a comma would grant another address.
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]{2,45}$/;
// deno-lint-ignore no-control-regex -- control characters are what is refused
const CONTROL = /[\x00-\x1f\x7f]/;
// PEM is lines: every control character but CR and LF is refused.
// deno-lint-ignore no-control-regex -- control characters are what is refused
const PEM_CONTROL = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]/;
// No ":" either: irc-framework sends the username as a middle parameter of
// USER, where a leading ":" would swallow the rest of the line (`USER :x 0 *
// bob`), the server answers 461 and registration never completes.
// deno-lint-ignore no-control-regex -- control characters are what is refused
const USERNAME = /^[^\s@:\x00-\x1f\x7f]+$/;

/**
 * Longest username, in UTF-8 bytes: it is part of the prefix the server puts
 * in front of every line it relays for us, which `workers/messageLines.ts`
 * budgets for.
 */
export const MAX_USERNAME_BYTES = 64;
/**
 * Longest realname, in UTF-8 bytes: with the longest username it keeps the
 * USER line (`USER <username> 0 * :<realname>`) within IRC's 512 bytes,
 * over which ngircd drops the connection and registration never completes.
 */
export const MAX_REALNAME_BYTES = 400;
/** Longest server password, in UTF-8 bytes: the PASS line (`PASS :<password>`) fits as well. */
export const MAX_PASSWORD_BYTES = 500;

/** Whether `host` is a host name or an IP address the worker may be allowed to reach. */
export function isHost(host: string): boolean {
  return HOSTNAME.test(host) || (host.includes(":") && IPV6.test(host));
}

class FieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/**
 * Why a worker could never connect to `host` under `targets`, for an IP
 * literal; `undefined` when it may, or when `host` is a name (a name may
 * resolve elsewhere later: the worker checks the address it reaches).
 */
export function hostRefusal(targets: TargetPolicy, host: string): string | undefined {
  return isIpLiteral(host) ? targetRefusal(targets, host, host) : undefined;
}

/**
 * Checks the body of a new server; unknown fields are ignored, but
 * `generate_client_cert: true`, which replaces the client certificate and
 * key with a new self-signed pair (`lib/clientCert.ts`). With
 * `targets` (`ALLOWED_IRC_TARGETS`), an IP literal host it does not allow
 * is refused.
 */
export function checkServerSettings(input: unknown, targets?: TargetPolicy): SettingsCheck {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { ok: false, field: "body", error: "body must be a JSON object" };
  }
  const raw = input as Record<string, unknown>;
  try {
    // `max` counts characters, or UTF-8 bytes for what IRC itself limits.
    const text = (
      field: string,
      max: number,
      optional: boolean,
      unit: "characters" | "bytes" = "characters",
    ): string | null => {
      const value = raw[field];
      if (value === undefined || value === null || (optional && value === "")) {
        if (optional) return null;
        throw new FieldError(field, `${field} is required`);
      }
      if (typeof value !== "string") throw new FieldError(field, `${field} must be a string`);
      if (!optional && value.trim() === "") throw new FieldError(field, `${field} must not be empty`);
      const length = unit === "bytes" ? utf8Length(value) : value.length;
      if (length > max) throw new FieldError(field, `${field} must be at most ${max} ${unit}`);
      if (CONTROL.test(value)) throw new FieldError(field, `${field} must not contain control characters`);
      return value;
    };
    const integer = (field: string, min: number, max: number, fallback?: number): number => {
      const value = raw[field];
      if ((value === undefined || value === null) && fallback !== undefined) return fallback;
      if (value === undefined || value === null) throw new FieldError(field, `${field} is required`);
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new FieldError(field, `${field} must be an integer from ${min} to ${max}`);
      }
      return value;
    };

    const name = text("name", 100, false)!.trim();
    const host = text("host", 253, false)!.trim();
    if (!isHost(host)) throw new FieldError("host", "host must be a host name or an IP address");
    const refusal = targets && hostRefusal(targets, host);
    if (refusal) throw new FieldError("host", refusal);
    const port = integer("port", 1, 65535);
    const tls = raw.tls;
    if (typeof tls !== "boolean") {
      throw new FieldError("tls", tls === undefined ? "tls is required" : "tls must be true or false");
    }
    const nickname = text("nickname", 64, false)!;
    if (!isNickname(nickname)) throw new FieldError("nickname", "nickname is not a valid IRC nickname");
    const username = text("username", MAX_USERNAME_BYTES, true, "bytes");
    if (username !== null && !USERNAME.test(username)) {
      throw new FieldError("username", "username must not contain spaces, @ or :");
    }
    const realname = text("realname", MAX_REALNAME_BYTES, true, "bytes");
    const password = text("password", MAX_PASSWORD_BYTES, true, "bytes");
    const saslUsername = text("sasl_username", 200, true);
    const saslPassword = text("sasl_password", 512, true);
    if ((saslUsername === null) !== (saslPassword === null)) {
      const missing = saslUsername === null ? "sasl_username" : "sasl_password";
      throw new FieldError(missing, "sasl_username and sasl_password go together");
    }
    const sasl = saslSettings(raw, nickname, tls, saslUsername !== null);
    return {
      ok: true,
      value: {
        name,
        host,
        port,
        tls,
        nickname,
        username,
        realname,
        password,
        sasl_username: saslUsername,
        sasl_password: saslPassword,
        ...sasl,
        flood_burst: integer("flood_burst", 1, 100, FLOOD_DEFAULTS.flood_burst),
        flood_interval_ms: integer("flood_interval_ms", 0, 60_000, FLOOD_DEFAULTS.flood_interval_ms),
      },
    };
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, field: error.field, error: error.message };
    throw error;
  }
}

// The mechanism, whether it is required, and the client certificate, each
// consistent with the others. Left out, the mechanism is PLAIN with
// credentials (as servers had before there was a choice), else none.
function saslSettings(
  raw: Record<string, unknown>,
  nickname: string,
  tls: boolean,
  hasCredentials: boolean,
): Pick<ServerSettings, "sasl_mechanism" | "require_sasl" | "client_cert_pem" | "client_key_pem"> {
  const given = raw.sasl_mechanism;
  let mechanism: ServerSettings["sasl_mechanism"];
  if (given === undefined) mechanism = hasCredentials ? "PLAIN" : null;
  else if (given === null || given === "") mechanism = null;
  else if (
    typeof given === "string" && (SASL_MECHANISMS as readonly string[]).includes(given.toUpperCase())
  ) {
    mechanism = given.toUpperCase() as "PLAIN" | "EXTERNAL";
  } else {throw new FieldError(
      "sasl_mechanism",
      `sasl_mechanism must be ${SASL_MECHANISMS.join(", ")} or null`,
    );}

  const generate = raw.generate_client_cert;
  if (generate !== undefined && generate !== null && typeof generate !== "boolean") {
    throw new FieldError("generate_client_cert", "generate_client_cert must be true or false");
  }
  let certPem = pemField(raw, "client_cert_pem");
  let keyPem = pemField(raw, "client_key_pem");
  if (generate === true) {
    ({ certPem, keyPem } = generateClientCertificate(nickname));
  } else if ((certPem === null) !== (keyPem === null)) {
    const missing = certPem === null ? "client_cert_pem" : "client_key_pem";
    throw new FieldError(missing, "client_cert_pem and client_key_pem go together");
  } else if (certPem !== null && keyPem !== null) {
    const problem = clientCertificateProblem(certPem, keyPem);
    if (problem) throw new FieldError("client_cert_pem", problem);
  }

  if (mechanism === "PLAIN" && !hasCredentials) {
    throw new FieldError("sasl_username", "SASL PLAIN needs sasl_username and sasl_password");
  }
  if (mechanism === "EXTERNAL") {
    if (certPem === null) {
      throw new FieldError(
        "client_cert_pem",
        "SASL EXTERNAL needs a client certificate (or generate_client_cert)",
      );
    }
    if (!tls) throw new FieldError("tls", "SASL EXTERNAL needs TLS: the certificate is presented there");
  }
  const required = raw.require_sasl;
  if (required !== undefined && required !== null && typeof required !== "boolean") {
    throw new FieldError("require_sasl", "require_sasl must be true or false");
  }
  if (required === true && mechanism === null) {
    throw new FieldError("require_sasl", "require_sasl needs a sasl_mechanism");
  }
  return {
    sasl_mechanism: mechanism,
    require_sasl: required === true,
    client_cert_pem: certPem,
    client_key_pem: keyPem,
  };
}

function pemField(raw: Record<string, unknown>, field: string): string | null {
  const value = raw[field];
  if (value === undefined || value === null || value === "") return null;
  if (typeof value !== "string") throw new FieldError(field, `${field} must be a string`);
  if (value.length > MAX_PEM_LENGTH) {
    throw new FieldError(field, `${field} must be at most ${MAX_PEM_LENGTH} characters`);
  }
  if (PEM_CONTROL.test(value)) throw new FieldError(field, `${field} must be PEM text`);
  return value;
}
