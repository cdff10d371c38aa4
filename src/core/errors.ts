/**
 * The one error catalogue. Codes are stable (operators and tools rely on them): SCADA_ERR_<AREA>_<WHAT>.
 * `operator` is true when the error is the caller's mistake (bad input), false when it is a fault of ours
 * or of the plant.
 */
export const ERRORS = {
  SCADA_ERR_CONFIG_INVALID: { status: 500, operator: true, message: "Configuration is invalid" },
  SCADA_ERR_CONFIG_NOT_FOUND: { status: 500, operator: true, message: "Configuration directory not found" },
  SCADA_ERR_TAG_UNKNOWN: { status: 404, operator: true, message: "Unknown tag" },
  SCADA_ERR_TAG_NOT_WRITABLE: { status: 403, operator: true, message: "Tag is not writable" },
  SCADA_ERR_TAG_OUT_OF_RANGE: { status: 422, operator: true, message: "Value outside the tag's range" },
  SCADA_ERR_TAG_TYPE: { status: 422, operator: true, message: "Value has the wrong type for the tag" },
  SCADA_ERR_DRIVER_NOT_CONNECTED: { status: 503, operator: false, message: "Device is not connected" },
  SCADA_ERR_DRIVER_WRITE_FAILED: { status: 502, operator: false, message: "Device refused or failed the write" },
  SCADA_ERR_DRIVER_TIMEOUT: { status: 504, operator: false, message: "Device did not answer in time" },
  SCADA_ERR_DEVICE_UNKNOWN: { status: 404, operator: true, message: "Unknown device" },
  SCADA_ERR_CERT_THUMBPRINT_INVALID: { status: 400, operator: true, message: "Not a certificate thumbprint" },
  SCADA_ERR_CERT_UNKNOWN: { status: 404, operator: true, message: "No such certificate in the OPC UA trust list" },
  SCADA_ERR_SIM_FAULT_UNKNOWN: { status: 404, operator: true, message: "Unknown fault" },
  SCADA_ERR_LINE_COMMAND_REFUSED: { status: 409, operator: true, message: "The line refused the command" },
  SCADA_ERR_INTERLOCK_UNKNOWN: { status: 404, operator: true, message: "Unknown interlock" },
  SCADA_ERR_INTERLOCK_BYPASS_REFUSED: { status: 409, operator: true, message: "Bypass refused" },
  SCADA_ERR_RECIPE_UNKNOWN: { status: 404, operator: true, message: "Unknown recipe" },
  SCADA_ERR_RECIPE_INVALID: { status: 422, operator: true, message: "Recipe is invalid or outside equipment limits" },
  SCADA_ERR_RECIPE_NOT_VERIFIED: { status: 409, operator: true, message: "Recipe setpoints are not verified in the PLC" },
  SCADA_ERR_RECIPE_AUTHOR_CANNOT_APPROVE: { status: 403, operator: true, message: "The author of a recipe version cannot approve it" },
  SCADA_ERR_RECIPE_WRONG_STATE: { status: 409, operator: true, message: "The recipe version is not in a state that allows this" },
  SCADA_ERR_RECIPE_STALE: { status: 409, operator: true, message: "The draft was changed since it was opened" },
  SCADA_ERR_RECIPE_REASON_REQUIRED: { status: 422, operator: true, message: "A reason is required" },
  SCADA_ERR_RECIPE_NOT_SUBMITTABLE: { status: 422, operator: true, message: "The recipe version cannot be submitted" },
  SCADA_ERR_RECIPE_NOT_LOADABLE: { status: 409, operator: true, message: "This recipe version may not be loaded in this mode" },
  SCADA_ERR_ROLL_UNKNOWN: { status: 404, operator: true, message: "Unknown roll" },
  SCADA_ERR_ROLL_LOT_INVALID: { status: 400, operator: true, message: "The precursor lot does not match the recipe's lot pattern" },
  SCADA_ERR_ROLL_LOT_CONFLICT: { status: 409, operator: true, message: "Another lot is being made on the open roll" },
  SCADA_ERR_ROLL_LAB_INVALID: { status: 400, operator: true, message: "The lab result is not valid" },
  SCADA_ERR_ROLL_SPLIT_INVALID: { status: 409, operator: true, message: "The roll cannot be split there" },
  SCADA_ERR_ROLL_RANGE_INVALID: { status: 400, operator: true, message: "The metre range is not valid" },
  SCADA_ERR_ROLL_PDF_UNAVAILABLE: { status: 503, operator: false, message: "The PDF report cannot be printed here" },
  SCADA_ERR_ALARM_UNKNOWN: { status: 404, operator: true, message: "Unknown alarm" },
  SCADA_ERR_ALARM_ACTION_REFUSED: { status: 409, operator: true, message: "Alarm action refused" },
  SCADA_ERR_HISTORIAN_UNAVAILABLE: { status: 503, operator: false, message: "The historian cannot answer queries" },
  SCADA_ERR_HISTORIAN_QUERY_FAILED: { status: 502, operator: false, message: "The historian query failed" },
  SCADA_ERR_AUDIT_WRITE_FAILED: { status: 503, operator: false, message: "The audit trail could not record the action" },
  SCADA_ERR_AUDIT_JOURNAL_DAMAGED: { status: 500, operator: false, message: "The audit journal is damaged" },
  SCADA_ERR_HTTP_BAD_REQUEST: { status: 400, operator: true, message: "Malformed request" },
  SCADA_ERR_HTTP_TOO_LARGE: { status: 413, operator: true, message: "Request body too large" },
  SCADA_ERR_HTTP_UNSUPPORTED_TYPE: { status: 415, operator: true, message: "Request body must be JSON" },
  SCADA_ERR_HTTP_NOT_FOUND: { status: 404, operator: true, message: "No such route" },
  SCADA_ERR_AUTH_FORBIDDEN: { status: 403, operator: true, message: "Permission denied" },
  SCADA_ERR_AUTH_CSRF: { status: 403, operator: true, message: "Missing or wrong CSRF token" },
  SCADA_ERR_AUTH_LOGIN_FAILED: { status: 401, operator: true, message: "Unknown user or wrong password" },
  SCADA_ERR_AUTH_LOCKED: { status: 423, operator: true, message: "Too many failed logins: locked for a while" },
  SCADA_ERR_AUTH_DISABLED: { status: 403, operator: true, message: "This user is disabled" },
  SCADA_ERR_USER_UNKNOWN: { status: 404, operator: true, message: "Unknown user" },
  SCADA_ERR_USER_EXISTS: { status: 409, operator: true, message: "A user of that name exists" },
  SCADA_ERR_USER_INVALID: { status: 422, operator: true, message: "User name, role or password refused" },
  SCADA_ERR_USER_LAST_ADMIN: { status: 409, operator: true, message: "The last enabled admin cannot be disabled or demoted" },
  SCADA_ERR_AUTH_REQUIRED: { status: 401, operator: true, message: "Log in first (no live session)" },
  SCADA_ERR_SOCKET_BAD_EVENT: { status: 400, operator: true, message: "Malformed or unknown socket event" },
  SCADA_ERR_SOCKET_BUSY: { status: 429, operator: true, message: "Too many socket requests in flight" },
  SCADA_ERR_LINE_UNREACHABLE: { status: 503, operator: false, message: "The line's SCADA process does not answer (HMI fan-out)" },
  SCADA_ERR_USER_DB_NOT_FOUND: { status: 404, operator: true, message: "No user database in the data directory" },
  SCADA_ERR_OPERATION_UNKNOWN: { status: 400, operator: true, message: "Unknown operation" },
  SCADA_ERR_SIGNATURE_INVALID: { status: 403, operator: true, message: "Electronic signature refused" },
  SCADA_ERR_AUDIT_UNAVAILABLE: { status: 503, operator: false, message: "The audit trail cannot record" },
  SCADA_ERR_SERVER_INTERNAL: { status: 500, operator: false, message: "Internal error" },
  SCADA_ERR_NORTHBOUND_COMMAND_REFUSED: { status: 403, operator: true, message: "Command from the north refused" },
  SCADA_ERR_DEPS_MISSING: { status: 500, operator: true, message: "A required system package is missing" },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class ScadaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly operator: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    const entry = ERRORS[code];
    super(message ?? entry.message);
    this.name = "ScadaError";
    this.code = code;
    this.status = entry.status;
    this.operator = entry.operator;
    this.details = details;
  }

  toJSON(): { error: { code: ErrorCode; message: string; details?: unknown } } {
    return {
      error: { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) },
    };
  }
}
