/**
 * User accounts: creating them (with a hashed password) and checking a
 * name and password at login.
 *
 * @module
 */
import { sql } from "kysely";
import type { Db } from "./db/database.ts";
import type { User } from "./db/schema.ts";
import {
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  verifyNothing,
  verifyPassword,
} from "./auth/password.ts";
import type { AuthUser } from "./auth/sessions.ts";

/** A user's name: letters, digits, `.`, `_`, `-`; 1 to 64 of them. */
const NAME = /^[\p{L}\p{N}._-]{1,64}$/u;

/** Why an account could not be created, in words a user can read. */
export class UserError extends Error {
  /** Which input was wrong: `name` or `password`. */
  readonly field: "name" | "password";

  /** `message` is shown to the user as is. */
  constructor(field: "name" | "password", message: string) {
    super(message);
    this.name = "UserError";
    this.field = field;
  }
}

/** Says what is wrong with `name` as a new user's name, or `undefined`. */
export function nameProblem(name: string): string | undefined {
  if (!NAME.test(name)) {
    return "name must be 1 to 64 letters, digits, dots, underscores or hyphens";
  }
}

/** Says what is wrong with `password` as a new password, or `undefined`. */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    return `password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    return `password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  }
}

function check(name: string, password: string): void {
  const nameError = nameProblem(name);
  if (nameError) throw new UserError("name", nameError);
  const passwordError = passwordProblem(password);
  if (passwordError) throw new UserError("password", passwordError);
}

/**
 * Creates a user; throws a {@link UserError} for an invalid name or password
 * or a name already taken (names are unique ignoring case).
 */
export async function createUser(db: Db, name: string, password: string): Promise<AuthUser> {
  check(name, password);
  const passwordHash = await hashPassword(password);
  const row = await db.insertInto("users").values({ name, password_hash: passwordHash })
    .onConflict((oc) => oc.expression(sql`lower(name)`).doNothing())
    .returning(["id", "name"])
    .executeTakeFirst();
  if (!row) throw new UserError("name", `a user named ${name} already exists`);
  return row;
}

/**
 * Creates the first user, only while there is none (the first-run page);
 * `undefined` once a user exists, also when two first runs race.
 */
export async function createFirstUser(db: Db, name: string, password: string): Promise<AuthUser | undefined> {
  check(name, password);
  if (!(await isFirstRun(db))) return undefined;
  const passwordHash = await hashPassword(password);
  return await db.transaction().execute(async (tx) => {
    // Serialises concurrent first runs: the second sees the first's user.
    await sql`select pg_advisory_xact_lock(hashtext('ircweb:first-user'))`.execute(tx);
    const existing = await tx.selectFrom("users").select("id").limit(1).executeTakeFirst();
    if (existing) return undefined;
    return await tx.insertInto("users").values({ name, password_hash: passwordHash })
      .returning(["id", "name"]).executeTakeFirstOrThrow();
  });
}

/** Whether no user exists yet, so the web UI offers to create the first. */
export async function isFirstRun(db: Db): Promise<boolean> {
  const row = await db.selectFrom("users").select("id").limit(1).executeTakeFirst();
  return row === undefined;
}

/** The user named `name` (ignoring case), or `undefined`. */
export function findUserByName(db: Db, name: string): Promise<User | undefined> {
  return db.selectFrom("users").selectAll().where(sql`lower(name)`, "=", name.toLowerCase())
    .executeTakeFirst();
}

/**
 * The user whose name and password these are, or `undefined`. Takes as long
 * for an unknown name as for a wrong password, so answers do not reveal
 * which names exist.
 */
export async function checkLogin(db: Db, name: string, password: string): Promise<AuthUser | undefined> {
  if (password.length > MAX_PASSWORD_LENGTH || name.length > 200) return undefined;
  const user = await findUserByName(db, name);
  if (!user) return await verifyNothing(password) || undefined;
  return await verifyPassword(password, user.password_hash) ? { id: user.id, name: user.name } : undefined;
}
