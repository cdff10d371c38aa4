/**
 * The OPC UA client's trust list, as people manage it: the server certificates under
 * `${dataDir}/pki/opcua-client/{trusted,rejected}/certs`, listed with subject, thumbprint and validity, and moved
 * between trusted and rejected (or removed) by thumbprint. The CLI (`htr-scada certs`) and the running SCADA
 * (the HMI's Devices page) both go through here; node-opcua's certificate manager does the file work, so the
 * file names and formats are the ones its clients read.
 *
 * A thumbprint is the SHA-1 of the certificate's DER, 40 hex digits (what OPC UA tools and node-opcua show);
 * people may give it with colons, in upper case, or as a unique prefix of at least 8 digits.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync, readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { OPCUACertificateManager } from "node-opcua";
import { ScadaError } from "../../core/errors.js";
import type { ServerCertificateJson } from "../driver-port.js";

export type CertificateStatus = ServerCertificateJson["status"];

/** A certificate of the trust list as the JSON shows it (src/drivers/driver-port.ts), less who refused it, plus its file. */
export interface ServerCertificateInfo extends Omit<ServerCertificateJson, "refusedBy"> {
  readonly file: string;
}

/** The shortest thumbprint prefix accepted. */
export const MIN_THUMBPRINT_PREFIX = 8;

/** The client PKI of a data directory (where the OPC UA driver keeps its own certificate and its trust list). */
export function clientPkiRoot(dataDir: string): string {
  return join(dataDir, "pki", "opcua-client");
}

/** A certificate manager on the client PKI, initialised (folders made), without file watchers. */
export async function openClientPki(dataDir: string, automaticallyAcceptUnknownCertificate = false): Promise<OPCUACertificateManager> {
  const cm = new OPCUACertificateManager({ rootFolder: clientPkiRoot(dataDir), automaticallyAcceptUnknownCertificate, disableFileWatchers: true });
  await cm.initialize();
  return cm;
}

export async function closeClientPki(cm: OPCUACertificateManager): Promise<void> {
  cm.referenceCounter = 0;
  await cm.dispose();
}

/** The SHA-1 thumbprint of a DER certificate (the first of a chain). */
export function thumbprintOf(der: Buffer): string {
  return new X509Certificate(der).fingerprint.replace(/:/g, "").toLowerCase();
}

/** What a certificate says about itself (pure: no file is read). */
export function describeCertificate(data: Buffer, status: CertificateStatus, file: string, now: number): ServerCertificateInfo {
  const x = new X509Certificate(data);
  const uri = /URI:([^,\s]+)/.exec(x.subjectAltName ?? "")?.[1] ?? null;
  const oneLine = (dn: string) => dn.split("\n").filter(Boolean).join(", ");
  return {
    status,
    thumbprint: x.fingerprint.replace(/:/g, "").toLowerCase(),
    subject: oneLine(x.subject),
    issuer: oneLine(x.issuer),
    selfSigned: x.subject === x.issuer,
    applicationUri: uri,
    validFrom: new Date(x.validFrom).toISOString(),
    validTo: new Date(x.validTo).toISOString(),
    expired: now < Date.parse(x.validFrom) || now > Date.parse(x.validTo),
    file,
  };
}

function certificatesIn(folder: string, status: CertificateStatus, now: number): ServerCertificateInfo[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const out: ServerCertificateInfo[] = [];
  for (const name of names.filter((n) => /\.(pem|der|crt|cer)$/i.test(n)).sort()) {
    const file = join(folder, name);
    try {
      out.push(describeCertificate(readFileSync(file), status, file, now));
    } catch {
      // not a certificate (a stray file): not listed, never fatal
    }
  }
  return out;
}

/** Every server certificate of the trust list: the trusted ones first, then the rejected ones. */
export function listServerCertificates(cm: OPCUACertificateManager, now = Date.now()): ServerCertificateInfo[] {
  return [...certificatesIn(cm.trustedFolder, "trusted", now), ...certificatesIn(cm.rejectedFolder, "rejected", now)];
}

