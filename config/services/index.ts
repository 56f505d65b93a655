// The services this program delivers, by the name a stack's `service` key gives. Adding a service adds its module
// here (config/services/<service>.ts, beside its contract in contracts/<service>.ts); nothing else names services.
import type { ServiceModule } from "../service";
import { STIGMER_RUNNER } from "./stigmer-runner";
import { WORKFLOW_RUNNER } from "./workflow-runner";

/** Every service module, by service name. */
export const SERVICE_MODULES: Readonly<Record<string, ServiceModule>> = {
  [WORKFLOW_RUNNER.contract.name]: WORKFLOW_RUNNER,
  [STIGMER_RUNNER.contract.name]: STIGMER_RUNNER,
};

/** The module of a service, or undefined for a name no module has. Pure. */
export function serviceModule(name: string): ServiceModule | undefined {
  return Object.hasOwn(SERVICE_MODULES, name) ? SERVICE_MODULES[name] : undefined;
}

/** The module of a service parsePlainConfig has accepted; throws for a name no module has. Pure. */
export function requireServiceModule(name: string): ServiceModule {
  const module = serviceModule(name);
  if (!module) throw new Error(`no service module for ${JSON.stringify(name)} in config/services/`);
  return module;
}
