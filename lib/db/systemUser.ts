/**
 * The system user the embedded PostgreSQL runs as when the app runs as root:
 * PostgreSQL refuses to run as root.
 *
 * @module
 */

/** The user the embedded cluster runs as under root. */
export const POSTGRES_SYSTEM_USER = "postgres";

/**
 * Makes sure the system user `name` exists, creating it (a system user with
 * a group of its own, no home, no login shell) when it does not. The library
 * would try `groupadd` + `useradd` itself, and fails where the group already
 * exists without the user.
 *
 * @throws Error saying which command to run when the user cannot be created.
 */
export async function ensureSystemUser(name = POSTGRES_SYSTEM_USER): Promise<"existed" | "created"> {
  if (await succeeds("id", ["-u", name])) return "existed";
  const group = await succeeds("getent", ["group", name]) ? ["--gid", name] : ["--user-group"];
  const args = ["--system", ...group, "--no-create-home", "--shell", "/usr/sbin/nologin", name];
  const out = await run("useradd", args);
  if (out.success) return "created";
  throw new Error(
    `PostgreSQL will not run as root, and the system user "${name}" it would run as could not be ` +
      `created (${out.error}). Create it with: useradd ${args.join(" ")} (or set DATABASE_URL ` +
      "to a PostgreSQL of your own)",
  );
}

async function succeeds(command: string, args: string[]): Promise<boolean> {
  return (await run(command, args)).success;
}

async function run(command: string, args: string[]): Promise<{ success: boolean; error: string }> {
  try {
    const out = await new Deno.Command(command, { args, stdin: "null", stdout: "null", stderr: "piped" })
      .output();
    return { success: out.success, error: new TextDecoder().decode(out.stderr).trim() || `exit ${out.code}` };
  } catch (error) {
    return { success: false, error: error instanceof Error ? error.message : String(error) };
  }
}
