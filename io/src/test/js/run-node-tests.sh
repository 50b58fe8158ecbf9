#!/bin/sh
# Runs the browser client's unit tests (io/src/test/js/*.test.mjs) with node's built-in test runner.
# Maven calls it in the io module's test phase (io/pom.xml, exec-maven-plugin); a failing test fails the build.
set -eu
dir=$(dirname "$0")
if [ "${KFRELAY_SKIP_NODE_TESTS:-false}" = "true" ]; then
  echo "kfrelay: browser client tests skipped (skipTests)"
  exit 0
fi
if ! command -v node >/dev/null 2>&1; then
  echo "kfrelay: the browser client's tests need Node.js 18 or later on PATH (apt-get install nodejs, or run .ci/install-test-deps as root); skip all tests with -DskipTests" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 18 ]; then
  echo "kfrelay: the browser client's tests need Node.js 18 or later, found $(node --version)" >&2
  exit 1
fi
# dot: one character per test, the failures in full at the end (TAP would print every test into the Maven log)
exec node --test --test-reporter=dot "$dir"
