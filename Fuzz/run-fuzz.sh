#!/usr/bin/env bash
# `make fuzz`: runs each libFuzzer target of the chargebridge-fuzz binary (built by the Makefile into
# .build-fuzz) on its seed corpus in Tests/FuzzCorpus/<target>/, bounded by FUZZ_SECONDS per target
# (default 40) or FUZZ_RUNS executions per target (when set, e.g. FUZZ_RUNS=10000000 for the issue's
# campaign). New inputs go to .build-fuzz/corpus/<target>/, crash inputs to .build-fuzz/crashes/<target>/.
# Prints one JSON line of figures per target; exits 1 when any target crashed.
set -u
cd "$(dirname "$0")/.."
BIN=${FUZZ_BIN:-.build-fuzz/debug/chargebridge-fuzz}
TARGETS=${FUZZ_TARGETS:-"payload jsonpath config tariff meter prices"}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-40}
RUNS=${FUZZ_RUNS:-}
JOBS=${FUZZ_JOBS:-1}
status=0
for target in $TARGETS; do
  work=.build-fuzz/corpus/$target crashes=.build-fuzz/crashes/$target log=.build-fuzz/logs/$target.log
  mkdir -p "$work" "$crashes" "$(dirname "$log")"
  limit=(-max_total_time="$SECONDS_PER_TARGET")
  [ -n "$RUNS" ] && limit=(-runs="$RUNS")
  stamp=$(mktemp) start=$(date +%s.%N)
  FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 "$BIN" "${limit[@]}" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$work" "Tests/FuzzCorpus/$target" >"$log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  # Only inputs this run found (older ones stay in $crashes until copied into the corpus and fixed).
  crashes_found=$(find "$crashes" -type f -newer "$stamp" \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | wc -l)
  rm -f "$stamp"
  seeds=$(find "Tests/FuzzCorpus/$target" -type f | wc -l)
  secs=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
  printf '{"fuzz": "%s", "executions": %s, "seconds": %s, "exec_per_s": %s, "crashes": %s, "coverage_edges": %s, "seed_inputs": %s, "corpus_inputs": %s, "exit": %s}\n' \
    "$target" "${execs:-0}" "$secs" "$(awk -v n="${execs:-0}" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')" \
    "$crashes_found" "${cov:-0}" "$seeds" "$(find "$work" -type f | wc -l)" "$rc"
  if [ "$rc" -ne 0 ] || [ "$crashes_found" -ne 0 ]; then
    status=1
    echo "fuzz: $target crashed; see $log and $crashes/" >&2
  fi
done
exit $status
