/**
 * The server form, shared by adding a server and changing one: its fields
 * (saved secrets never shown again), what it posts to the API, and its page.
 *
 * @module
 */
import type { Context } from "hono";
import type { Server } from "../../../lib/db/schema.ts";
import { FLOOD_DEFAULTS, type ServerSettings, SETTING_FIELDS } from "../../../lib/serverSettings.ts";
import { certificateFingerprints } from "../../../lib/clientCert.ts";
import {
  type ApiAnswer,
  apiError,
  apiErrorField,
  type PageDeps,
  type PageEnv,
  pageTheme,
} from "../context.ts";
import { Field, renderPage, TopBar } from "../layout.tsx";

/** The text fields of the server form (secrets are never shown again). */
type TextField = Exclude<
  keyof ServerSettings,
  "tls" | "password" | "sasl_password" | "require_sasl" | "client_key_pem" | "client_cert_pem"
>;

/** The values a server form shows: what was typed, or the server's settings. */
export type FormValues = Partial<Record<TextField, string>> & { tls: boolean; require_sasl?: boolean };

/** A form's problem: the field and the reason. */
export interface FormProblem {
  field: string;
  error: string;
}

/** The problem an API answer names: its field (if any) and its reason. */
export function formProblem(answer: ApiAnswer): FormProblem {
  return { field: apiErrorField(answer) ?? "", error: apiError(answer) };
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".");
}

/** The settings typed in a server form, as the API takes them. */
export function settingsFromForm(form: Record<string, string>, existing?: Server): Record<string, unknown> {
  const number = (text: string | undefined, fallback: number | undefined): unknown => {
    const value = text?.trim() ?? "";
    if (value === "") return fallback;
    return /^[0-9]{1,9}$/.test(value) ? Number(value) : value;
  };
  const optional = (text: string | undefined) => text?.trim() ? text.trim() : null;
  // Saved secrets are never shown: an empty field keeps them, unless asked to remove them.
  const secret = (typed: string | undefined, saved: string | null | undefined, clear: string | undefined) =>
    typed ? typed : existing && clear !== "on" ? saved ?? null : null;
  const saslUsername = optional(form.sasl_username);
  // The certificate: a new one made, one pasted (with its key, or the saved
  // key), removed, or (left out) the saved one kept.
  const certificate = form.generate_client_cert === "on"
    ? { generate_client_cert: true }
    : form.client_cert_pem?.trim()
    ? {
      client_cert_pem: form.client_cert_pem.trim(),
      client_key_pem: form.client_key_pem?.trim() || existing?.client_key_pem || null,
    }
    : form.clear_client_cert === "on"
    ? { client_cert_pem: null, client_key_pem: null }
    : {};
  return {
    name: form.name ?? "",
    host: form.host ?? "",
    port: number(form.port, undefined),
    tls: form.tls === "on",
    nickname: form.nickname?.trim() ?? "",
    username: optional(form.username),
    realname: optional(form.realname),
    password: secret(form.password, existing?.password, form.clear_password),
    sasl_username: saslUsername,
    sasl_password: saslUsername === null
      ? null
      : secret(form.sasl_password, existing?.sasl_password, form.clear_sasl_password),
    // "PLAIN" in the form means the account above, when there is one.
    sasl_mechanism: form.sasl_mechanism === "EXTERNAL" ? "EXTERNAL" : saslUsername === null ? null : "PLAIN",
    require_sasl: form.require_sasl === "on",
    ...certificate,
    flood_burst: number(form.flood_burst, FLOOD_DEFAULTS.flood_burst),
    flood_interval_ms: number(form.flood_interval_ms, FLOOD_DEFAULTS.flood_interval_ms),
  };
}

/** What a posted form showed, to show it again. */
export function formValues(form: Record<string, string>): FormValues {
  return {
    name: form.name,
    host: form.host,
    port: form.port,
    tls: form.tls === "on",
    nickname: form.nickname,
    username: form.username,
    realname: form.realname,
    sasl_username: form.sasl_username,
    sasl_mechanism: form.sasl_mechanism,
    require_sasl: form.require_sasl === "on",
    flood_burst: form.flood_burst,
    flood_interval_ms: form.flood_interval_ms,
  };
}

/** Props of {@link ServerForm}. */
export interface ServerFormProps {
  action: string;
  values: FormValues;
  problem?: FormProblem;
  /** The server being edited: its secrets are kept unless replaced. */
  existing?: Server;
  submitLabel: string;
}

