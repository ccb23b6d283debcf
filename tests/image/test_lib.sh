# Sourced by the image tests that check files made on the spot (grow.sh, rpi-image-gen.sh): a
# scratch folder ($work, removed on exit), failures counted, a skip when a tool is missing.

# skip_without HINT TOOL...: exits 77 (ctest's SKIP_RETURN_CODE for these tests), naming the
# missing tools and HINT (where they come from), unless every TOOL is on the PATH.
skip_without() {
  hint=$1
  shift
  missing=
  for tool in "$@"; do
    command -v "$tool" >/dev/null || missing="$missing $tool"
  done
  if [ -n "$missing" ]; then
    echo "SKIP: missing$missing ($hint)" >&2
    exit 77
  fi
}

# fail MESSAGE: one failed check; the test goes on and finish reports them all.
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# finish WHAT: exit 1 if any check failed, else say what passed.
finish() {
  [ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
  echo "ok: $*"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
