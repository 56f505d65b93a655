// GitHub's hosted runner image `ubuntu-latest` (Ubuntu 24.04) as a PATH folder of this machine's real programs: the
// packages the image's Readme lists, and nothing else, so a job that calls a tool the image lacks fails here as it
// would on GitHub. `sudo` and `apt-get` are stood in: `apt-get install` adds exactly the packages it names.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/**
 * The image's packages, from actions/runner-images `images/ubuntu/Ubuntu2404-Readme.md` (0116af07, image
 * 20250202.1.0): "Language and Runtime" (Bash, Dash, Perl, Python), "Tools" (Git, jq, Skopeo, zstd), "Installed apt
 * packages" (coreutils, curl, file, findutils, gzip via tar's compressors, jq, make, openssh-client, shellcheck, tar,
 * unzip, wget, xz-utils, zip, ...), and the Essential packages every Ubuntu has though the Readme does not list them
 * (grep, sed, diffutils, debianutils, util-linux, hostname, ncurses-bin, procps, login); and Go, whose default
 * tool-cache version the image links into /usr/bin (images/ubuntu/scripts/build/Configure-Toolset.ps1: `ln -s
 * {0}/bin/* /usr/bin/` for the toolset's default go; Debian's golang-go here). Named as Debian names them;
 * the ones this machine has not installed (rsync, sudo, tree) are left out (sudo is a stand-in below). Not listed:
 * busybox, docker-registry.
 */
export const UBUNTU_2404_PACKAGES = [
  "bash",
  "dash",
  "coreutils",
  "findutils",
  "diffutils",
  "grep",
  "sed",
  "gzip",
  "tar",
  "util-linux",
  "debianutils",
  "hostname",
  "ncurses-bin",
  "procps",
  "login",
  "perl-base",
  "python3",
  "git",
  "curl",
  "jq",
  "shellcheck",
  "skopeo",
  "openssh-client",
  "xz-utils",
  "unzip",
  "zip",
  "file",
  "make",
  "wget",
  "zstd",
  "bzip2",
  "golang-go",
] as const;

/** Folders whose programs a package puts on PATH. */
const BIN_DIRS = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/** The programs a Debian package installed on this machine puts on PATH (`dpkg -L`), or undefined if it is not. */
export function packagePrograms(name: string): string[] | undefined {
  const r = spawnSync("dpkg-query", ["-L", name], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  return r.stdout
    .split("\n")
    .filter((f) => BIN_DIRS.includes(path.dirname(f)) && existsSync(f))
    .sort();
}

/** Links every program of the packages into `bin` (the first of a name wins, as PATH order would have it). */
function linkPackages(bin: string, names: readonly string[]): void {
  for (const name of names) {
    for (const program of packagePrograms(name) ?? []) {
      const link = path.join(bin, path.basename(program));
      if (!existsSync(link)) symlinkSync(program, link);
    }
  }
}

/**
 * The image's PATH folder under `dir`, with the stand-ins: `sudo` (the runner user's passwordless sudo: runs the
 * command) and `apt-get` (`update` reads no index; `install [-y] PKG...` adds each package's programs to the folder,
 * from this machine's installed package, or fails as apt does: "E: Unable to locate package PKG", exit 100).
 */
export function runnerImage(dir: string): string {
  const bin = path.join(dir, "ubuntu-24.04-bin");
  mkdirSync(bin, { recursive: true });
  const installed = UBUNTU_2404_PACKAGES.filter((p) => packagePrograms(p) !== undefined);
  linkPackages(bin, installed);
  writeFileSync(
    path.join(bin, "sudo"),
    '#!/bin/bash\n# sudo (stand-in): the runner user may run anything.\nexec "$@"\n',
  );
  writeFileSync(
    path.join(bin, "apt-get"),
    [
      "#!/bin/bash",
      "# apt-get (stand-in): update reads nothing; install adds exactly the named packages' programs from this machine.",
      "set -eu",
      '[ "$#" -gt 0 ] || { echo "E: apt-get (stand-in): no command" >&2; exit 100; }',
      'case "$1" in',
      '  update) echo "Reading package lists... Done (stand-in)"; exit 0 ;;',
      "  install) shift ;;",
      '  *) echo "E: apt-get (stand-in) knows update and install only" >&2; exit 100 ;;',
      "esac",
      "# Like apt, nothing is installed unless every package is found.",
      'for pkg in "$@"; do',
      '  case "$pkg" in -*) continue ;; esac',
      '  /usr/bin/dpkg-query -L "$pkg" >/dev/null 2>&1 || { echo "E: Unable to locate package $pkg" >&2; exit 100; }',
      "done",
      'for pkg in "$@"; do',
      '  case "$pkg" in -*) continue ;; esac',
      '  for f in $(/usr/bin/dpkg-query -L "$pkg"); do',
      '    case "$(dirname "$f")" in',
      `      ${BIN_DIRS.join("|")}) [ -e "$f" ] && [ ! -e "${bin}/$(basename "$f")" ] && /bin/ln -s "$f" "${bin}/$(basename "$f")" ;;`,
      "    esac",
      "  done",
      '  echo "Setting up $pkg (stand-in)"',
      "done",
      "",
    ].join("\n"),
  );
  for (const f of ["sudo", "apt-get"]) chmodSync(path.join(bin, f), 0o755);
  return bin;
}
