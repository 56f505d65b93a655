// How a configuration problem is reported: one message per key (its value and what is allowed), all at once.
import * as pulumi from "@pulumi/pulumi";
import type { ConfigWording } from "../contracts/service-start";
import { PLAIN_KEYS, PROJECT } from "./keys";
import { redactCredentials, shownValue } from "./redact";

/** Raised for any configuration value that breaks its constraint; lists every bad key at once. */
export class ConfigError extends pulumi.RunError {
  /** One entry per bad key, in declaration order. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * Not a fault: the image a stack promotes has not soaked long enough yet. Says when the soak ends, how long that is
 * from now, and when to retry; its name (not its class: the plan loads the program afresh) tells the plan to report
 * it as a wait.
 */
export class SoakPendingError extends pulumi.RunError {
  constructor(message: string) {
    super(message);
    this.name = "SoakPendingError";
  }
}

/** A duration in words, rounded up to the minute: `1 h 5 min`, `12 min`. Pure. */
export function durationWords(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return [h ? `${h} h` : "", m ? `${m} min` : ""].filter(Boolean).join(" ");
}

/** A raw value as a message shows it: quoted with any credential as [secret] (config/redact.ts), or `(not set)`. Pure. */
function describe(value: string | undefined): string {
  return value === undefined ? "(not set)" : JSON.stringify(shownValue(value));
}

/** One key's problem: `<project>:<key>: got <value>; allowed: <allowed>`. Pure. */
export function problem(name: string, value: string | undefined, allowed: string): string {
  // What is allowed may quote other keys' values (an allow-list): their credentials are shown as [secret] too.
  return `${PROJECT}:${name}: got ${describe(value)}; allowed: ${redactCredentials(allowed)}`;
}

/** How the service's start-up rules (contracts/service-start.ts) word their problems: as every other key's. */
export const CONFIG_WORDING: ConfigWording = {
  project: PROJECT,
  problem,
  allowed: (key) => PLAIN_KEYS[key].allowed,
};
