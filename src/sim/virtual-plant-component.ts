import { type FaultState, type VirtualPlantOptions, type VirtualPlantService, startVirtualPlant } from "./virtual-plant-service.js";

/**
 * The virtual plant as one of the runtime's components: started before the drivers (they connect to its
 * servers), stopped after them. Until it runs it has no faults to show, and switching one is refused.
 */
export class VirtualPlantComponent {
  readonly name = "virtual plant";
  private service: VirtualPlantService | undefined;

  constructor(private readonly options: VirtualPlantOptions) {}

  async start(): Promise<void> {
    this.service = await startVirtualPlant(this.options);
  }

  async stop(): Promise<void> {
    const s = this.service;
    this.service = undefined;
    await s?.stop();
  }

  /** The running plant (tests reach its physics and endpoints), undefined before start and after stop. */
  running(): VirtualPlantService | undefined {
    return this.service;
  }

  faults(): FaultState[] {
    return this.service?.faults() ?? [];
  }

  /** Throws SCADA_ERR_SIM_FAULT_UNKNOWN for an unknown fault name (the HTTP routes exist only while it runs). */
  setFault(name: string, active: boolean): FaultState {
    if (!this.service) throw new Error("virtual plant not started");
    return this.service.setFault(name, active);
  }
}
