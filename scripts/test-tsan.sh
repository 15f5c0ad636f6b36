#!/usr/bin/env bash
# make test-tsan: the concurrency tests on the ThreadSanitizer build (BUILD, KW_SANITIZE=thread):
# the whole unit suite (the key cache, quota accounts, the attempt tables, background loops),
# and the integration suites whose server runs many threads at once — parallel decisions,
# quota under parallel checks, the gateway listener's loops and workers, the outbox sender,
# the scheduler, reloads, the abuse tables — and the cluster suites (several instances on one
# PostgreSQL, the change follower). The server binary the integration tests start is the TSan
# one too. Every report of every process goes to BUILD/tsan-reports/; any report fails the
# run, as does a failing test. Suppressions: tests/sanitizers/tsan.supp (third-party code only).
#   scripts/test-tsan.sh [BUILD]
set -uo pipefail
BUILD=${1:-build-tsan}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$BUILD"
rm -rf tsan-reports
mkdir -p tsan-reports
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 history_size=4 \
suppressions=$ROOT/tests/sanitizers/tsan.supp log_path=$PWD/tsan-reports/tsan"
status=0
t0=$(date +%s)
run() {
  local label=$1
  shift
  local s
  s=$(date +%s)
  if "$@" >"tsan-$label.log" 2>&1; then
    echo "tsan $label: ok ($(($(date +%s) - s)) s)"
  else
    echo "tsan $label: FAILED ($(($(date +%s) - s)) s) — see $BUILD/tsan-$label.log"
    tail -20 "tsan-$label.log"
    status=1
  fi
}
[ "${TSAN_UNIT:-1}" = 1 ] && run unit ./unit_tests
for suite in ApplicationApiTest LimitChangeTest DurabilityTest GatewayListenerTest \
  IdleConnectionsTest AbuseTest AbuseCredentialTest MailFlowTest SchedulerFlowTest ReloadTest \
  KeyApiTest; do
  run "$suite" ./integration_tests "$suite"
done
for suite in ClusterTest ClusterMissTest; do
  run "$suite-postgresql" env KW_TEST_DB=postgresql ./integration_tests "$suite"
done
reports=$(ls tsan-reports | wc -l)
if [ "$reports" -gt 0 ]; then
  echo "tsan: $reports report file(s) in $BUILD/tsan-reports:"
  grep -h -A12 "WARNING: ThreadSanitizer" tsan-reports/* | head -200
  status=1
fi
echo "tsan: $(($(date +%s) - t0)) s in all, $reports report file(s)"
exit $status
