/**
 * Password hashing with scrypt (Deno's built-in `node:crypto`, no extra
 * dependency), stored in the PHC string format so the cost can be raised
 * later without invalidating existing hashes.
 *
 * @module
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** The cost of new hashes: OWASP's recommended scrypt minimum (128 MiB, ~0.5-1 s here). */
export const SCRYPT_PARAMS = { ln: 17, r: 8, p: 1 } as const;

const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Longest password accepted: hashing is costly, so bound what a request can make us hash. */
export const MAX_PASSWORD_LENGTH = 1024;
/** Shortest password accepted for a new account. */
export const MIN_PASSWORD_LENGTH = 8;

interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

// Each hash takes 128 MiB and most of a core for a moment: a burst of logins
// must queue rather than run all at once and exhaust the machine's memory.
const MAX_CONCURRENT_HASHES = Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));
/**
 * Most hashes waiting for a slot; past it, {@link PasswordsBusyError}. A
 * flood of logins (from many addresses, which the throttle counts apart)
 * then costs its senders an answer at once, rather than every user a wait
 * of minutes behind it.
 */
export const MAX_WAITING_HASHES = 64;
let running = 0;
const waiting: (() => void)[] = [];

/** Too many passwords being checked at once: try again in a moment. */
export class PasswordsBusyError extends Error {
  constructor() {
    super("Too many logins at once; try again in a moment");
    this.name = "PasswordsBusyError";
  }
}

async function derive(password: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  if (running >= MAX_CONCURRENT_HASHES && waiting.length >= MAX_WAITING_HASHES) {
    throw new PasswordsBusyError();
  }
  if (running >= MAX_CONCURRENT_HASHES) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await scryptKey(password, salt, params);
  } finally {
    // Hand the slot straight to the next in line, or give it back.
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function scryptKey(password: string, salt: Uint8Array, params: ScryptParams): Promise<Uint8Array> {
  const N = 2 ** params.ln;
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize("NFC"),
      salt,
      KEY_BYTES,
      // maxmem must exceed 128 * N * r bytes or scrypt refuses.
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r },
      (error, key) => error ? reject(error) : resolve(new Uint8Array(key)),
    );
  });
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/=+$/, "");
const unb64 = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

/** Hashes `password` with a fresh random salt: `$scrypt$ln=17,r=8,p=1$<salt>$<key>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = new Uint8Array(randomBytes(SALT_BYTES));
  const key = await derive(password, salt, SCRYPT_PARAMS);
  const { ln, r, p } = SCRYPT_PARAMS;
  return `$scrypt$ln=${ln},r=${r},p=${p}$${b64(salt)}$${b64(key)}`;
}

const PHC = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/**
 * Whether `password` matches `hash`. A malformed hash never matches. The
 * comparison takes the same time wherever the first difference is.
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const match = PHC.exec(hash);
  if (!match) return false;
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Bound the work a corrupted row could make us do.
  if (ln < 10 || ln > 22 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const expected = unb64(match[5]);
  const actual = await derive(password, unb64(match[4]), { ln, r, p });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time a real verification takes, so a login for a name that does
 * not exist cannot be told apart by its answer time.
 */
export async function verifyNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  await verifyPassword(password, await dummyHash);
  return false;
}
