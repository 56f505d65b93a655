#!/usr/bin/env sh
# Puts one commit of the repository into the source workspace. Planton binds a checkout already; a self-hosted run
# binds an empty volume. Either way the workspace ends up at exactly that commit, and its SHA is the `commit` result.
# POSIX sh: the git-init image (tektoncd/pipeline cmd/git-init, built by ko on `distroless.dev/git`, .ko.yaml at
# v0.40.2) has sh (busybox ash), and no bash is promised; the Tekton catalog's git-clone task (task/git-clone/0.9) runs
# `#!/usr/bin/env sh` in it. No `set -o pipefail` (dash 0.5.12 refuses it) and no pipelines whose failure would matter.
# Environment: GIT_URL, GIT_REVISION, SOURCE_DIR, RESULT_COMMIT, HOME (writable: git's global config).
set -eu
: "${GIT_URL:?}" "${GIT_REVISION:?}" "${SOURCE_DIR:?}" "${RESULT_COMMIT:?}"

fail() {
  echo "$*" >&2
  exit 1
}

# Every value reaches git checked against git's grammar, and after `--` where git takes one.
# A full commit SHA only: a branch name would build whatever the branch holds when the step runs, and a value that
# starts with '-' would reach git as an option.
case "$GIT_REVISION" in
  *[!0-9a-f]*) fail "refusing a revision that is not a full commit SHA: '$GIT_REVISION'" ;;
esac
[ "${#GIT_REVISION}" -eq 40 ] || fail "refusing a revision that is not a full commit SHA: '$GIT_REVISION'"

# The URL: https:// or ssh:// with a host that starts with a letter or digit, or file:/// (a self-hosted run's mirror
# on a volume), in the characters of a URL. A value that starts with '-' (git fetch's --upload-pack=<command>, -u
# <command>) would run a program of the caller's choosing; so would the ext:: transport (git-remote-ext(1)).
url_allowed="an https://, ssh:// or file:/// URL (host first, no spaces, quotes or shell characters)"
case "$GIT_URL" in
  https://[A-Za-z0-9]* | ssh://[A-Za-z0-9]* | file:///*) ;;
  *) fail "refusing repository URL '$GIT_URL': allowed: $url_allowed" ;;
esac
case "$GIT_URL" in
  *[!A-Za-z0-9._~:/@%+=,-]*) fail "refusing repository URL '$GIT_URL': allowed: $url_allowed" ;;
esac
# Only these transports, whatever a URL or a redirect names (git(1) GIT_ALLOW_PROTOCOL).
export GIT_ALLOW_PROTOCOL=https:ssh:file
case "$SOURCE_DIR" in
  /*) ;;
  *) fail "refusing source workspace '$SOURCE_DIR': allowed: an absolute path" ;;
esac

cd "$SOURCE_DIR"
# The workspace may belong to another uid (Planton's clone): git refuses to work in it without this.
git config --global --add safe.directory "$SOURCE_DIR"
head=""
if [ -d .git ]; then
  head="$(git rev-parse --verify -q HEAD || true)"
fi
if [ "$head" = "$GIT_REVISION" ]; then
  echo "the source workspace already holds $GIT_REVISION"
else
  [ -d .git ] || git init -q .
  # Fetched by SHA from the URL itself, not from a remote the workspace may name differently: protocol v2 serves a
  # commit no branch reaches any more (a force-pushed branch), as GitHub does.
  git fetch -q --no-tags --depth 1 -- "$GIT_URL" "$GIT_REVISION"
  git checkout -q --force --detach FETCH_HEAD
fi
commit="$(git rev-parse HEAD)"
[ "$commit" = "$GIT_REVISION" ] || fail "the source workspace is at $commit, not $GIT_REVISION"
printf '%s' "$commit" > "$RESULT_COMMIT"