function ServerForm(props: ServerFormProps) {
  const { values, problem, existing } = props;
  const err = (field: string) => problem?.field === field ? sentence(problem.error) : undefined;
  // What every field of the form takes from its name.
  const field = (name: TextField) => ({ name, value: values[name], error: err(name) });
  // A saved secret is never shown again.
  const secret = (name: "password" | "sasl_password") => ({
    name,
    type: "password" as const,
    autoComplete: "new-password",
    error: err(name),
  });
  const otherProblem = problem && !FIELDS.has(problem.field) ? sentence(problem.error) : undefined;
  return (
    <form method="post" action={props.action} class="form server-form">
      {otherProblem ? <p class="form-error" role="alert">{otherProblem}</p> : null}
      {problem && FIELDS.has(problem.field)
        ? <p class="form-error" role="alert">Please check the field marked below.</p>
        : null}
      <Field label="Name" required autoFocus={!existing} placeholder="Libera.Chat" {...field("name")} />
      <div class="field-row">
        <Field label="Host" required placeholder="irc.libera.chat" {...field("host")} />
        <Field label="Port" type="number" min={1} max={65535} required {...field("port")} />
      </div>
      <div class={err("tls") ? "field checkbox has-error" : "field checkbox"}>
        <input id="field-tls" type="checkbox" name="tls" checked={values.tls} />
        <label htmlFor="field-tls">Use TLS (encrypted connection)</label>
        {/* SASL EXTERNAL's need of TLS is the one error a checkbox can have. */}
        {err("tls") ? <p class="field-error">{err("tls")}</p> : null}
      </div>
      <Field label="Nickname" required autoComplete="off" {...field("nickname")} />
      <details class="advanced" open={!!problem && ADVANCED.has(problem.field)}>
        <summary>More settings: user name, passwords, SASL, flood control</summary>
        <div class="field-row">
          <Field label="User name" hint="Optional; the nickname by default." {...field("username")} />
          <Field label="Real name" hint="Optional." {...field("realname")} />
        </div>
        <Field
          label="Server password"
          hint={existing?.password ? SAVED_HINT : "Optional."}
          {...secret("password")}
        />
        <ClearSecret name="password" saved={!!existing?.password} label="Remove the saved server password" />
        <div class="field-row">
          <Field
            label="SASL account"
            autoComplete="off"
            hint="Optional; to log in to services."
            {...field("sasl_username")}
          />
          <Field
            label="SASL password"
            hint={existing?.sasl_password ? SAVED_HINT : undefined}
            {...secret("sasl_password")}
          />
        </div>
        <ClearSecret
          name="sasl_password"
          saved={!!existing?.sasl_password}
          label="Remove the saved SASL password"
        />
        <SaslFields values={values} existing={existing} err={err} />
        <div class="field-row">
          <Field label="Lines sent at once" type="number" min={1} max={100} {...field("flood_burst")} />
          <Field
            label="Then one line every (ms)"
            type="number"
            min={0}
            max={60000}
            hint="0 turns flood control off."
            {...field("flood_interval_ms")}
          />
        </div>
      </details>
      <div class="form-actions">
        <button type="submit" class="button primary">{props.submitLabel}</button>
        <a class="button secondary" href={existing ? `/servers/${existing.id}` : "/"}>Cancel</a>
      </div>
    </form>
  );
}

/**
 * How to log in (the account's password, or the client certificate),
 * whether to refuse a connection without a login, and the certificate:
 * made here or pasted, its key never shown again, its fingerprints shown
 * for NickServ's CERT ADD.
 */
function SaslFields(
  { values, existing, err }: {
    values: FormValues;
    existing?: Server;
    err: (field: string) => string | undefined;
  },
) {
  const fingerprints = existing?.client_cert_pem ? certificateFingerprints(existing.client_cert_pem) : null;
  const mechanismError = err("sasl_mechanism");
  const certError = err("client_cert_pem") ?? err("client_key_pem") ?? err("generate_client_cert");
  return (
    <fieldset class="sasl">
      <legend>SASL login</legend>
      <div class={mechanismError ? "field has-error" : "field"}>
        <label htmlFor="field-sasl_mechanism">Log in with</label>
        <select id="field-sasl_mechanism" name="sasl_mechanism">
          <option value="PLAIN" selected={values.sasl_mechanism !== "EXTERNAL"}>
            The SASL account and password above (PLAIN)
          </option>
          <option value="EXTERNAL" selected={values.sasl_mechanism === "EXTERNAL"}>
            The client certificate below (EXTERNAL, needs TLS)
          </option>
        </select>
        {mechanismError ? <p class="field-error">{mechanismError}</p> : null}
      </div>
      <div class={err("require_sasl") ? "field checkbox has-error" : "field checkbox"}>
        <input id="field-require_sasl" type="checkbox" name="require_sasl" checked={!!values.require_sasl} />
        <label htmlFor="field-require_sasl">
          Require SASL: disconnect rather than stay connected without logging in
        </label>
        {err("require_sasl") ? <p class="field-error">{err("require_sasl")}</p> : null}
      </div>
      {fingerprints
        ? (
          <div class="field client-cert">
            <p>
              Client certificate saved. Register it with your account while logged in:{" "}
              <code>
                /msg NickServ CERT ADD <Fingerprint hex={fingerprints.sha256} />
              </code>{" "}
              (Anope 2.0 takes only <code>CERT ADD</code>{" "}
              from a connection that presents it: connect once with it, then type that).
            </p>
            <p class="hint">
              SHA-256:{" "}
              <code class="fingerprint">
                <Fingerprint hex={fingerprints.sha256} />
              </code>
              <br />
              SHA-512:{" "}
              <code class="fingerprint">
                <Fingerprint hex={fingerprints.sha512} />
              </code>
            </p>
          </div>
        )
        : null}
      <div class="field checkbox">
        <input id="field-generate_client_cert" type="checkbox" name="generate_client_cert" />
        <label htmlFor="field-generate_client_cert">
          {fingerprints ? "Replace it with a new certificate made here" : "Make a client certificate here"}
        </label>
      </div>
      <div class={certError ? "field has-error" : "field"}>
        <label htmlFor="field-client_cert_pem">Or paste a certificate (PEM)</label>
        <textarea id="field-client_cert_pem" name="client_cert_pem" rows={3} spellcheck={false} />
        <label htmlFor="field-client_key_pem">and its private key (PEM, unencrypted)</label>
        <textarea
          id="field-client_key_pem"
          name="client_key_pem"
          rows={3}
          spellcheck={false}
          autoComplete="off"
        />
        <p class="hint">The key is stored for the connection and never shown again.</p>
        {certError ? <p class="field-error">{certError}</p> : null}
      </div>
      <ClearSecret name="client_cert" saved={!!fingerprints} label="Remove the saved client certificate" />
    </fieldset>
  );
}

