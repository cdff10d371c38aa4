/**
 * `htr-scada users add|passwd|disable|enable|role|list`: user administration on the data directory's
 * database, with the server stopped or running (SQLite WAL; the server reads users and sessions from the
 * database on every request, so a disabled user's sessions end at once).
 *
 * Passwords come from `--password-stdin` (first line of stdin) or an interactive prompt that does not echo,
 * asked twice — never from the command line, where `ps` and shell history would show them.
 *
 * The audit trail has one writer (the server): the CLI queues its audit entries in the database and the
 * server records them (at its next start, or within seconds while it runs).
 */
import { userInfo } from "node:os";
import type { Command } from "commander";
import { systemClock } from "../core/clock.js";
import { ScadaError } from "../core/errors.js";
import { cliExit } from "./cli-exit.js";
import { AuthService } from "../auth/auth-service.js";
import type { ChangedBy } from "../auth/changed-by.js";
import type { PasswordHasherPort } from "../auth/password-hasher-port.js";
import { ROLES } from "../auth/permissions.js";
import type { UserStorePort } from "../auth/user-store-port.js";
import type { UserSummary } from "../auth/user-summary.js";

export interface UsersCommandDeps {
  /** Opens the user database of a data directory. */
  openStore(dataDir: string): Promise<UserStorePort>;
  /** How passwords are hashed (src/stores/argon2-password-hasher.ts). */
  readonly passwordHasher: PasswordHasherPort;
  /** SCADA_DATA_DIR or ./var, resolved. */
  defaultDataDir(): string;
  /** Resolves a --data-dir argument. */
  resolveDir(dir: string): string;
}

export interface UsersCommandIo {
  out(s: string): void;
  err(s: string): void;
  /** Reads a password (stdin or prompt). */
  readPassword(opts: { fromStdin: boolean; prompt: string; confirm: boolean }): Promise<string>;
}

function cliActor(): ChangedBy {
  let who = "unknown";
  try {
    who = userInfo().username;
  } catch {
    // no passwd entry for the uid (containers): keep "unknown"
  }
  return { user: `cli:${who}`, role: "cli", address: "local" };
}

const when = (t: number | null): string => (t === null ? "-" : new Date(t).toISOString());

