// The project's folder, found from any module (the checkout, or build/ when compiled): the nearest with a Pulumi.yaml.
import { existsSync } from "node:fs";
import * as path from "node:path";

/** The nearest folder at or above this module with a Pulumi.yaml; the folder above tools/ when there is none. */
export const PROJECT_ROOT = (() => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, "..");
  }
})();
