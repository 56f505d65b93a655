#!/usr/bin/env bash
# Deploys a pushed digest by running a delivery program's `pulumi up` for one stack.
#  - Credentials are files of the secrets workspace (Planton build secrets, one per environment): a Pulumi access
#    token and a kubeconfig; never params or literal env values. Without a kubeconfig file it uses the TaskRun's own
#    in-cluster identity (self-hosted Tekton runs deploy as the deployer ServiceAccount).
#  - Only `pulumi` ever sees them: the token and KUBECONFIG are set on each pulumi command alone, never exported, so
#    git and npm (and anything they run) get neither; `npm ci --ignore-scripts` runs no dependency's install script
#    (none of the program's needs one: @pulumi/kubernetes's only installs a plugin that `pulumi up` installs itself).
#    Nothing is written by `pulumi login`: the backend is named per command (PULUMI_BACKEND_URL).
#  - The backend must be one of PULUMI_BACKEND_ALLOWED (the pipeline's allow-list), so a token goes nowhere else.
#  - npm's cache and Pulumi's plugins live on the deploy-cache workspace when it is bound (warm runs download none).
#  - The program runs from a fresh clone of the built commit, which no earlier step could write.
#  - It never deploys a build older than the one running: the stack's current imageTag (a commit SHA) must be an
#    ancestor of the built commit, or the deploy is skipped (result deployed=false) and the step still succeeds.
#  - One deploy at a time: while another update holds the stack's lock, it waits (up to LOCK_TIMEOUT_SECONDS).
# Environment: STACK, PROGRAM_PATH, DEPLOY_TARGETS (space-separated URNs), KUBE_CONTEXT, IMAGE_TAG, IMAGE_DIGEST,
# GIT_URL, GIT_REVISION, SECRETS_BOUND, SECRETS_DIR, TAG_CONFIG, DIGEST_CONFIG, PULUMI_BACKEND_URL (may be empty: Pulumi
# Cloud), PULUMI_BACKEND_ALLOWED (space-separated URLs), DEPLOY_CACHE_BOUND / DEPLOY_CACHE_DIR, LOCK_TIMEOUT_SECONDS,
# LOCK_POLL_SECONDS, RESULT_DEPLOYED, HOME, SA_DIR (the pod's service account folder; tests name their own).
set -euo pipefail
: "${STACK:?}" "${PROGRAM_PATH:?}" "${IMAGE_TAG?}" "${IMAGE_DIGEST?}" "${GIT_URL:?}" "${GIT_REVISION:?}"
: "${TAG_CONFIG:?}" "${DIGEST_CONFIG:?}" "${RESULT_DEPLOYED:?}" "${HOME:?}" "${PULUMI_BACKEND_ALLOWED:?}"

fail() {
  echo "$*" >&2
  exit 1
}

