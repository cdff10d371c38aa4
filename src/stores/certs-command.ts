/**
 * `htr-scada certs list | trust | reject | remove` — the OPC UA client's trust list of a data directory
 * (drivers/opcua/opcua-trust-store.ts does the work). Works with the SCADA stopped or running: a running
 * SCADA re-reads the list at its next connect attempt (within the device's reconnect backoff, ≤ 2 s by
 * default) and connects without a restart. Every change is queued for the audit trail as the users CLI
 * queues its entries (the server, the trail's one writer, records it within a minute, or at its next start).
 */
import type { Command } from "commander";
import type { AuditAction } from "../audit/audit-record.js";
import { createLogger } from "../core/logger.js";
import type { ServerCertificateInfo, TrustChange } from "../drivers/opcua/opcua-trust-store.js";
import { cliExit, cliUser } from "./cli-exit.js";
import { SqliteUserStore } from "./user-store.js";

interface Io {
  out(s: string): void;
  err(s: string): void;
}


/** The list as a table: status, thumbprint, validity, subject (the rejected ones are those waiting for a decision). */
export function certificateTable(list: readonly ServerCertificateInfo[]): string[] {
  if (list.length === 0) return ["no server certificates in the trust list yet (a server the SCADA refused is listed here as rejected)"];
  const rows = [["STATUS", "THUMBPRINT", "VALID FROM", "VALID TO", "SUBJECT"], ...list.map((c) => [c.status + (c.expired ? " (EXPIRED)" : ""), c.thumbprint, c.validFrom.slice(0, 10), c.validTo.slice(0, 10), c.subject + (c.applicationUri ? ` <${c.applicationUri}>` : "")])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
}

/**
 * node-opcua, loaded only when a certs command runs (every other command of the CLI would pay its start-up
 * and get its load-time note on stdout, in the middle of its own output): its notes are routed to stderr
 * as log lines first.
 */
async function trustStore(): Promise<typeof import("../drivers/opcua/opcua-trust-store.js")> {
  const { routeOpcuaLibraryLog } = await import("../drivers/opcua/opcua-library-log.js");
  routeOpcuaLibraryLog(createLogger(process.env.LOG_LEVEL ?? "warn", { destination: { write: (s: string) => process.stderr.write(s) } }));
  return import("../drivers/opcua/opcua-trust-store.js");
}

const ACTIONS = {
  trust: { fn: "trustServerCertificate", action: "device.certificate.trust", done: "trusted: the SCADA connects to this server at its next attempt" },
  reject: { fn: "rejectServerCertificate", action: "device.certificate.reject", done: "rejected: the SCADA refuses this server from its next connect" },
  remove: { fn: "removeServerCertificate", action: "device.certificate.remove", done: "removed from the trust list" },
} as const satisfies Record<string, { fn: string; action: AuditAction; done: string }>;

export function registerCertsCommand(program: Command, defaults: { dataDir: () => string; resolveDir: (d: string) => string }, io: Io = { out: (s) => console.log(s), err: (s) => console.error(s) }): void {
  const certs = program.command("certs").description("the OPC UA client's trust list of server certificates: list | trust | reject | remove (SCADA stopped or running)");
  const dataDirOf = (o: { data?: string }) => (o.data ? defaults.resolveDir(o.data) : defaults.dataDir());
  certs
    .command("list")
    .description("every server certificate: trusted, and rejected (refused, waiting for a decision), with thumbprint, validity and subject")
    .option("--data <dir>", "data directory (env SCADA_DATA_DIR, default ./var)")
    .option("--json", "as JSON")
    .action(async (opts: { data?: string; json?: boolean }) => {
      process.exitCode = await cliExit(io, async () => {
        const { closeClientPki, clientPkiRoot, listServerCertificates, openClientPki } = await trustStore();
        const pki = await openClientPki(dataDirOf(opts));
        try {
          const list = listServerCertificates(pki);
          return opts.json ? [JSON.stringify(list, null, 2)] : [`trust list ${clientPkiRoot(dataDirOf(opts))}`, ...certificateTable(list)];
        } finally {
          await closeClientPki(pki);
        }
      });
    });
  for (const [verb, def] of Object.entries(ACTIONS)) {
    certs
      .command(verb)
      .description(`${verb} the server certificate with this thumbprint (SHA-1, 40 hex digits, or its first 8 or more); audited`)
      .argument("<thumbprint>")
      .option("--data <dir>", "data directory (env SCADA_DATA_DIR, default ./var)")
      .option("--reason <text>", "why (recorded in the audit trail)")
      .action(async (thumbprint: string, opts: { data?: string; reason?: string }) => {
        process.exitCode = await cliExit(io, async () => {
          const dataDir = dataDirOf(opts);
          // The audit queue first: a database that cannot be opened refuses the change before it is made.
          const users = SqliteUserStore.open(dataDir);
          try {
            const store = await trustStore();
            const pki = await store.openClientPki(dataDir);
            let change: TrustChange;
            try {
              change = await store[def.fn](pki, thumbprint);
            } finally {
              await store.closeClientPki(pki);
            }
            const c = change.certificate;
            if (!change.changed) return [`${c.thumbprint} (${c.subject}) is already ${change.now}: nothing changed`];
            users.queueAudit(
              {
                user: cliUser(),
                role: "cli",
                clientAddress: "local",
                action: def.action,
                target: c.thumbprint,
                oldValue: { status: change.was },
                newValue: { status: change.now, subject: c.subject, applicationUri: c.applicationUri, validTo: c.validTo },
                reason: opts.reason ?? null,
                result: "ok",
              },
              Date.now(),
            );
            return [`${c.thumbprint} (${c.subject}) ${def.done}`];
          } finally {
            users.close();
          }
        });
      });
  }
}
