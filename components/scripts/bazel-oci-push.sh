#!/usr/bin/env bash
# Builds and pushes one service of the monorepo with Bazel as the monorepo builds it (--config=ci, where .bazelrc
# puts --stamp, and --define TAG=<tag>), then reports the pushed image: IMAGE_URL / IMAGE_DIGEST (the pair Tekton
# Chains signs) and IMAGE_TAG.
# bash: the Bazel image (bazelbuild/continuous-integration bazel/oci/Dockerfile: Ubuntu, bash, git, curl; no jq, no
# skopeo, no crane outside Bazel's runfiles).
# Where the digest comes from: rules_oci v2.2.7 oci/private/push.sh.tpl reads it from the image layout's
# index.json (`.manifests[0].digest`), runs `crane push <layout> <repository>@<digest> "${ARGS[@]}" --image-refs
# <its own temp file>` (its --image-refs comes last and crane keeps the last value, so a caller's --image-refs file is
# never written), and crane push prints the pushed reference on stdout (go-containerregistry
# cmd/crane/cmd/push.go). This step takes the digest from the same index.json, requires the reference crane printed
# to agree with it, and then asks the registry which digest the pushed tag serves.
# Caches (a bound build-cache workspace, or a remote cache): Bazel's output root, repository cache and disk cache.
# Environment: SERVICE_NAME, COMMIT, IMAGE_NAME (may be empty), PUSH_TARGET and IMAGE_TARGET (empty: the monorepo's
# naming), REGISTRY_CREDENTIALS_BOUND / REGISTRY_CREDENTIALS_DIR, BUILD_CACHE_BOUND / BUILD_CACHE_DIR,
# BAZEL_REMOTE_CACHE (may be empty), RESULT_IMAGE_URL, RESULT_IMAGE_DIGEST, RESULT_IMAGE_TAG, HOME.
set -euo pipefail
: "${SERVICE_NAME?}" "${COMMIT:?}" "${RESULT_IMAGE_URL:?}" "${RESULT_IMAGE_DIGEST:?}" "${RESULT_IMAGE_TAG:?}"
: "${HOME:?}"

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

# Bazel's caches. On a bound build-cache workspace (a volume that outlives the run) the output root keeps the
# fetched external repositories and the action cache, the repository cache keeps every download by its sha256, and
# the disk cache keeps action outputs: a second build of an unchanged tree fetches nothing and builds nothing.
# Unbound, everything lives in this pod's HOME and the build is cold.
cache_root="$HOME"
if [ "${BUILD_CACHE_BOUND:-false}" = "true" ]; then
  cache_root="$BUILD_CACHE_DIR/bazel"