export function formatUsers(users: readonly UserSummary[]): string[] {
  const rows = [["NAME", "ROLE", "STATE", "LOCKED UNTIL", "FAILED", "SESSIONS", "UPDATED"]];
  for (const u of users) {
    rows.push([u.name, u.role, u.disabled ? "disabled" : "enabled", when(u.lockedUntil), String(u.failedCount), String(u.sessions), when(u.updatedAt)]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
}

/** Runs one users action; returns the exit code (0 done, 1 refused). */
export async function runUsersAction(
  deps: UsersCommandDeps,
  io: UsersCommandIo,
  dataDirOption: string | undefined,
  action: (auth: AuthService, by: ChangedBy) => Promise<string[]>,
): Promise<number> {
  const dataDir = dataDirOption ? deps.resolveDir(dataDirOption) : deps.defaultDataDir();
  return cliExit(io, async () => {
    const store: UserStorePort = await deps.openStore(dataDir);
    try {
      const auth = new AuthService({
        store,
        clock: systemClock,
        hasher: deps.passwordHasher,
        audit: { record: (entry) => store.queueAudit(entry, systemClock.now()) },
      });
      return await action(auth, cliActor());
    } finally {
      store.close();
    }
  });
}

/** Adds `users` and its subcommands to the program. */
export function registerUsersCommand(program: Command, deps: UsersCommandDeps, io: UsersCommandIo = processIo()): void {
  const users = program
    .command("users")
    .description("manage users (works with the server stopped or running): add | passwd | disable | enable | role | list");
  const dataDirOpt = ["--data-dir <dir>", "data directory holding scada.db (env SCADA_DATA_DIR, default ./var)"] as const;
  const stdinOpt = ["--password-stdin", "read the password from the first line of stdin (else: prompt, not echoed)"] as const;
  const run = async (dataDir: string | undefined, action: (auth: AuthService, by: ChangedBy) => Promise<string[]>): Promise<void> => {
    process.exitCode = await runUsersAction(deps, io, dataDir, action);
  };
  const parseRole = (role: string): (typeof ROLES)[number] => {
    const found = ROLES.find((r) => r === role);
    if (!found) throw new ScadaError("SCADA_ERR_USER_INVALID", `unknown role '${role}' (roles: ${ROLES.join(", ")})`);
    return found;
  };

  users
    .command("add")
    .description(`add a user with a role (${ROLES.join(", ")})`)
    .argument("<name>", "user name")
    .requiredOption("--role <role>", ROLES.join(" | "))
    .option(...stdinOpt)
    .option(...dataDirOpt)
    .action((name: string, opts: { role: string; passwordStdin?: boolean; dataDir?: string }) =>
      run(opts.dataDir, async (auth, by) => {
        const role = parseRole(opts.role);
        const password = await io.readPassword({ fromStdin: opts.passwordStdin === true, prompt: `Password for ${name}: `, confirm: true });
        const u = await auth.add(by, { name, role, password });
        return [`user '${u.name}' added (${u.role})`];
      }),
    );

  users
    .command("passwd")
    .description("set a user's password (ends the user's sessions)")
    .argument("<name>", "user name")
    .option(...stdinOpt)
    .option(...dataDirOpt)
    .action((name: string, opts: { passwordStdin?: boolean; dataDir?: string }) =>
      run(opts.dataDir, async (auth, by) => {
        if (!auth.get(name)) throw new ScadaError("SCADA_ERR_USER_UNKNOWN", `no user '${name}'`);
        const password = await io.readPassword({ fromStdin: opts.passwordStdin === true, prompt: `New password for ${name}: `, confirm: true });
        await auth.passwd(by, name, password);
        return [`password of '${name}' changed; its sessions ended`];
      }),
    );

  const switches = [
    { command: "disable", description: "disable a user (ends the user's sessions; not the last enabled admin)", done: "disabled; its sessions ended" },
    { command: "enable", description: "enable a user (also lifts a lockout)", done: "enabled" },
  ] as const;
  for (const { command, description, done } of switches) {
    users
      .command(command)
      .description(description)
      .argument("<name>", "user name")
      .option(...dataDirOpt)
      .action((name: string, opts: { dataDir?: string }) =>
        run(opts.dataDir, async (auth, by) => {
          await auth[command](by, name);
          return [`user '${name}' ${done}`];
        }),
      );
  }

  users
    .command("role")
    .description("change a user's role (not the last enabled admin's)")
    .argument("<name>", "user name")
    .argument("<role>", ROLES.join(" | "))
    .option(...dataDirOpt)
    .action((name: string, role: string, opts: { dataDir?: string }) =>
      run(opts.dataDir, async (auth, by) => {
        const u = await auth.setRole(by, name, parseRole(role));
        return [`user '${u.name}' is now ${u.role}`];
      }),
    );

  users
    .command("list")
    .description("list users: role, state, lockout, live sessions")
    .option(...dataDirOpt)
    .action((opts: { dataDir?: string }) => run(opts.dataDir, async (auth) => formatUsers(auth.list())));
}

/** stdout / stderr, and passwords from stdin or a no-echo prompt on the terminal. */
export function processIo(): UsersCommandIo {
  return {
    out: (s) => console.log(s),
    err: (s) => console.error(s),
    readPassword: async ({ fromStdin, prompt, confirm }) => {
      if (fromStdin) return firstLine(await readAll(process.stdin));
      if (!process.stdin.isTTY) {
        throw new ScadaError("SCADA_ERR_USER_INVALID", "no terminal to ask the password on: use --password-stdin");
      }
      const first = await promptHidden(prompt);
      if (confirm && (await promptHidden("Again: ")) !== first) throw new ScadaError("SCADA_ERR_USER_INVALID", "the two passwords differ");
      return first;
    },
  };
}

function firstLine(text: string): string {
  const nl = text.search(/\r?\n/);
  return nl < 0 ? text : text.slice(0, nl);
}

function readAll(stream: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => (data += chunk));
    stream.on("end", () => resolve(data));
    stream.on("error", reject);
  });
}

/** Reads one line from the terminal in raw mode, echoing nothing. Ctrl-C aborts (exit 130). */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    let value = "";
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    stdin.resume();
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          stdin.off("data", onData);
          stdin.setRawMode(false);
          stdin.pause();
          process.stderr.write("\n");
          resolve(value);
          return;
        }
        if (ch === "\u0003") {
          stdin.setRawMode(false);
          process.stderr.write("\n");
          process.exit(130);
        }
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
