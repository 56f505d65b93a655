// Endpoint keys (config/network-rules.ts ENDPOINT_KEYS): every destination a service's NetworkPolicy opens comes from
// one of them, and each goes through the one check (config/network.ts endpointProblem).
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { describe, it } from "node:test";
import { ConfigError } from "../../config/errors";
import type { PlainConfig } from "../../config/keys";
import { endpointProblem } from "../../config/network";
import { ENDPOINT_KEYS, endpointsOf } from "../../config/network-rules";
import { parsePlainConfig } from "../../config/parse";
import { requireServiceModule, SERVICE_MODULES } from "../../config/services/index";
import { PROJECT_DIR } from "../../tools/plan/evaluate";
import { readProjectFile, readStackFile, resolveConfig } from "../../tools/plan/stack-files";

const P = "workflow-runner";
/** Every stack file of the project, by stack name: each service the program delivers has at least one. */
const STACKS = readdirSync(PROJECT_DIR)
  .map((f) => /^Pulumi\.(?<stack>.+)\.yaml$/.exec(f)?.groups?.stack)
  .filter((s): s is string => s !== undefined);

/**
 * A stack's raw config (its file over Pulumi.yaml's defaults), with overrides, as the offline plan resolves it; an
 * organization's name the file leaves unset holds the plan's stand-in, unless another service owns the key (then it
 * keeps its default, empty, as that service's ownership rule requires).
 */
function raw(stack: string, overrides: Record<string, string> = {}): Record<string, string> {
  const resolved = resolveConfig(readProjectFile(PROJECT_DIR), readStackFile(PROJECT_DIR, stack), overrides);
  const module = requireServiceModule(resolved.values[`${P}:service`] ?? P);
  const foreign = new Set(
    resolved.standIns.filter((k) =>
      Object.values(SERVICE_MODULES).some((m) => m !== module && Object.hasOwn(m.ownedKeys, k)),
    ),
  );
  return Object.fromEntries(
    Object.entries(resolved.values).map(([k, v]) => {
      const name = k.slice(P.length + 1);
      return [name, foreign.has(name) ? "" : v];
    }),
  );
}

/** Every endpoint key set to a destination of its own, in each form a service reads (proxy on, and claim check on R2). */
const VARIANTS: Record<string, string>[] = [
  {},
  {
    temporalAddress: "temporal-a.example.com:7233",
    stigmerBackendEndpoint: "backend-b.example.com:443",
    stigmerProxyEndpoint: "https://proxy-c.example.com:8443/v1",
  },
  {
    temporalAddress: "temporal-a.example.com:7233",
    stigmerProxyEndpoint: "",
    claimCheckEnabled: "true",
    r2Bucket: "claims",
    r2Endpoint: "https://r2-d.example.com",
  },
];

/** The egress targets (host:port) that no endpoint key of the config leads to. */
function uncovered(cfg: PlainConfig, egress: readonly { host: string; port: number }[]): string[] {
  const endpoints = endpointsOf(cfg).map((e) => `${e.host}:${e.port ?? 443}`);
  return egress.map((t) => `${t.host}:${t.port}`).filter((t) => !endpoints.includes(t));
}

describe("endpoint keys", () => {
  it("every egress target of every service's description comes from an endpoint key", () => {
    assert.ok(STACKS.includes("dev") && STACKS.includes("prod"), STACKS.join(", "));
    let described = 0;
    for (const stack of STACKS) {
      for (const variant of VARIANTS) {
        let cfg: PlainConfig;
        try {
          cfg = parsePlainConfig(raw(stack, variant));
        } catch (e) {
          // A variant a service does not take (its own rules refuse it); its stack's own config must parse.
          if (Object.keys(variant).length === 0) throw e;
          assert.ok(e instanceof ConfigError);
          continue;
        }
        described++;
        const egress = requireServiceModule(cfg.service).describe(cfg, stack).workload.egress;
        assert.deepEqual(
          uncovered(cfg, egress),
          [],
          `${stack} ${JSON.stringify(variant)}: egress targets no key of ENDPOINT_KEYS sets`,
        );
      }
    }
    assert.ok(described >= STACKS.length * 2, `${described} descriptions`);
  });

  it("the coverage check fails for a target no endpoint key names (the proof it can fail)", () => {
    const cfg = parsePlainConfig(raw("dev", VARIANTS[1]));
    const egress = requireServiceModule(cfg.service).describe(cfg, "dev").workload.egress;
    assert.deepEqual(uncovered(cfg, egress), []);
    const extra = { purpose: "OpenTelemetry collector", host: "otel.example.com", port: 4317 };
    assert.deepEqual(uncovered(cfg, [...egress, extra]), ["otel.example.com:4317"]);
  });

  it("refuses the cloud metadata service in every endpoint key, in every form", () => {
    const bad: Record<"address" | "url", string[]> = {
      address: [
        "169.254.169.254:80",
        "metadata.google.internal:80",
        "[fd00:ec2::254]:80",
        "host.example.com:0",
      ],
      url: [
        "https://169.254.169.254",
        "http://169.254.169.254",
        "https://[fd00:ec2::254]",
        "https://metadata.google.internal",
        "https://api.example.com:99999",
        "https://api.example.com:0",
      ],
    };
    for (const [key, kind] of Object.entries(ENDPOINT_KEYS)) {
      for (const value of bad[kind]) {
        assert.throws(
          () => parsePlainConfig(raw("dev", { [key]: value })),
          (e: unknown) =>
            e instanceof ConfigError && e.problems.some((p) => p.startsWith(`${P}:${key}: got "${value}"`)),
          `${key}=${value}`,
        );
      }
    }
  });

  it("opens a link-local destination only where allowedLinkLocalCidrs holds it", () => {
    for (const key of ["stigmerProxyEndpoint", "r2Endpoint"])
      assert.doesNotThrow(() =>
        parsePlainConfig(
          raw("dev", { [key]: "https://169.254.169.254", allowedLinkLocalCidrs: '["169.254.169.254/32"]' }),
        ),
      );
    assert.doesNotThrow(() =>
      parsePlainConfig(
        raw("dev", {
          temporalAddress: "metadata.google.internal:80",
          allowedLinkLocalCidrs: '["169.254.169.0/24"]',
        }),
      ),
    );
    assert.match(
      endpointProblem("169.254.169.254", 80, ["169.254.1.0/24"]) ?? "",
      /unless allowedLinkLocalCidrs lists a range that holds 169\.254\.169\.254$/,
    );
  });

  it("endpointProblem takes ports 1 to 65535 only", () => {
    assert.equal(endpointProblem("h.example.com", 65535, []), undefined);
    assert.equal(endpointProblem("h.example.com", 1, []), undefined);
    assert.match(endpointProblem("h.example.com", 65536, []) ?? "", /a port from 1 to 65535: got port 65536/);
  });
});
