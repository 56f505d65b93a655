// The config folder's public face: everything its files export, for `import ... from "./config"`. Files inside
// config/ never import it (they import each other by file), so it can never close a loop.
export * from "./contradictions";
export * from "./errors";
export * from "./formats";
export * from "./keys";
export * from "./labels";
export * from "./load";
export * from "./network";
export * from "./network-rules";
export * from "./parse";
export * from "./platform-limits";
export * from "./policy-parity";
export * from "./service";
