// docs/service-contract.md: the committed reference is exactly what contracts/workflow-runner.ts renders.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { DOC_PATH, keyDescriptions, renderContractDoc } from "../../tools/contract/docs";
import { PROJECT_ROOT } from "../../tools/project-root";

describe("docs/service-contract.md", () => {
  const dir = PROJECT_ROOT;
  const rendered = renderContractDoc(keyDescriptions(dir));
  it("is what the contract renders (run `npm run docs:contract` after changing the contract)", () => {
    assert.equal(readFileSync(path.join(dir, DOC_PATH), "utf8"), rendered);
  });
  it("names every variable of the contract, the fixed queues and the retired keys", () => {
    for (const row of [
      /\| `STIGMER_TASK_QUEUE` +\|/,
      /\| `workflow_validation_runner` +\| activity +\|/,
      /\| `executionMode` +\| EXECUTION_MODE +\|/,
    ])
      assert.match(rendered, row);
  });
  it("goes stale when the contract changes", () => {
    const other = renderContractDoc({
      ...keyDescriptions(dir),
      stigmerProxyEndpoint: "STIGMER_PROXY_ENDPOINT, moved.",
    });
    assert.notEqual(other, rendered);
  });
});
