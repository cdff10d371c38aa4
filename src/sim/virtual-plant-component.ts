import { type FaultState, type VirtualPlantControl, type VirtualPlantOptions, type VirtualPlantService, startVirtualPlant } from "./virtual-plant-service.js";
import { startVirtualPlantThread } from "./virtual-plant-thread.js";

export interface VirtualPlantComponentOptions extends VirtualPlantOptions {
  /** Run the plant in a worker thread of its own (`htr-scada start --sim`); default: in this thread (tests reach its physics). */
  readonly thread?: boolean;
}

/**
 * The virtual plant as one of the runtime's components: started before the drivers (they connect to its
 * servers), stopped after them. Until it runs it has no faults to show, and switching one is refused.
 */
export class VirtualPlantComponent {
  readonly name = "virtual plant";
  private control: VirtualPlantControl | undefined;
  private service: VirtualPlantService | undefined;

  constructor(private readonly options: VirtualPlantComponentOptions) {}

  async start(): Promise<void> {
    if (this.options.thread) this.control = await startVirtualPlantThread(this.options);
    else this.control = this.service = await startVirtualPlant(this.options);
  }

  async stop(): Promise<void> {
    const c = this.control;
    this.control = this.service = undefined;
    await c?.stop();
  }

  /** The running plant when it runs in this thread (tests reach its physics and endpoints); undefined otherwise. */
  running(): VirtualPlantService | undefined {
    return this.service;
  }

  faults(): FaultState[] {
    return this.control?.faults() ?? [];
  }

  /** Throws SCADA_ERR_SIM_FAULT_UNKNOWN for an unknown fault name (the HTTP routes exist only while it runs). */
  setFault(name: string, active: boolean): FaultState {
    if (!this.control) throw new Error("virtual plant not started");
    return this.control.setFault(name, active);
  }
}
