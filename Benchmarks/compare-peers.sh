#!/usr/bin/env bash
# Times completion-tui against jq and DuckDB on one JSON Lines log, in one run, so ratios are comparable.
#
#   Benchmarks/compare-peers.sh LOG [RUNS]
#
# Each tool computes the same thing: records and total-token sums per model (the first table of
# `completion-tui stats`). Page cache warm; wall-clock medians of RUNS (default 3); peak resident memory from
# /usr/bin/time. Needs jq and DuckDB's Python package (`pip install duckdb`); a missing tool is skipped.
# COMPLETION_TUI overrides the binary (default: .build/release/completion-tui of the main package).
set -euo pipefail

log=${1:?usage: compare-peers.sh LOG [RUNS]}
runs=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
tool=${COMPLETION_TUI:-$here/../.build/release/completion-tui}
size=$(stat -c %s "$log")

cat "$log" > /dev/null  # warm the page cache

# measure NAME COMMAND...: prints "NAME seconds peak-MB", the median of $runs runs.
results=()
measure() {
    local name=$1; shift
    local times=() peak=0
    local stats
    stats=$(mktemp)
    for _ in $(seq "$runs"); do
        local out
        /usr/bin/time -o "$stats" -f "%e %M" "$@" > /dev/null 2> /dev/null || true
        out=$(tail -1 "$stats")
        times+=("${out% *}")
        local kb=${out#* }
        (( kb > peak )) && peak=$kb
    done
    rm -f "$stats"
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    results+=("$name $median $((peak / 1024))")
}

if [[ -x $tool ]]; then
    measure "completion-tui-stats" "$tool" stats "$log"
    measure "completion-tui-stats--json" "$tool" stats --json "$log"
else
    echo "no completion-tui at $tool (build with: swift build -c release)" >&2
fi

if command -v jq > /dev/null; then
    measure "jq" jq -n 'reduce inputs as $r ({}; .[($r.model // "null")] |= ((. // {records: 0, total_tokens: 0}) | .records += 1 | .total_tokens += ($r.usage.total_tokens // 0)))' "$log"
else
    echo "jq not found: skipped" >&2
fi

if python3 -c 'import duckdb' 2> /dev/null; then
    measure "duckdb" python3 -c "
import duckdb, sys
duckdb.sql(\"\"\"select model, count(*) as records, sum(usage.total_tokens) as total_tokens
  from read_json('$log', format = 'newline_delimited', ignore_errors = true,
                 columns = {model: 'VARCHAR', usage: 'STRUCT(total_tokens BIGINT)'})
  group by model order by records desc\"\"\").fetchall()
"
else
    echo "duckdb (python) not found: skipped (pip install duckdb)" >&2
fi

echo "log: $log ($size bytes), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), median of $runs runs"
base=""
printf '%-28s %10s %10s %10s %10s\n' "tool" "seconds" "MB/s" "peak MB" "× stats"
for r in "${results[@]}"; do
    read -r name secs peak <<< "$r"
    [[ -z $base ]] && base=$secs
    awk -v n="$name" -v s="$secs" -v p="$peak" -v b="$base" -v size="$size" \
        'BEGIN { printf "%-28s %10.2f %10.0f %10d %10.1f\n", n, s, (s > 0 ? size / 1e6 / s : 0), p, (b > 0 ? s / b : 0) }'
done