/**
 * A fingerprint that may wrap every 16 characters: unbroken, its 64 or 128
 * characters set the form's width (a fieldset is as wide as its widest
 * word) and pushed the page sideways. Copied, it is still one word.
 */
function Fingerprint({ hex }: { hex: string }) {
  const parts = hex.match(/.{1,16}/g) ?? [];
  return <>{parts.map((part, i) => i === 0 ? part : [<wbr key={i} />, part])}</>;
}

const FIELDS = new Set<string>([...SETTING_FIELDS, "generate_client_cert"]);
/** The fields shown at once; the others are under "More settings". */
const BASIC = new Set<string>(["name", "host", "port", "tls", "nickname"]);
const ADVANCED = new Set<string>([
  ...SETTING_FIELDS.filter((field) => !BASIC.has(field)),
  "generate_client_cert",
]);

const SAVED_HINT = "Saved. Leave empty to keep it.";

/** The checkbox that removes a saved secret (an empty field keeps it), shown only when one is saved. */
function ClearSecret({ name, saved, label }: { name: string; saved: boolean; label: string }) {
  return saved
    ? (
      <div class="field checkbox">
        <input id={`field-clear_${name}`} type="checkbox" name={`clear_${name}`} />
        <label htmlFor={`field-clear_${name}`}>{label}</label>
      </div>
    )
    : null;
}

/** What the form shows for a saved server. */
export function serverValues(server: Server): FormValues {
  return {
    name: server.name,
    host: server.host,
    port: String(server.port),
    tls: server.tls,
    nickname: server.nickname,
    username: server.username ?? "",
    realname: server.realname ?? "",
    sasl_username: server.sasl_username ?? "",
    sasl_mechanism: server.sasl_mechanism ?? "PLAIN",
    require_sasl: server.require_sasl,
    flood_burst: String(server.flood_burst),
    flood_interval_ms: String(server.flood_interval_ms),
  };
}

/** A page of the server form: the breadcrumbs, the form, and for a server being edited, its deletion. */
export async function formPage(
  deps: PageDeps,
  c: Context<PageEnv>,
  title: string,
  form: ServerFormProps,
  status: 200 | 409 | 422 = 200,
): Promise<Response> {
  const assets = (await deps.assets()).current;
  return c.html(
    renderPage(
      { title, assets, bodyClass: "page-form", theme: pageTheme(c) },
      <>
        <TopBar userName={c.get("user").name} />
        <main class="container narrow">
          <p class="breadcrumbs">
            <a href="/">Servers</a>
            {form.existing
              ? (
                <>
                  {" › "}
                  <a href={`/servers/${form.existing.id}`}>{form.existing.name}</a>
                </>
              )
              : null}
          </p>
          <h1>{title}</h1>
          <ServerForm {...form} />
          {form.existing ? <DeleteServer server={form.existing} /> : null}
        </main>
      </>,
    ),
    status,
  );
}

/** The edit page's danger zone: deleting the server, after saying what that deletes. */
function DeleteServer({ server }: { server: Server }) {
  return (
    <details class="danger-zone">
      <summary>Delete this server…</summary>
      <p>
        This disconnects from {server.name}{" "}
        and deletes its settings, channels and every message stored for it. It cannot be undone.
      </p>
      <form method="post" action={`/servers/${server.id}/delete`}>
        <button type="submit" class="button danger">Delete {server.name}</button>
      </form>
    </details>
  );
}
