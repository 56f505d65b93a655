// Runs a tool from its compiled JavaScript (build/), compiling first when any source is newer than the build.
//
//   node tools/launch.cjs <tool module, e.g. tools/plan/cli> [args...]   run build/<module>.js as the main module
//   node tools/launch.cjs --build                                         compile (tsc -p tsconfig.build.json)
//   node tools/launch.cjs --fresh                                         compile only if a source is newer
//
// Plain JavaScript on purpose: it must run before anything is compiled. The tools then run without a
// transpiler at run time. `pulumi up` does not use this: Pulumi's nodejs runtime runs index.ts itself.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const BUILD = path.join(ROOT, "build");
const STAMP = path.join(BUILD, ".built");
const LOCK = path.join(ROOT, ".build-lock");
/** Folders that hold no source of the build: anywhere (node_modules), or at the top (the outputs). */
const SKIP_ANYWHERE = new Set(["node_modules"]);
const SKIP_AT_ROOT = new Set([path.join(ROOT, "build"), path.join(ROOT, "plan")]);

/** The newest modification time of any TypeScript source or build setting, in ms. */
function newestSource(dir = ROOT) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (SKIP_ANYWHERE.has(entry.name) || SKIP_AT_ROOT.has(full) || entry.name.startsWith(".")) continue;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (/\.ts$|\.sh$|^tsconfig.*\.json$|^package\.json$/.test(entry.name))
      newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function isFresh() {
  try {
    return fs.statSync(STAMP).mtimeMs >= newestSource();
  } catch {
    return false;
  }
}

/** Copies every .sh file under `from` to the same place under `to`. */
function copyScripts(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    if (entry.isDirectory()) copyScripts(source, path.join(to, entry.name));
    else if (entry.name.endsWith(".sh")) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(source, path.join(to, entry.name));
    }
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Compiles into build/ under a lock, so parallel runs do not write it at once; writes the stamp on success. */
function build(reason) {
  for (;;) {
    try {
      fs.mkdirSync(LOCK);
      break;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      // A lock left by a compile that was killed is stale after ten minutes (a compile takes seconds).
      try {
        if (Date.now() - fs.statSync(LOCK).mtimeMs > 600_000)
          fs.rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // Released in the meantime.
      }
      // Another process is compiling: wait for it, then use its build if it is fresh.
      sleep(100);
      if (!fs.existsSync(LOCK) && isFresh()) return;
    }
  }
  let status = 0;
  try {
    if (reason) process.stderr.write(`${reason}: compiling (npm run build) first\n`);
    const started = Date.now();
    const tsc = spawnSync(
      process.execPath,
      [require.resolve("typescript/bin/tsc"), "-p", path.join(ROOT, "tsconfig.build.json")],
      {
        cwd: ROOT,
        stdio: "inherit",
      },
    );
    status = tsc.status ?? 1;
    if (status !== 0) return;
    // The step scripts the components read at evaluation time, beside their compiled modules.
    copyScripts(path.join(ROOT, "components"), path.join(BUILD, "components"));
    fs.writeFileSync(STAMP, `compiled in ${Date.now() - started} ms\n`);
  } finally {
    fs.rmSync(LOCK, { recursive: true, force: true });
    // Exit only once the lock is released.
    if (status !== 0) process.exit(status);
  }
}

const [first, ...rest] = process.argv.slice(2);
if (first === "--build") {
  build(undefined);
} else if (first === "--fresh") {
  if (!isFresh()) build(fs.existsSync(STAMP) ? "sources changed since the last build" : "no build yet");
} else if (first) {
  if (!isFresh()) build(fs.existsSync(STAMP) ? "sources changed since the last build" : "no build yet");
  // Node's on-disk compile cache (module.enableCompileCache, Node >= 22.8, nodejs/node#54501): later runs of a tool
  // skip compiling the JavaScript of its dependencies again. Kept with the installed packages, where a fresh `npm ci`
  // clears it. An older Node 22 runs without it.
  require("node:module").enableCompileCache?.(
    path.join(ROOT, "node_modules", ".cache", "node-compile-cache"),
  );
  const main = path.join(BUILD, `${first}.js`);
  process.argv = [process.argv[0], main, ...rest];
  // The tool checks `require.main === module`: load it as the main module.
  require("node:module").runMain(main);
} else {
  process.stderr.write("usage: node tools/launch.cjs <tool module> [args...] | --build | --fresh\n");
  process.exit(2);
}
