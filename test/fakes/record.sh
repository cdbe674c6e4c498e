# Sourced by the fakes: appends one invocation to $FAKE_RECORD (when set) so a test can assert
# exactly how a tool was called. One record is a run of NUL-terminated fields: the tool, the
# working directory, the niceness, the number of environment entries, the entries (NAME=value,
# or NAME alone when unset), the number of arguments, the arguments.
record_invocation() {
  local tool=$1
  shift
  local -a vars=()
  while [[ $1 != -- ]]; do
    vars+=("$1")
    shift
  done
  shift
  [[ -n ${FAKE_RECORD:-} ]] || return 0
  {
    printf '%s\0' "$tool" "$PWD" "$(nice)" "${#vars[@]}"
    local var
    for var in "${vars[@]}"; do
      if [[ -v $var ]]; then printf '%s\0' "$var=${!var}"; else printf '%s\0' "$var"; fi
    done
    printf '%s\0' "$#" "$@"
  } >>"$FAKE_RECORD"
}
