/**
 * Wiring of the records of people's actions: the audit journal (fsync'd, hash-chained, under
 * <dataDir>/audit) and its trail, mirrored to the historian's `audit` measurement (sequence + hash: the
 * journal's tail anchor); the audit supervisor; the user store and the auth service that records logins,
 * lockouts, user changes and refused requests in the trail.
 */
import { AuditSupervisor } from "../audit/audit-supervisor.js";
import { AuditTrail } from "../audit/audit-trail.js";
import { AuthService } from "../auth/auth-service.js";
import type { SessionRulesOverrides } from "../auth/session-rules.js";
import { configLoadRecord } from "../config/config-load-record.js";
import type { ScadaConfig } from "../config/config-loader.js";
import type { Clock } from "../core/clock.js";
import type { Component } from "../core/component.js";
import type { Logger } from "../core/logger.js";
import { auditAnchorSource } from "../historian/audit-anchor-source.js";
import { auditRecordPoint } from "../historian/historian-measurements.js";
import type { HistorianService } from "../historian/historian-service.js";
import { argon2PasswordHasher } from "../stores/argon2-password-hasher.js";
import { AuditJournal } from "../stores/audit-journal.js";
import { auditJournalDir } from "../stores/audit-verify-command.js";
import { SqliteUserStore } from "../stores/user-store.js";

export function wireAudit(
  config: ScadaConfig,
  ctx: { dataDir: string; historian: HistorianService | null; recipes: () => number; clock: Clock; logger: Logger; auth?: SessionRulesOverrides & { readonly clock?: Clock } },
) {
  const { historian, clock, logger } = ctx;
  const journal = AuditJournal.open(auditJournalDir(ctx.dataDir), { logger });
  const audit = new AuditTrail({ journal, clock, logger });
  if (historian) audit.onRecord((r) => historian.write(auditRecordPoint(r, config.line.id)));
  const supervisor = new AuditSupervisor({
    audit,
    anchor: historian && {
      source: auditAnchorSource((m, q) => historian.events(m, q), () => clock.now()),
      spoolOnly: () => historian.status().mode === "spool-only",
    },
    configDir: config.dir,
    configLoad: () => configLoadRecord(config, { recipes: ctx.recipes(), tornTail: journal.openReport.tornTail }),
    logger,
  });
  const userStore = SqliteUserStore.open(ctx.dataDir);
  const auth = new AuthService({ store: userStore, audit, hasher: argon2PasswordHasher, clock: ctx.auth?.clock ?? clock, logger, ...(ctx.auth ? { rules: ctx.auth } : {}) });
  /** Closed last of all, so what is recorded while stopping is still journaled. */
  const stores: Component = {
    name: "audit journal and user store",
    start: () => undefined,
    stop: () => {
      journal.close();
      userStore.close();
    },
  };
  return { audit, supervisor, auth, stores };
}
