# The image tests' shared start and end (sourced, not run): the tools a test needs, a scratch
# folder removed at exit, and failures counted, so every check runs and the test fails at the end
# if any did.
#
#   . "$(dirname "$0")/checks.sh"
#   need_tools "HINT" TOOL...   stops the test (exit 1) at the first TOOL missing, with HINT
#   skip_without "HINT" TOOL... skips the test (exit 77: ctest's SKIP_RETURN_CODE for it) when a
#                               TOOL is missing, naming them and HINT
#   scratch VAR                 VAR names a fresh folder, removed with all in it at exit
#   fail MESSAGE, ok MESSAGE    a check that failed (counted), or passed
#   finish MESSAGE              exit 1 if any check failed, else MESSAGE and exit 0

need_tools() {
  _hint=$1
  shift
  for _tool in "$@"; do
    command -v "$_tool" >/dev/null || { echo "$_tool is missing: $_hint" >&2; exit 1; }
  done
}

skip_without() {
  _hint=$1
  shift
  _missing=
  for _tool in "$@"; do
    command -v "$_tool" >/dev/null || _missing="$_missing $_tool"
  done
  if [ -n "$_missing" ]; then
    echo "SKIP: missing$_missing ($_hint)" >&2
    exit 77
  fi
}

scratch() {
  eval "$1=\$(mktemp -d)"
  eval "_scratch=\$$1"
  trap 'rm -rf "$_scratch"' EXIT
}

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }

finish() {
  [ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
  echo "ok: $*"
  exit 0
}
