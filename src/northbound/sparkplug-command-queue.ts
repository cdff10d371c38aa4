/**
 * The edge node's DCMDs in flight: each metric of a DCMD is a command (sparkplug-commands.ts), run by the
 * handler one at a time in arrival order, its answer kept per device until the next tick sends it with
 * that device's DDATA (`Operation/Result`), and counted. Bounded: at most MAX_PENDING_COMMANDS wait, a
 * DCMD carries at most MAX_METRICS_PER_COMMAND; beyond, refused at once. Never throws.
 */
import type { Logger } from "../core/logger.js";
import { commandsOf, type NorthCommand, type NorthCommandAnswer, type NorthCommandHandler, resultMetric } from "./sparkplug-commands.js";
import type { SparkplugMetric } from "./sparkplug-metrics.js";

/** Commands waiting for the handler at most; beyond, a command is refused at once as busy. */
const MAX_PENDING_COMMANDS = 32;
/** Metrics of one DCMD at most (a bigger one is refused whole). */
const MAX_METRICS_PER_COMMAND = 16;

export class SparkplugCommandQueue {
  readonly counts = { accepted: 0, refused: 0 };
  private answers = new Map<string, SparkplugMetric[]>();
  private chain: Promise<void> = Promise.resolve();
  private waiting = 0;

  constructor(
    private readonly handler: NorthCommandHandler | undefined,
    private readonly now: () => number,
    private readonly log: Logger,
  ) {}

  /** Answers are waiting to be sent. */
  get hasAnswers(): boolean {
    return this.answers.size > 0;
  }

  /** The answers since the last call, per device. */
  takeAnswers(): Map<string, SparkplugMetric[]> {
    const out = this.answers;
    this.answers = new Map();
    return out;
  }

  /** A DCMD to `device`: each metric a command, run one at a time in arrival order, each answered and counted. */
  enqueue(device: string, metrics: readonly SparkplugMetric[]): void {
    const commands = commandsOf(device, metrics);
    if (commands.length === 0) return;
    const refuse = (c: NorthCommand, code: string, message: string) => this.answer(c, { ok: false, error: { code, message } });
    if (commands.length > MAX_METRICS_PER_COMMAND) {
      refuse(commands[0]!, "SCADA_ERR_NORTHBOUND_COMMAND_REFUSED", `a DCMD carries at most ${MAX_METRICS_PER_COMMAND} commands (this one ${commands.length}): none was run`);
      this.counts.refused += commands.length - 1;
      return;
    }
    for (const c of commands) {
      if (this.waiting >= MAX_PENDING_COMMANDS) {
        refuse(c, "SCADA_ERR_SOCKET_BUSY", `more than ${MAX_PENDING_COMMANDS} commands are waiting: refused, not queued`);
        continue;
      }
      this.waiting++;
      this.chain = this.chain.then(async () => {
        let answer: NorthCommandAnswer;
        try {
          answer = this.handler ? await this.handler(c) : { ok: false, error: { code: "SCADA_ERR_NORTHBOUND_COMMAND_REFUSED", message: "commands from the north are not accepted" } };
        } catch (err) {
          this.log.error({ err: String(err), device, metric: c.metric }, "sparkplug: command handler failed");
          answer = { ok: false, error: { code: "SCADA_ERR_SERVER_INTERNAL", message: "internal error" } };
        } finally {
          this.waiting--;
        }
        this.answer(c, answer);
      });
    }
  }

  private answer(c: NorthCommand, answer: NorthCommandAnswer): void {
    if (answer.ok) this.counts.accepted++;
    else this.counts.refused++;
    const m = resultMetric(c, answer, this.now());
    const list = this.answers.get(c.device);
    if (list) list.push(m);
    else this.answers.set(c.device, [m]);
  }
}
