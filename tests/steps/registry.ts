// A real OCI distribution registry on loopback (Debian's docker-registry 2.8), and real OCI image layouts for it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import * as path from "node:path";
import { tempDir } from "../helpers";

/** A free TCP port on 127.0.0.1 (the OS picks it; the registry binds it right after). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A running registry: its host:port, and how to stop it. */
export interface Registry {
  readonly host: string;
  stop(): Promise<void>;
}

/** Starts `docker-registry serve` with a config written here; resolves once /v2/ answers (at most 15 s). */
export async function startRegistry(): Promise<Registry> {
  const dir = tempDir("registry-");
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, "config.yml");
  // distribution v2.8 configuration (docs/configuration.md): filesystem storage, loopback only.
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log: {level: error}",
      `storage: {filesystem: {rootdirectory: ${path.join(dir, "data")}}, delete: {enabled: true}}`,
      `http: {addr: "${host}"}`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("docker-registry", ["serve", config], { stdio: "ignore" });
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(`http://${host}/v2/`);
      if (response.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`docker-registry did not answer on ${host} within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/**
 * An OCI image layout (image-spec v1.1 image-layout.md) of one image with one tar layer holding `text`: the blobs,
 * `oci-layout` and an `index.json` whose manifests[0] is the image manifest. Returns the folder and that digest.
 */
export function imageLayout(text: string): { dir: string; digest: string } {
  const dir = path.join(tempDir("layout-"), "image");
  const blobs = path.join(dir, "blobs", "sha256");
  mkdirSync(blobs, { recursive: true });
  const rootfs = tempDir("rootfs-");
  writeFileSync(path.join(rootfs, "hello.txt"), text);
  const tarFile = path.join(tempDir("layer-"), "layer.tar");
  const tar = spawnSync("tar", [
    "--sort=name",
    "--mtime=@0",
    "--owner=0",
    "--group=0",
    "-C",
    rootfs,
    "-cf",
    tarFile,
    "hello.txt",
  ]);
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
  const layer = readFileSync(tarFile);
  const blob = (data: Buffer | string) => {
    const hex = sha256(data);
    writeFileSync(path.join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(data) };
  };
  const layerDesc = blob(layer);
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: [layerDesc.digest] },
    config: {},
  });
  const configDesc = blob(config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...configDesc },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layerDesc }],
  });
  const manifestDesc = blob(manifest);
  writeFileSync(path.join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(
    path.join(dir, "index.json"),
    JSON.stringify(
      {
        schemaVersion: 2,
        manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifestDesc }],
      },
      null,
      2,
    ),
  );
  return { dir, digest: manifestDesc.digest };
}

/** The digest the registry serves for a reference, as skopeo sees it. */
export function servedDigest(reference: string): string {
  const run = spawnSync(
    "skopeo",
    ["inspect", "--tls-verify=false", "--format", "{{.Digest}}", `docker://${reference}`],
    { encoding: "utf8" },
  );
  if (run.status !== 0) throw new Error(`skopeo inspect ${reference}: ${run.stderr}`);
  return run.stdout.trim();
}
