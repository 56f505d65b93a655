#!/usr/bin/env bash
# Builds and pushes one service of the monorepo with Bazel as the monorepo builds it (--config=ci, where .bazelrc
# puts --stamp, and --define TAG=<tag>), then reports the pushed image: IMAGE_URL / IMAGE_DIGEST (the pair Tekton
# Chains signs) and IMAGE_TAG. The digest is what the push itself reports (rules_oci's --image-refs file), checked
# against the digest of the image target built with the same flags.
# Environment: SERVICE_NAME, COMMIT, IMAGE_NAME (may be empty), PUSH_TARGET and IMAGE_TARGET (empty: the monorepo's
# naming), REGISTRY_CREDENTIALS_BOUND / REGISTRY_CREDENTIALS_DIR, RESULT_IMAGE_URL, RESULT_IMAGE_DIGEST,
# RESULT_IMAGE_TAG, HOME.
set -euo pipefail
: "${SERVICE_NAME?}" "${COMMIT:?}" "${RESULT_IMAGE_URL:?}" "${RESULT_IMAGE_DIGEST:?}" "${RESULT_IMAGE_TAG:?}"

fail() {
  echo "$*" >&2
  exit 1
}

[[ "$SERVICE_NAME" =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?$ ]] || fail "not a service name: '$SERVICE_NAME'"
# The monorepo's naming: //backend/services/<name>:<name with - as _>_push and _image, unless the entry overrides.
stem="${SERVICE_NAME//-/_}"
push_target="${PUSH_TARGET:-//backend/services/${SERVICE_NAME}:${stem}_push}"
image_target="${IMAGE_TARGET:-//backend/services/${SERVICE_NAME}:${stem}_image}"
label='^//[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*:[A-Za-z0-9_.+=,@~-]+$'
for target in "$push_target" "$image_target"; do
  [[ "$target" =~ $label ]] || fail "not a Bazel label: '$target'"
done

# The tag: the one in image-name when Planton names the image (<registry>/<path>:<commit>), else the commit.
tag="$COMMIT"
expected_repository=""
if [ -n "${IMAGE_NAME:-}" ]; then
  expected_repository="${IMAGE_NAME%:*}"
  tag="${IMAGE_NAME##*:}"
fi
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] || fail "not an OCI tag: '$tag'"

# Push credentials: the registry-credentials workspace when bound, else the run identity's own docker config.
if [ "${REGISTRY_CREDENTIALS_BOUND:-false}" = "true" ]; then
  export DOCKER_CONFIG="$REGISTRY_CREDENTIALS_DIR"
fi

bazel_() { bazel --output_user_root="$HOME/bazel-root" "$@"; }
flags=(--config=ci "--define=TAG=${tag}")
refs="$(mktemp)"
bazel_ run "${flags[@]}" "$push_target" -- --image-refs "$refs"
pushed="$(tr -d '\n' < "$refs")"
digest="${pushed##*@}"
repository="${pushed%@*}"
[[ "$digest" =~ ^sha256:[a-f0-9]{64}$ ]] || fail "the push reported no sha256 digest: '$pushed'"

layout="$(bazel_ cquery "${flags[@]}" --output=files "$image_target" 2>/dev/null | head -n 1)"
built="$(grep -o '"digest": *"sha256:[a-f0-9]\{64\}"' "$layout/index.json" | head -n 1 | grep -o 'sha256:[a-f0-9]\{64\}' || true)"
[ "$built" = "$digest" ] || fail "the push reported $digest, but $image_target built with the same flags is '$built'"
if [ -n "$expected_repository" ] && [ "$repository" != "$expected_repository" ]; then
  fail "$push_target pushed to $repository, but Planton's image-name names $expected_repository"
fi

printf '%s' "$repository:$tag" > "$RESULT_IMAGE_URL"
printf '%s' "$digest" > "$RESULT_IMAGE_DIGEST"
printf '%s' "$tag" > "$RESULT_IMAGE_TAG"
echo "pushed $repository:$tag@$digest"
