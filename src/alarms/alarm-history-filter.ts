/** A query of the alarm history (`GET /api/alarms/history`), its filters already validated by the route. */
export interface AlarmHistoryFilter {
  readonly fromMs: number;
  readonly toMs: number;
  readonly priority?: string;
  readonly station?: string;
  /** The state the alarm went to (unack-active, normal, shelved …). */
  readonly state?: string;
  readonly alarm?: string;
  readonly limit: number;
}
