// The policy pack: `pulumi preview --policy-pack policy`. Constructing it starts the policy server, so tests import rules.ts.
import { PolicyPack } from "@pulumi/policy";
import { resourcePolicies, stackPolicies } from "./rules";

new PolicyPack("workflow-runner-baseline", {
  policies: [...resourcePolicies, ...stackPolicies],
});
