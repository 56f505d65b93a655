#!/usr/bin/env bash
# Puts one commit of the repository into the source workspace. Planton binds a checkout already; a self-hosted run
# binds an empty volume. Either way the workspace ends up at that commit, and its SHA is the `commit` result.
# Environment: GIT_URL, GIT_REVISION, SOURCE_DIR, RESULT_COMMIT.
set -euo pipefail
: "${GIT_URL:?}" "${GIT_REVISION:?}" "${SOURCE_DIR:?}" "${RESULT_COMMIT:?}"

# A revision that starts with '-' would reach git as an option.
case "$GIT_REVISION" in
  -*)
    echo "refusing a revision that starts with '-': $GIT_REVISION" >&2
    exit 1
    ;;
esac

cd "$SOURCE_DIR"
git config --global --add safe.directory "$SOURCE_DIR"
if [ -d .git ] && [ "$(git rev-parse HEAD 2>/dev/null || true)" = "$GIT_REVISION" ]; then
  echo "the source workspace already holds $GIT_REVISION"
else
  if [ ! -d .git ]; then
    git init -q .
    git remote add origin "$GIT_URL"
  fi
  git fetch -q --depth 1 origin "$GIT_REVISION"
  git checkout -q --detach FETCH_HEAD
fi
printf '%s' "$(git rev-parse HEAD)" > "$RESULT_COMMIT"
