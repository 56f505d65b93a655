#!/usr/bin/env bash
# Verifies a rollout of a Temporal worker: every task queue has pollers from pods that run the new image, of every
# kind (workflow, activity) the worker polls it for.
# Runs in the workload's namespace (its network reaches Temporal as the worker's does). A poller's identity is its
# SDK's default worker identity, and a pod's hostname is its name (contracts/poller-identity.ts, IDENTITY_FORMAT):
# go "<pid>@<hostname>@<queue or empty>", typescript "<pid>@<hostname>". The pods that run the new image are read from
# the Kubernetes API with this Job's own token (a Role that may only get and list pods here), by the digest label
# the pod template carries.
# `temporal task-queue describe --task-queue-type T --output json` lists the pollers of one kind, each with its
# "identity" (temporalio/cli temporalcli/commands.taskqueue.go, 1.4.1 and the 0.x legacy command alike); without the
# flag, 0.x CLIs report workflow pollers only, and two of workflow-runner's queues have none.
# Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, POLLED_QUEUES (space-separated <type>:<queue> words),
# IMAGE_REF (repository:tag@digest),
# POD_SELECTOR (a label selector), POD_NAMESPACE, TIMEOUT_SECONDS, POLL_SECONDS, IDENTITY_FORMAT (go or typescript;
# default go).
set -euo pipefail
: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}" "${POLLED_QUEUES:?}" "${IMAGE_REF:?}" "${POD_SELECTOR:?}"
: "${POD_NAMESPACE:?}" "${TIMEOUT_SECONDS:?}" "${IDENTITY_FORMAT:=go}"
case "$IDENTITY_FORMAT" in
  go | typescript) ;;
  *)
    echo "IDENTITY_FORMAT=$IDENTITY_FORMAT: expected go or typescript" >&2
    exit 2
    ;;
esac

fail() {
  echo "$*" >&2
  exit 1
}

# Each value against its grammar before curl, temporal or bash arithmetic sees it: bash evaluates a variable inside
# $(( )) as an expression (`a[$(command)]` runs the command), a value that starts with '-' is an option, and the
# namespace and selector land in a URL.
for seconds in "$TIMEOUT_SECONDS" "${POLL_SECONDS:-10}"; do
  [[ "$seconds" =~ ^(0|[1-9][0-9]{0,5})$ ]] || fail "refusing a wait of '$seconds' seconds: allowed: a whole number of seconds without a leading zero (bash reads 08 as octal)"
done
[[ "$POD_NAMESPACE" =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]] ||
  fail "refusing namespace '$POD_NAMESPACE': allowed: a DNS-1123 label"
# The selector arrives URL-encoded (encodeURIComponent): no '&', '#', '?', space or quote.
selector_re="^[A-Za-z0-9._~%!*()'-]+\$"
[[ "$POD_SELECTOR" =~ $selector_re ]] ||
  fail "refusing pod selector '$POD_SELECTOR': allowed: a URL-encoded label selector"
address_re='^([A-Za-z0-9][A-Za-z0-9.-]*|\[[0-9A-Fa-f:]+\]):[0-9]{1,5}$'
[[ "$TEMPORAL_ADDRESS" =~ $address_re ]] ||
  fail "refusing Temporal address '$TEMPORAL_ADDRESS': allowed: <host>:<port>"
[[ "$TEMPORAL_NAMESPACE" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
  fail "refusing Temporal namespace '$TEMPORAL_NAMESPACE': allowed: letters, digits, '.', '_', '-' (not starting with '-')"
for entry in $POLLED_QUEUES; do
  [[ "$entry" =~ ^(workflow|activity):[A-Za-z0-9_][A-Za-z0-9._/-]*$ ]] ||
    fail "refusing polled queue '$entry': allowed: <workflow|activity>:<queue name>"
done
[[ "$IMAGE_REF" =~ @sha256:[a-f0-9]{64}$ ]] || fail "refusing image '$IMAGE_REF': allowed: a reference ending in @sha256:<64 hex>"

digest="${IMAGE_REF##*@}"
api="https://kubernetes.default.svc"
sa="${SA_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}"

# Names of the running pods that run the new digest: the pod template labels them with it (POD_SELECTOR carries it).
# The API server's JSON is compact and starts each object's metadata with its name.
new_pods() {
  curl -fsS --cacert "$sa/ca.crt" -H "Authorization: Bearer $(cat "$sa/token")" \
    "$api/api/v1/namespaces/$POD_NAMESPACE/pods?labelSelector=$POD_SELECTOR&fieldSelector=status.phase%3DRunning" |
    grep -o '"metadata":{"name":"[^"]*"' | sed 's/.*"name":"//; s/"$//' | sort -u
}

# Worker identities polling one task queue ($2) for one kind of task ($1).
pollers() {
  temporal task-queue describe --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" \
    --task-queue "$2" --task-queue-type "$1" --disable-stats --output json |
    grep -o '"identity": *"[^"]*"' | sed 's/"identity": *"//; s/"$//' | sort -u
}

# Whether a poller identity ($1) is the one a worker in pod $2 reports: a decimal pid, "@", the pod's name, then "@"
# and anything (go) or nothing (typescript). The name is compared as text, whole: pod "a" is not pod "ab".
of_pod() {
  local pid="${1%%@*}" rest="${1#*@}"
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  [ "$rest" != "$1" ] || return 1
  case "$IDENTITY_FORMAT" in
    go) case "$rest" in "$2@"*) return 0 ;; esac ;;
    typescript) [ "$rest" = "$2" ] && return 0 ;;
  esac
  return 1
}

# Whether any identity of the list ($1, one a line) is pod $2's.
polled_by() {
  local id
  while IFS= read -r id; do
    if of_pod "$id" "$2"; then return 0; fi
  done <<<"$1"
  return 1
}

deadline=$((SECONDS + TIMEOUT_SECONDS))
while :; do
  pods="$(new_pods || true)"
  missing=()
  for entry in $POLLED_QUEUES; do
    ids="$(pollers "${entry%%:*}" "${entry#*:}" || true)"
    found=""
    for pod in $pods; do
      if polled_by "$ids" "$pod"; then found="$pod"; break; fi
    done
    [ -n "$found" ] || missing+=("$entry")
  done
  if [ -z "$pods" ]; then
    state="no running pod runs $digest yet"
  elif [ "${#missing[@]}" -eq 0 ]; then
    echo "verified $IMAGE_REF: every task queue ($POLLED_QUEUES) has pollers from pods that run it ($(echo "$pods" | tr '\n' ' '))"
    exit 0
  else
    state="no poller from a pod that runs $digest on: ${missing[*]}"
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "verification of $IMAGE_REF failed after ${TIMEOUT_SECONDS} s: $state" >&2
    exit 1
  fi
  echo "waiting: $state"
  sleep "${POLL_SECONDS:-10}"
done
