#!/usr/bin/env bash
# A stand-in for `bazel` in the Bazel image, for the push step's tests: what Bazel and rules_oci would do for
# `bazel run <oci_push target>` and `bazel cquery --output=files <oci_image target>`, with the real registry work
# done by the real skopeo.
#  - `run`: rules_oci v2.2.7 oci/private/push.sh.tpl, reproduced (not copied): the caller's arguments after `--`
#    are parsed as the template parses them (-t/--tag, -r/--repository, global crane flags, the rest kept in ARGS);
#    DIGEST is `.manifests[0].digest` of the image layout's index.json; then `crane push <layout>
#    <repository>@<digest> "${ARGS[@]}" --image-refs <its own mktemp>` and `crane tag` with each tag and each line of
#    the remote_tags file (the monorepo's tags genrule writes --define TAG there).
#  - crane (go-containerregistry cmd/crane/cmd/push.go): --image-refs is one string flag (cobra: the last value
#    wins); push writes the reference to that file and prints it on stdout. The push itself is
#    `skopeo copy --preserve-digests`, the tag a copy of the pushed digest to the tag.
#  - `cquery --output=files`: the layout's path under bazel-out, relative to the workspace.
#  - Downloads: an external archive is fetched unless Bazel's repository cache holds its sha256
#    (content_addressable/sha256/<hex>/file, Bazel's RepositoryCache layout); each fetch is logged.
# Environment (the test's): STANDIN_IMAGE_DIR, STANDIN_REPOSITORY, STANDIN_LOG, STANDIN_ARCHIVE,
# STANDIN_MISTAG_DIR (optional: tag that layout instead, as if another push moved the tag).
set -euo pipefail
echo "bazel $*" >> "$STANDIN_LOG"

startup_done=false
command=""
flags=()
target=""
rest=()
while (($# > 0)); do
  if [ "$startup_done" = false ] && [[ "$1" == --* ]]; then
    shift
    continue
  fi
  startup_done=true
  if [ -z "$command" ]; then
    command="$1"
  elif [ -n "$target" ]; then
    [ "$1" = "--" ] || rest+=("$1")
  elif [[ "$1" == //* ]]; then
    target="$1"
  else
    flags+=("$1")
  fi
  shift
done

flag() {
  local f
  for f in "${flags[@]}"; do
    if [[ "$f" == "$1="* ]]; then printf '%s' "${f#"$1="}"; fi
  done
}

# The repository cache: an archive is downloaded once per cache.
repository_cache="$(flag --repository_cache)"
archive_hex="$(sha256sum "$STANDIN_ARCHIVE" | cut -d' ' -f1)"
cached="$repository_cache/content_addressable/sha256/$archive_hex/file"
if [ -z "$repository_cache" ] || [ ! -f "$cached" ]; then
  echo "download $archive_hex" >> "$STANDIN_LOG"
  if [ -n "$repository_cache" ]; then
    mkdir -p "$(dirname "$cached")"
    cp "$STANDIN_ARCHIVE" "$cached"
  fi
fi

crane() {
  local sub="$1" refs="" args=()
  shift
  while (($# > 0)); do
    case "$1" in
      --image-refs) refs="$2"; shift 2 ;;
      --image-refs=*) refs="${1#--image-refs=}"; shift ;;
      --insecure | -v | --verbose) shift ;;
      *) args+=("$1"); shift ;;
    esac
  done
  case "$sub" in
    push)
      local digestfile
      digestfile="$(mktemp)"
      /usr/bin/skopeo copy -q --preserve-digests --dest-tls-verify=false --digestfile "$digestfile" \
        "oci:${args[0]}" "docker://${args[1]}" >&2
      local ref
      ref="${args[1]%@*}@$(cat "$digestfile")"
      if [ -n "$refs" ]; then printf '%s' "$ref" > "$refs"; fi
      echo "$ref"
      ;;
    tag)
      local source="docker://${args[0]}"
      if [ -n "${STANDIN_MISTAG_DIR:-}" ]; then source="oci:$STANDIN_MISTAG_DIR"; fi
      /usr/bin/skopeo copy -q --preserve-digests --src-tls-verify=false --dest-tls-verify=false \
        "$source" "docker://${args[0]%@*}:${args[1]}" >&2
      ;;
  esac
}

case "$command" in
  run)
    IMAGE_DIR="$STANDIN_IMAGE_DIR"
    REPOSITORY="$STANDIN_REPOSITORY"
    TAGS_FILE="$(mktemp)"
    # The tags genrule's output: one tag a line.
    printf '%s\n' "$(flag --define | sed -n 's/^TAG=//p')" > "$TAGS_FILE"
    TAGS=()
    ARGS=()
    set -- ${rest[@]+"${rest[@]}"}
    while (($# > 0)); do
      case "$1" in
        -t | --tag) TAGS+=("$2"); shift 2 ;;
        --tag=*) TAGS+=("${1#--tag=}"); shift ;;
        -r | --repository) REPOSITORY="$2"; shift 2 ;;
        --repository=*) REPOSITORY="${1#--repository=}"; shift ;;
        *) ARGS+=("$1"); shift ;;
      esac
    done
    DIGEST="$(/usr/bin/jq -r '.manifests[0].digest' "$IMAGE_DIR/index.json")"
    REFS="$(mktemp)"
    crane push "$IMAGE_DIR" "$REPOSITORY@$DIGEST" ${ARGS[@]+"${ARGS[@]}"} --image-refs "$REFS"
    for tag in ${TAGS[@]+"${TAGS[@]}"}; do crane tag "$(cat "$REFS")" "$tag"; done
    while read -r tag; do
      if [ -n "$tag" ]; then crane tag "$(cat "$REFS")" "$tag"; fi
    done < "$TAGS_FILE"
    ;;
  cquery)
    package="${target#//}"
    out="bazel-out/k8-fastbuild/bin/${package%%:*}/${target##*:}"
    mkdir -p "$(dirname "$out")"
    ln -sfn "$STANDIN_IMAGE_DIR" "$out"
    echo "$out"
    ;;
  *)
    echo "the stand-in knows no bazel $command" >&2
    exit 2
    ;;
esac
