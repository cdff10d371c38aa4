/**
 * Web travel from the encoder: metres the web has moved, never decreasing. Pure (time comes in with each
 * reading), O(1) per reading.
 *
 * A reading a little below the highest seen (< RESET_THRESHOLD_M: encoder jitter, a tension wobble) is
 * ignored: the web is not taken to move backwards, and it only adds travel again once it passes that highest
 * reading. A larger drop is an encoder reset (PLC restart, counter reset): the odometer re-bases on the new
 * reading, taking the web as not having moved across the reset, and says so (`reset: true`). A repeated
 * reading (the web stopped) adds nothing.
 */

/** A backward step at least this large is an encoder reset, m. */
export const RESET_THRESHOLD_M = 0.005;

export interface OdometerReading {
  /** Metres the web has moved (non-decreasing). */
  readonly travelM: number;
  /** The encoder was reset at this reading (travel re-based, unchanged). */
  readonly reset: boolean;
}

/** The odometer's whole state, JSON-able. */
export interface OdometerSnapshot {
  readonly travelM: number;
  /** The highest encoder reading since the last re-base (null: none yet), m. */
  readonly encoderM: number | null;
  /** Epoch ms of the last reading taken (null: none yet). */
  readonly at: number | null;
}

export class WebOdometer {
  private travelM: number;
  private encoderM: number | null = null;
  private at: number | null = null;

  /** @param travelM travel to start counting from (default 0). */
  constructor(travelM = 0) {
    this.travelM = travelM;
  }

  /** Takes an encoder reading (m) taken at `t` (epoch ms). A non-finite reading is ignored. */
  update(t: number, encoderM: number): OdometerReading {
    if (!Number.isFinite(encoderM)) return { travelM: this.travelM, reset: false };
    this.at = t;
    if (this.encoderM === null) {
      this.encoderM = encoderM;
      return { travelM: this.travelM, reset: false };
    }
    const step = encoderM - this.encoderM;
    if (step >= 0) {
      this.travelM += step;
      this.encoderM = encoderM;
      return { travelM: this.travelM, reset: false };
    }
    if (-step < RESET_THRESHOLD_M) return { travelM: this.travelM, reset: false };
    this.encoderM = encoderM;
    return { travelM: this.travelM, reset: true };
  }

  /** Metres moved so far. */
  travel(): number {
    return this.travelM;
  }

  snapshot(): OdometerSnapshot {
    return { travelM: this.travelM, encoderM: this.encoderM, at: this.at };
  }

  /** Continues from a snapshot (the next reading is compared with the snapshot's encoder reading). */
  restore(s: OdometerSnapshot): void {
    this.travelM = s.travelM;
    this.encoderM = s.encoderM;
    this.at = s.at;
  }
}
