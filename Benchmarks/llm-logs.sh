#!/usr/bin/env bash
# Times completion-tui on an llm logs.db of N rows beside llm itself, in one run, so ratios are comparable.
#
#   Benchmarks/llm-logs.sh LLM_PYTHON [ROWS] [RUNS]
#
# LLM_PYTHON is a Python with llm installed (e.g. a virtualenv's bin/python with `pip install llm==0.36`).
# The database is made with llm's own schema (Benchmarks/make_llm_db.py: llm.migrations.migrate, then ROWS
# rows in `responses`, default 100000). Measured, wall-clock medians of RUNS (default 3), page cache warm:
#   first screen   completion-tui: process start to its first frame in a terminal (`script`, 80x24), and
#                  how many records that frame showed; llm: `llm logs list -n 20` (the newest 20, its first
#                  screen), whole process
#   every row      completion-tui --json DB > /dev/null; llm logs list -n 0 --json DB > /dev/null
#   stats          completion-tui stats DB
# COMPLETION_TUI overrides the binary (default: the release build). Needs `script` (util-linux) and bc.
set -euo pipefail

python=${1:?usage: llm-logs.sh LLM_PYTHON [ROWS] [RUNS]}
rows=${2:-100000}
runs=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
tool=${COMPLETION_TUI:-$here/../.build/release/completion-tui}
llm=$(dirname "$python")/llm
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db=$work/logs.db

"$python" "$here/make_llm_db.py" "$db" "$rows" > /dev/null
cat "$db" > /dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# seconds COMMAND...: wall seconds of one run, output discarded.
seconds() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
}
measure() {
    local name=$1; shift
    local m
    m=$(for _ in $(seq "$runs"); do seconds "$@"; done | median)
    printf '%-36s %8.3f s\n' "$name" "$m"
}

echo "logs.db with $rows rows ($(du -h "$db" | cut -f1)), medians of $runs runs"
# The first frame, as COMPLETION_TUI_TIMINGS reports it from inside the process.
for _ in $(seq "$runs"); do
    COLUMNS=80 LINES=24 COMPLETION_TUI_TIMINGS=1 COMPLETION_TUI_EXIT_AFTER_FIRST_FRAME=1 \
        script -qec "$tool $db" /dev/null 2>&1 | tr -d '\r' | grep -ao 'first frame: .*' || true
done
[[ -x $tool ]] && measure "completion-tui --json" "$tool" --json "$db"
[[ -x $tool ]] && measure "completion-tui stats" "$tool" stats "$db"
# llm migrates the database it opens: it gets a copy, so both read the same rows.
cp "$db" "$work/llm.db"
measure "llm logs list -n 20 (first screen)" "$llm" logs list -n 20 -d "$work/llm.db"
measure "llm logs list -n 0 --json (every row)" "$llm" logs list -n 0 --json -d "$work/llm.db"
