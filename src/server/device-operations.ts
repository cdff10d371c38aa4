/**
 * The trust decisions on OPC UA server certificates: trust ("trusted: identity checked") and reject, e-signed
 * by an admin (`devices:trust`), each an audit record with the certificate's subject, thumbprint and validity.
 */
import { z } from "zod";
import { type OperationDef, need, op, reasonText, signature } from "./operation-def.js";

/** SHA-1 thumbprint (or a unique prefix of ≥ 8 hex digits), colons allowed; the trust list checks it further. */
const thumbprint = z.string().trim().regex(/^[0-9A-Fa-f:]{8,59}$/, "must be a certificate thumbprint (SHA-1, hex)");

function certificateOp(verb: "trust" | "reject"): OperationDef<never> {
  return op({
    action: `device.certificate.${verb}`,
    permission: "devices:trust",
    signed: true,
    input: z.strictObject({ thumbprint, reason: reasonText, signature }),
    target: (i) => i.thumbprint.replace(/:/g, "").toLowerCase(),
    reason: (i) => i.reason,
    run: async (deps, i) => {
      const devices = need(deps.devices, "devices");
      const change = await (verb === "trust" ? devices.trust(i.thumbprint) : devices.reject(i.thumbprint));
      const c = change.certificate;
      return {
        result: change,
        oldValue: { status: change.was },
        newValue: { status: change.now, subject: c.subject, thumbprint: c.thumbprint, applicationUri: c.applicationUri, validTo: c.validTo, devices: change.devices },
      };
    },
  });
}

export const DEVICE_OPERATIONS = {
  "device.certificate.trust": certificateOp("trust"),
  "device.certificate.reject": certificateOp("reject"),
};
