/**
 * A push service of our own on 127.0.0.1, for the tests of Web Push: it
 * checks each push's VAPID JWT (RFC 8292) against the public key it names
 * and decrypts the aes128gcm payload (RFC 8188, 8291) with the private key
 * of a subscription the test made, by WebCrypto, as a browser would.
 *
 * @module
 */

/** A subscription made here, as a browser hands it to the app. */
export interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A push the service took, checked and decrypted. */
export interface ReceivedPush {
  /** Which subscription (the last part of its endpoint). */
  id: string;
  /** The decrypted payload. */
  text: string;
  ttl: number;
  urgency: string | null;
  /** The public key the JWT was signed with (`k=`). */
  vapidKey: string;
  /** The JWT's claims. */
  claims: { aud: string; exp: number; sub: string };
}

/** The running service. */
export interface PushService {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Pushes taken so far, in order. */
  readonly received: ReceivedPush[];
  /** Pushes refused (a bad signature, a payload that would not decrypt), with why. */
  readonly refused: string[];
  /** A new subscription whose pushes the service takes. */
  subscribe(): Promise<TestSubscription>;
  /** Answers `status` (410 Gone, say) to the pushes of `endpoint` from now on. */
  answer(endpoint: string, status: number): void;
  /** Resolves with the next push taken (or one already taken after `after` of them). */
  next(after?: number): Promise<ReceivedPush>;
  close(): Promise<void>;
}

const encoder = new TextEncoder();

/** Starts the service on a free port. */
export function startPushService(): PushService {
  const keys = new Map<string, { privateKey: CryptoKey; publicRaw: Uint8Array; auth: Uint8Array }>();
  const statuses = new Map<string, number>();
  const received: ReceivedPush[] = [];
  const refused: string[] = [];
  const waiters: (() => void)[] = [];
  let origin = "";

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const url = new URL(request.url);
    const id = /^\/push\/([a-z0-9-]+)$/.exec(url.pathname)?.[1];
    const subscription = id === undefined ? undefined : keys.get(id);
    if (request.method !== "POST" || !id || !subscription) {
      return new Response("no such subscription", { status: 404 });
    }
    const status = statuses.get(`${origin}/push/${id}`);
    if (status !== undefined) {
      await request.body?.cancel();
      return new Response("answered as told", { status });
    }
    try {
      const push = await check(request, origin, subscription);
      received.push({ id, ...push });
      for (const wake of waiters.splice(0)) wake();
      return new Response(null, { status: 201 });
    } catch (error) {
      refused.push(error instanceof Error ? error.message : String(error));
      for (const wake of waiters.splice(0)) wake();
      return new Response(String(error), { status: 400 });
    }
  });
  origin = `http://127.0.0.1:${server.addr.port}`;

  return {
    url: origin,
    received,
    refused,
    async subscribe() {
      const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
        "deriveBits",
      ]) as CryptoKeyPair;
      const publicRaw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
      const auth = crypto.getRandomValues(new Uint8Array(16));
      const id = crypto.randomUUID();
      keys.set(id, { privateKey: pair.privateKey, publicRaw, auth });
      return {
        endpoint: `${origin}/push/${id}`,
        keys: { p256dh: base64Url(publicRaw), auth: base64Url(auth) },
      };
    },
    answer(endpoint, status) {
      statuses.set(endpoint, status);
    },
    async next(after = received.length) {
      while (received.length <= after) {
        if (refused.length > 0) throw new Error(`the push service refused a push: ${refused.join("; ")}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
      return received[after];
    },
    close: () => server.shutdown(),
  };
}

// Checks the VAPID signature and decrypts the body; throws why not.
async function check(
  request: Request,
  origin: string,
  subscription: { privateKey: CryptoKey; publicRaw: Uint8Array; auth: Uint8Array },
): Promise<Omit<ReceivedPush, "id">> {
  const match = /^vapid t=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+), k=([A-Za-z0-9_-]+)$/.exec(
    request.headers.get("authorization") ?? "",
  );
  if (!match) throw new Error("no VAPID authorization");
  const [, jwt, vapidKey] = match;
  const [head, body, signature] = jwt.split(".");
  const header = JSON.parse(new TextDecoder().decode(fromBase64Url(head)));
  if (header.alg !== "ES256") throw new Error(`JWT alg ${header.alg}`);
  const verifier = await crypto.subtle.importKey(
    "raw",
    fromBase64Url(vapidKey),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const valid = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    verifier,
    fromBase64Url(signature),
    encoder.encode(`${head}.${body}`),
  );
  if (!valid) throw new Error("the VAPID signature does not verify");
  const claims = JSON.parse(new TextDecoder().decode(fromBase64Url(body)));
  if (claims.aud !== origin) throw new Error(`JWT aud ${claims.aud}, not ${origin}`);
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) throw new Error(`JWT exp ${claims.exp}`);
  if (typeof claims.sub !== "string" || !/^(mailto:|https:)/.test(claims.sub)) throw new Error("JWT sub");
  const ttl = Number(request.headers.get("ttl"));
  if (!Number.isInteger(ttl) || ttl < 0) throw new Error("no TTL");
  if (request.headers.get("content-encoding") !== "aes128gcm") throw new Error("not aes128gcm");
  const text = await decrypt(new Uint8Array(await request.arrayBuffer()), subscription);
  return { text, ttl, urgency: request.headers.get("urgency"), vapidKey, claims };
}

// RFC 8291: the content-encryption key and nonce from the ECDH secret
// with the sender's key in the record header, the auth secret and the salt.
async function decrypt(
  data: Uint8Array<ArrayBuffer>,
  subscription: { privateKey: CryptoKey; publicRaw: Uint8Array; auth: Uint8Array },
): Promise<string> {
  const salt = data.slice(0, 16);
  const recordSize = new DataView(data.buffer, data.byteOffset + 16, 4).getUint32(0);
  const idLength = data[20];
  const senderRaw = data.slice(21, 21 + idLength);
  const ciphertext = data.slice(21 + idLength);
  if (idLength !== 65 || ciphertext.length > recordSize) throw new Error("bad aes128gcm header");
  const senderKey = await crypto.subtle.importKey(
    "raw",
    senderRaw,
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const shared = await crypto.subtle.deriveBits(
    { name: "ECDH", public: senderKey },
    subscription.privateKey,
    256,
  );
  const keyInfo = concat(encoder.encode("WebPush: info\0"), subscription.publicRaw, senderRaw);
  const ikm = await hkdf(new Uint8Array(shared), subscription.auth, keyInfo, 32);
  const cek = await hkdf(ikm, salt, encoder.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(ikm, salt, encoder.encode("Content-Encoding: nonce\0"), 12);
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  const plain = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, ciphertext));
  // The last record: the text, then the delimiter 2 and any zero padding.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (plain[end] !== 2) throw new Error("no last-record delimiter");
  return new TextDecoder().decode(plain.slice(0, end));
}

async function hkdf(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  bytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", ikm as Uint8Array<ArrayBuffer>, "HKDF", false, [
    "deriveBits",
  ]);
  return new Uint8Array(
    await crypto.subtle.deriveBits(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: salt as Uint8Array<ArrayBuffer>,
        info: info as Uint8Array<ArrayBuffer>,
      },
      key,
      bytes * 8,
    ),
  );
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** base64url without padding, as push subscriptions write keys. */
export function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const plain = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(plain + "=".repeat((4 - plain.length % 4) % 4)), (c) => c.charCodeAt(0));
}