/** Normalises what a person typed ("AB:CD…", upper case, spaces) to hex digits, or refuses it. */
export function normaliseThumbprint(text: string): string {
  const hex = text.replace(/[:\s]/g, "").toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex) || hex.length < MIN_THUMBPRINT_PREFIX || hex.length > 40) {
    throw new ScadaError("SCADA_ERR_CERT_THUMBPRINT_INVALID", `'${text}' is not a certificate thumbprint: give its SHA-1 thumbprint (40 hex digits) or at least its first ${MIN_THUMBPRINT_PREFIX}`);
  }
  return hex;
}

/** The one certificate this thumbprint (or prefix) names, or a refusal naming what was found. */
export function findServerCertificate(list: readonly ServerCertificateInfo[], thumbprint: string): ServerCertificateInfo {
  const hex = normaliseThumbprint(thumbprint);
  const hits = list.filter((c) => c.thumbprint.startsWith(hex));
  // The same certificate may sit in both folders (copied by hand): that is one certificate, the trusted copy first.
  const distinct = new Set(hits.map((c) => c.thumbprint));
  if (distinct.size === 0) throw new ScadaError("SCADA_ERR_CERT_UNKNOWN", `no server certificate with thumbprint ${hex} in the trust list (htr-scada certs list shows them)`);
  if (distinct.size > 1) throw new ScadaError("SCADA_ERR_CERT_UNKNOWN", `thumbprint prefix ${hex} is ambiguous: ${[...distinct].join(", ")}`);
  return hits[0]!;
}

function derOf(c: ServerCertificateInfo): Buffer {
  return Buffer.from(new X509Certificate(readFileSync(c.file)).raw);
}

export interface TrustChange {
  readonly certificate: ServerCertificateInfo;
  /** Where it was before. */
  readonly was: CertificateStatus;
  /** Where it is now (null: removed). */
  readonly now: CertificateStatus | null;
  /** False when it already was there (nothing changed). */
  readonly changed: boolean;
}

/** Moves the certificate to the trusted list: clients accept the server from their next connect. */
export async function trustServerCertificate(cm: OPCUACertificateManager, thumbprint: string): Promise<TrustChange> {
  const c = findServerCertificate(listServerCertificates(cm), thumbprint);
  if (c.status === "trusted") return { certificate: c, was: "trusted", now: "trusted", changed: false };
  await cm.trustCertificate(derOf(c));
  return { certificate: { ...c, status: "trusted" }, was: c.status, now: "trusted", changed: true };
}

/** Moves the certificate to the rejected list: clients refuse the server from their next connect. */
export async function rejectServerCertificate(cm: OPCUACertificateManager, thumbprint: string): Promise<TrustChange> {
  const c = findServerCertificate(listServerCertificates(cm), thumbprint);
  if (c.status === "rejected") return { certificate: c, was: "rejected", now: "rejected", changed: false };
  await cm.rejectCertificate(derOf(c));
  return { certificate: { ...c, status: "rejected" }, was: c.status, now: "rejected", changed: true };
}

/** Deletes the certificate from the trust list (an unknown server again: refused, and listed as rejected when it is next seen). */
export async function removeServerCertificate(cm: OPCUACertificateManager, thumbprint: string): Promise<TrustChange> {
  const c = findServerCertificate(listServerCertificates(cm), thumbprint);
  if (c.status === "trusted") await cm.removeTrustedCertificate(c.thumbprint);
  for (const copy of listServerCertificates(cm).filter((x) => x.thumbprint === c.thumbprint)) unlinkSync(copy.file);
  await cm.reloadCertificates();
  return { certificate: c, was: c.status, now: null, changed: true };
}

/** Trusts a certificate given as DER or PEM (the virtual plant's own, at its start): no thumbprint lookup. */
export async function trustCertificateData(cm: OPCUACertificateManager, data: Buffer): Promise<string> {
  const der = Buffer.from(new X509Certificate(data).raw);
  await cm.trustCertificate(der);
  return thumbprintOf(der);
}