fi
mkdir -p "$cache_root"
startup=("--output_user_root=$cache_root/output-root")
flags=(--config=ci "--define=TAG=${tag}" "--repository_cache=$cache_root/repository-cache")
if [ -n "${BAZEL_REMOTE_CACHE:-}" ]; then
  [[ "$BAZEL_REMOTE_CACHE" =~ ^(grpcs|https)://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._/-]*)?$ ]] ||
    fail "not a grpcs:// or https:// remote cache URL: '$BAZEL_REMOTE_CACHE'"
  flags+=("--remote_cache=$BAZEL_REMOTE_CACHE")
else
  flags+=("--disk_cache=$cache_root/disk-cache")
fi
bazel_() { bazel "${startup[@]}" "$@"; }

# The push, as rules_oci runs it; crane's stdout (the pushed reference) is kept.
out="$(mktemp)"
bazel_ run "${flags[@]}" "$push_target" | tee "$out"
printed="$(grep -oE '[a-z0-9][^[:space:]@]*@sha256:[a-f0-9]{64}' "$out" | tail -n 1 || true)"
[ -n "$printed" ] || fail "the push printed no pushed reference (<repository>@sha256:<hex>)"
repository="${printed%@*}"

# The digest of what was pushed: the layout's index.json, manifests[0] (the file push.sh.tpl reads). The Bazel image
# has no jq: the first "digest" in the file is manifests[0]'s, the only entry an oci_image layout has.
layout="$(bazel_ cquery "${flags[@]}" --output=files "$image_target" 2>/dev/null | head -n 1)"
[ -f "$layout/index.json" ] || fail "no image layout for $image_target (cquery said '$layout')"
digest="$(tr -d ' \n\t' < "$layout/index.json" | grep -oE '"manifests":\[\{[^]]*' | grep -oE 'sha256:[a-f0-9]{64}' | head -n 1 || true)"
[[ "$digest" =~ ^sha256:[a-f0-9]{64}$ ]] || fail "$layout/index.json names no sha256 manifest digest"
[ "$printed" = "$repository@$digest" ] ||
  fail "the push printed $printed, but $image_target's index.json names $digest"
if [ -n "$expected_repository" ] && [ "$repository" != "$expected_repository" ]; then
  fail "$push_target pushed to $repository, but Planton's image-name names $expected_repository"
fi

# Cross-check: the digest the registry serves for the pushed tag (a HEAD of the manifest, OCI and Docker media
# types accepted). http only for loopback registries. crane (go-containerregistry pkg/name/registry.go `Scheme()`) also
# speaks http to private-range addresses and *.local hosts; GHCR is none of these, and a private registry here gets https.
host="${repository%%/*}"
path="${repository#*/}"
scheme=https
case "$host" in
  localhost | localhost:* | 127.0.0.1 | 127.0.0.1:*) scheme=http ;;
esac
accept="application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json"
accept="$accept,application/vnd.docker.distribution.manifest.list.v2+json,application/vnd.docker.distribution.manifest.v2+json"
manifest_url="$scheme://$host/v2/$path/manifests/$tag"
headers="$(mktemp)"
status="$(curl -sS --max-time 60 -o /dev/null -D "$headers" -w '%{http_code}' -I -H "Accept: $accept" "$manifest_url" || true)"
if [ "$status" = "401" ]; then
  # Token auth (Docker registry token spec; GHCR): the challenge names the realm, service and scope. The docker
  # config's base64 user:token for the host, when there is one, buys a pull token.
  challenge="$(tr -d '\r' < "$headers" | sed -n 's/^[Ww][Ww][Ww]-[Aa]uthenticate: *[Bb]earer *//p' | head -n 1)"
  field() { grep -oE "$1=\"[^\"]*\"" <<<"$challenge" | head -n 1 | sed "s/^$1=\"//; s/\"\$//"; }
  realm="$(field realm)"
  [ -n "$realm" ] || fail "the registry refused $manifest_url (401) without a bearer challenge"
  # The realm reaches curl as its URL argument: an https URL (http for a loopback registry), never an option.
  realm_re='^(https://[A-Za-z0-9]|http://(localhost|127\.0\.0\.1)[:/])[A-Za-z0-9._~:/%+=,-]*$'
  [[ "$realm" =~ $realm_re ]] || fail "refusing the registry's token realm '$realm': allowed: an https:// URL"
  config="${DOCKER_CONFIG:-$HOME/.docker}/config.json"
  auth=""
  if [ -r "$config" ]; then
    auth="$(tr -d ' \n\t' < "$config" | grep -oE "\"$host\":\\{[^}]*\"auth\":\"[A-Za-z0-9+/=]+\"" | head -n 1 |
      sed 's/.*"auth":"//; s/"$//' || true)"
  fi
  basic=()
  if [ -n "$auth" ]; then basic=(-H "Authorization: Basic $auth"); fi
  token="$(curl -fsS --max-time 60 "${basic[@]}" -G "$realm" --data-urlencode "service=$(field service)" \
    --data-urlencode "scope=$(field scope)" | tr -d ' \n' | sed -n 's/.*"\(access_\)\{0,1\}token":"\([^"]*\)".*/\2/p')"
  [ -n "$token" ] || fail "the registry's token service ($realm) gave no token"
  status="$(curl -sS --max-time 60 -o /dev/null -D "$headers" -w '%{http_code}' -I -H "Accept: $accept" \
    -H "Authorization: Bearer $token" "$manifest_url" || true)"
fi
[ "$status" = "200" ] || fail "the registry answered $status for $manifest_url"
served="$(tr -d '\r' < "$headers" | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p' | head -n 1)"
[ "$served" = "$digest" ] || fail "the registry serves '$served' for $repository:$tag, not the pushed $digest"

printf '%s' "$repository:$tag" > "$RESULT_IMAGE_URL"
printf '%s' "$digest" > "$RESULT_IMAGE_DIGEST"
printf '%s' "$tag" > "$RESULT_IMAGE_TAG"
echo "pushed $repository:$tag@$digest (the registry serves it)"
