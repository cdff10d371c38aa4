/**
 * The devices over HTTP: each PLC link's status (with the server certificate its last connect refused), and
 * the OPC UA client's trust list. Trusting or rejecting a server certificate is an operation (admin, e-signed,
 * audited) like everything people do; the SCADA connects to a newly trusted server without a restart.
 */
import { Router } from "express";
import type { AccessPolicy } from "./access-policy.js";
import { type OperationRoutes, bodyWith, operationRoute } from "./operation-route.js";
import { requirePermission, requireSession } from "./require-permission.js";
import type { CertificateChangeJson, DeviceStatusJson, ServerCertificateJson } from "./socket-contract.js";

/** What the routes and the certificate operations need (the device status service implements it). */
export interface DeviceControl {
  devices(): DeviceStatusJson[];
  certificates(): Promise<ServerCertificateJson[]>;
  /** Throws ScadaError SCADA_ERR_CERT_UNKNOWN / SCADA_ERR_CERT_THUMBPRINT_INVALID. */
  trust(thumbprint: string): Promise<CertificateChangeJson>;
  reject(thumbprint: string): Promise<CertificateChangeJson>;
}

export function deviceRoutes(devices: DeviceControl, policy: AccessPolicy, ops: OperationRoutes): Router {
  const r = Router();
  r.get("/api/devices", requirePermission(policy, "devices:read"), (_req, res) => {
    res.json({ devices: devices.devices() });
  });
  r.get("/api/devices/certificates", requirePermission(policy, "devices:read"), async (_req, res) => {
    res.json({ certificates: await devices.certificates() });
  });
  for (const verb of ["trust", "reject"] as const) {
    r.post(
      `/api/devices/certificates/:thumbprint/${verb}`,
      requireSession(policy),
      operationRoute(ops.runner, ops.actorOf, `device.certificate.${verb}`, (req) => bodyWith(req, { thumbprint: String(req.params.thumbprint) })),
    );
  }
  return r;
}