[[ "$IMAGE_DIGEST" =~ ^sha256:[a-f0-9]{64}$ ]] || fail "refusing to deploy without a sha256 digest: '$IMAGE_DIGEST'"
[[ "$IMAGE_TAG" =~ ^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$ ]] || fail "refusing to deploy without an OCI tag: '$IMAGE_TAG'"
[[ "$GIT_REVISION" =~ ^[0-9a-f]{40}$ ]] || fail "refusing to deploy a revision that is not a commit SHA: '$GIT_REVISION'"
# Every other value that reaches git, pulumi, node or bash arithmetic, against that tool's grammar: a value that starts
# with '-' would be read as an option (git fetch --upload-pack=<command> runs a program), and bash evaluates a variable
# inside $(( )) as an expression, where `a[$(command)]` runs the command.
[[ "$GIT_URL" =~ ^(https://[A-Za-z0-9]|ssh://[A-Za-z0-9]|file:///)[A-Za-z0-9._~:/@%+=,-]*$ ]] ||
  fail "refusing repository URL '$GIT_URL': allowed: an https://, ssh:// or file:/// URL (host first, no spaces, quotes or shell characters)"
export GIT_ALLOW_PROTOCOL=https:ssh:file
# Stack names as this project writes them: [<org>/[<project>/]]<stack>, each part letters, digits, '-', '_', '.'.
[[ "$STACK" =~ ^([A-Za-z0-9_][A-Za-z0-9_.-]*/){0,2}[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] ||
  fail "refusing stack '$STACK': allowed: [<org>/[<project>/]]<stack> of letters, digits, '-', '_', '.' (each part starting with a letter, digit or '_')"
[[ "$PROGRAM_PATH" =~ ^[A-Za-z0-9_.][A-Za-z0-9_.-]*(/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*$ && ! "/$PROGRAM_PATH/" =~ /\.\.?/ ]] ||
  fail "refusing program path '$PROGRAM_PATH': allowed: a relative path inside the repository, without '.', '..' or a leading '-'"
for key in "$TAG_CONFIG" "$DIGEST_CONFIG"; do
  [[ "$key" =~ ^[A-Za-z][A-Za-z0-9_-]*$ ]] || fail "refusing config key '$key': allowed: a letter, then letters, digits, '-', '_'"
done
for urn in ${DEPLOY_TARGETS:-}; do
  [[ "$urn" =~ ^urn:pulumi:[^[:space:]]+$ ]] || fail "refusing deploy target '$urn': allowed: Pulumi URNs (urn:pulumi:...)"
done
for seconds in "${LOCK_TIMEOUT_SECONDS:-1800}" "${LOCK_POLL_SECONDS:-20}"; do
  [[ "$seconds" =~ ^(0|[1-9][0-9]{0,5})$ ]] || fail "refusing a lock wait of '$seconds' seconds: allowed: a whole number of seconds without a leading zero (bash reads 08 as octal)"
done

# The backend, from the allow-list only: the token is sent to it.
backend="${PULUMI_BACKEND_URL:-https://api.pulumi.com}"
allowed=false
for url in $PULUMI_BACKEND_ALLOWED; do
  if [ "$url" = "$backend" ]; then allowed=true; fi
done
[ "$allowed" = true ] || fail "refusing Pulumi backend '$backend': not one of the allowed backends ($PULUMI_BACKEND_ALLOWED)"

# Credentials, from files only; read by pulumi_ for each pulumi command.
token_file="${SECRETS_DIR:-}/pulumi-access-token"
if [ "${SECRETS_BOUND:-false}" != "true" ] || [ ! -r "$token_file" ]; then
  fail "no pulumi-access-token file in the secrets workspace: name it as a build secret of this environment"
fi
unset PULUMI_ACCESS_TOKEN KUBECONFIG
sa="${SA_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}"
[[ "$sa" =~ ^/[A-Za-z0-9._/-]+$ ]] || fail "refusing service account folder '$sa': allowed: an absolute path of letters, digits, '.', '_', '-', '/'"
if [ -r "${SECRETS_DIR}/kubeconfig" ]; then
  kubeconfig="${SECRETS_DIR}/kubeconfig"
elif [ -r "$sa/token" ]; then
  # The context name is a YAML string whatever it spells (true, on, dev:, a quote): written as JSON, which YAML 1.2
  # reads as the same string (a JSON string is a YAML double-quoted scalar). No control characters: a name has none.
  [[ ! "${KUBE_CONTEXT:-}" =~ [[:cntrl:]] ]] || fail "refusing kube context '${KUBE_CONTEXT}': allowed: a name without control characters"
  context="$(node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' -- "${KUBE_CONTEXT:-in-cluster}")"
  mkdir -p "$HOME/.kube"
  cat > "$HOME/.kube/config" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
  - name: in-cluster
    cluster:
      server: https://kubernetes.default.svc
      certificate-authority: ${sa}/ca.crt
users:
  - name: deployer
    user:
      tokenFile: ${sa}/token
contexts:
  - name: ${context}
    context:
      cluster: in-cluster
      user: deployer
current-context: ${context}
KUBECONFIG
  kubeconfig="$HOME/.kube/config"
else
  fail "no kubeconfig file in the secrets workspace and no in-cluster identity: nothing to deploy with"
fi
pulumi_() {
  PULUMI_ACCESS_TOKEN="$(cat "$token_file")" PULUMI_BACKEND_URL="$backend" KUBECONFIG="$kubeconfig" pulumi "$@"
}

# Warm runs: npm's cache and Pulumi's plugins on the deploy-cache workspace (~/.pulumi itself stays in this pod).
if [ "${DEPLOY_CACHE_BOUND:-false}" = "true" ]; then
  mkdir -p "$DEPLOY_CACHE_DIR/npm" "$DEPLOY_CACHE_DIR/pulumi-plugins" "$HOME/.pulumi"
  export npm_config_cache="$DEPLOY_CACHE_DIR/npm"
  ln -sfn "$DEPLOY_CACHE_DIR/pulumi-plugins" "$HOME/.pulumi/plugins"
fi

# A fresh clone of the built commit: its history (without file contents) serves the ancestry check.
work="$(mktemp -d)"
git -C "$work" init -q
git -C "$work" remote add -- origin "$GIT_URL"
git -C "$work" fetch -q --filter=blob:none origin "$GIT_REVISION"
git -C "$work" checkout -q --detach FETCH_HEAD
[ "$(git -C "$work" rev-parse HEAD)" = "$GIT_REVISION" ] || fail "the fresh clone is not at $GIT_REVISION"
cd "$work/$PROGRAM_PATH"
project="$(sed -n 's/^name: *//p' Pulumi.yaml | head -n 1)"
[ -n "$project" ] || fail "no project name in $PROGRAM_PATH/Pulumi.yaml"

# Never older than what runs.
running="$(pulumi_ stack output "$TAG_CONFIG" --stack "$STACK" 2>/dev/null || true)"
if [[ "$running" =~ ^[0-9a-f]{40}$ ]] && [ "$running" != "$GIT_REVISION" ]; then
  git -C "$work" fetch -q --filter=blob:none origin "$running" || true
  if ! git -C "$work" merge-base --is-ancestor "$running" "$GIT_REVISION"; then
    echo "not deploying $GIT_REVISION: $STACK runs $running, which is not an ancestor of it (a newer build is running)"
    printf 'false' > "$RESULT_DEPLOYED"
    exit 0
  fi
fi

npm ci --ignore-scripts --prefer-offline --no-audit --no-fund
targets=()
for urn in ${DEPLOY_TARGETS:-}; do
  targets+=(--target "$urn")
done
# The stack's root resource too, so its outputs (the imageRef the next environment promotes) move with the image.
stack_name="${STACK##*/}"
targets+=(--target "urn:pulumi:${stack_name}::${project}::pulumi:pulumi:Stack::${project}-${stack_name}")
policy=()
if [ -f policy/PulumiPolicy.yaml ]; then
  policy=(--policy-pack policy)
fi

deadline=$((SECONDS + ${LOCK_TIMEOUT_SECONDS:-1800}))
until out="$(pulumi_ up --yes --non-interactive --skip-preview --stack "$STACK" "${targets[@]}" "${policy[@]}" \
  -c "${project}:${TAG_CONFIG}=${IMAGE_TAG}" -c "${project}:${DIGEST_CONFIG}=${IMAGE_DIGEST}" 2>&1)"; do
  echo "$out"
  if grep -qE 'Another update is currently in progress|\[409\] Conflict' <<<"$out" && [ "$SECONDS" -lt "$deadline" ]; then
    echo "$STACK is locked by another update; waiting ${LOCK_POLL_SECONDS:-20} s"
    sleep "${LOCK_POLL_SECONDS:-20}"
    continue
  fi
  fail "pulumi up failed for $STACK"
done
echo "$out"
printf 'true' > "$RESULT_DEPLOYED"
