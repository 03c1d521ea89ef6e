#!/usr/bin/env bash
# Times completion-tui beside its peers on one JSON Lines log, in one run, so that ratios are comparable on a
# busy machine (issue 16's targets in the last column):
#
#   Benchmarks/compare-peers.sh LOG [RUNS]
#
#   stats (warm)     completion-tui stats LOG          DuckDB: per-model count and token sum, explicit columns
#   stats (cold)     the same, the file's pages dropped from the page cache before each run (dd iflag=nocache)
#   stats - (piped)  cat LOG | completion-tui stats -     DuckDB on the file, for scale
#   --json slice     completion-tui --json SLICE       orjson: loads + dumps per line (SLICE: the first ~226 MB)
#   --json memory    peak RssAnon (private memory) of completion-tui --json LOG, sampled every 20 ms
#   --json one       completion-tui --json of the log's first line alone    jq -c . of it
#   first screen     process start to the first record's id on screen in a 200x50 tmux pane; less -S
#   filter (f)       an `f` filter line over the whole index (in-process, index-benchmark --figures);
#                    jq's select over the texts for the same words (one run: it is slow)
#   index bytes      index bytes per record
#
# Wall-clock medians of RUNS (default 5). PYTHON is a Python with duckdb and orjson (default python3; e.g.
# `python3 -m venv V && V/bin/pip install duckdb orjson`); a missing peer is skipped. COMPLETION_TUI and
# INDEX_BENCHMARK override the binaries (default: the release builds of the main package and of Benchmarks/;
# build the main one as the README says, `swift build -c release --static-swift-stdlib`). Run it on the
# generated log, on the logprob-heavy one (`generate-log 1G LOG --logprobs 1`) and on chat completions with
# OpenAI's `logprobs.content` (`generate-log 1G LOG --chat-logprobs 1`).
set -euo pipefail

log=${1:?usage: compare-peers.sh LOG [RUNS]}
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
tool=${COMPLETION_TUI:-$here/../.build/release/completion-tui}
bench=${INDEX_BENCHMARK:-$here/.build/release/index-benchmark}
python=${PYTHON:-python3}
size=$(stat -c %s "$log")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The --json slice: whole lines up to about 226 MB.
slice=$work/slice.jsonl
head -c 226000000 "$log" | sed '$d' > "$slice"
slice_size=$(stat -c %s "$slice")
cat "$log" > /dev/null  # warm the page cache

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# wall COMMAND...: seconds of one run, output discarded.
wall() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" > /dev/null 2>&1 || true
    t1=$(date +%s%N)
    awk -v d=$((t1 - t0)) 'BEGIN { printf "%.4f\n", d / 1e9 }'
}

# timed N COMMAND...: the median of N runs.
timed() {
    local n=$1; shift
    for _ in $(seq "$n"); do wall "$@"; done | median
}

# cold N COMMAND...: the median of N runs, each after dropping the log's pages from the page cache.
cold() {
    local n=$1; shift
    for _ in $(seq "$n"); do
        dd if="$log" iflag=nocache count=0 status=none
        wall "$@"
    done | median
}

# peak_anon COMMAND...: the largest RssAnon (MB) seen while the command runs.
peak_anon() {
    "$@" > /dev/null 2>&1 &
    local pid=$! peak=0 kb
    while kill -0 "$pid" 2> /dev/null; do
        kb=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2> /dev/null || echo 0)
        (( ${kb:-0} > peak )) && peak=$kb
        sleep 0.02
    done
    wait "$pid" || true
    echo $((peak / 1024))
}

rows=()
# row WHAT OURS UNIT PEER PEER-VALUE TARGET: the ratio is peer / ours for times, ours / peer for rates.
row() { rows+=("$1|$2|$3|$4|$5|$6"); }

has_duckdb=false; has_orjson=false
"$python" -c 'import duckdb' 2> /dev/null && has_duckdb=true
"$python" -c 'import orjson' 2> /dev/null && has_orjson=true
duck() {
    "$python" -c "
import duckdb
duckdb.sql(\"\"\"select model, count(*) as records, sum(usage.total_tokens) as total_tokens
  from read_json('$1', format = 'newline_delimited', ignore_errors = true,
                 columns = {model: 'VARCHAR', usage: 'STRUCT(total_tokens BIGINT)'})
  group by model order by records desc\"\"\").fetchall()
"
}
orjson_copy() {
    "$python" -c "
import orjson, sys
out = sys.stdout.buffer
with open('$1', 'rb') as f:
    for line in f:
        if line.strip():
            out.write(orjson.dumps(orjson.loads(line)) + b'\n')
"
}

[[ -x $tool ]] || { echo "no completion-tui at $tool (swift build -c release)" >&2; exit 1; }

# stats, warm and cold.
ours=$(timed "$runs" "$tool" stats "$log")
peer=-; $has_duckdb && peer=$(timed "$runs" duck "$log")
row "stats, page cache warm" "$ours" s duckdb "$peer" "≥3× duckdb"
ours=$(cold "$runs" "$tool" stats "$log")
peer=-; $has_duckdb && peer=$(cold "$runs" duck "$log")
cat "$log" > /dev/null
row "stats, page cache cold" "$ours" s duckdb "$peer" "≤1.0 s"
# The same log on standard input (the DuckDB figure is its read of the file, for scale).
piped() { cat "$1" | "$tool" stats - ; }
ours=$(timed "$runs" piped "$log")
peer=-; $has_duckdb && peer=$(timed "$runs" duck "$log")
row "stats -, the log piped in" "$ours" s duckdb "$peer" "-"

# --json
ours=$(timed "$runs" "$tool" --json "$slice")
peer=-; $has_orjson && peer=$(timed "$runs" orjson_copy "$slice")
row "--json of $((slice_size / 1000000)) MB" "$ours" s orjson "$peer" "≥250 MB/s, ≥2× orjson"
row "--json of the log: peak RssAnon" "$(peak_anon "$tool" --json "$log")" MB - - "<64 MB"
# One response on its own, as a script calls it once per saved file: the start (the price table) is the cost.
one=$work/one.json
head -n 1 "$log" > "$one"
ours=$(timed $((runs * 5)) "$tool" --json "$one")
peer=-; command -v jq > /dev/null && peer=$(timed $((runs * 5)) jq -c . "$one")
row "--json of one response" "$ours" s jq "$peer" "-"

# First screen: the first record's id.
needle=$(head -c 4096 "$log" | grep -o '"id": *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/' | cut -c1-12)
if command -v tmux > /dev/null && [[ -n $needle ]]; then
    ours=$("$python" "$here/first-screen.py" "$runs" 200 50 "$needle" "$tool" "$log" | median)
    peer=$("$python" "$here/first-screen.py" "$runs" 200 50 "$needle" less -S "$log" | median)
    row "first screen (tmux 200x50, id shown)" "$ours" s less "$peer" "≤35 ms"
fi

# Filters and index size.
if [[ -x $bench ]]; then
    figures=$("$bench" "$log" --figures --runs "$runs" --filters "invoice,Thursday,東京,garden [a-z]+ river,oven library,zzzq")
    row "index bytes per record" "$(awk -F'\t' '$1 == "bytes-per-record" {print $2}' <<< "$figures")" B - - "≤48 B"
    while IFS=$'\t' read -r kind query seconds matches; do
        [[ $kind == filter ]] || continue
        peer=-
        if [[ $query == invoice ]] && command -v jq > /dev/null; then
            peer=$(timed 1 jq -c 'select([.choices[]? | .text // .message.content // "" | strings | test("invoice"; "i")] | any)' "$log")
        fi
        row "f $query ($matches records)" "$seconds" s jq "$peer" "≤1 s"
    done <<< "$figures"
else
    echo "no index-benchmark at $bench (swift build -c release --package-path Benchmarks): filters skipped" >&2
fi

echo "log: $log ($size bytes), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), median of $runs runs"
printf '%-40s %12s %10s %12s %10s  %s\n' "what" "completion-tui" "peer" "peer" "ratio" "target"
for r in "${rows[@]}"; do
    IFS='|' read -r what ours unit peer value target <<< "$r"
    awk -v w="$what" -v o="$ours" -v u="$unit" -v p="$peer" -v v="$value" -v t="$target" -v sz="$slice_size" 'BEGIN {
        if (u == "s") { os = (o < 1 ? sprintf("%.0f ms", o * 1000) : sprintf("%.2f s", o)) } else { os = o " " u }
        if (v == "-") { vs = "-"; ratio = "-" } else {
            vs = (v < 1 ? sprintf("%.0f ms", v * 1000) : sprintf("%.2f s", v))
            ratio = (o > 0 ? sprintf("%.2f×", v / o) : "-")
        }
        if (w ~ /^--json of [0-9]+ MB$/) { os = os sprintf(" (%.0f MB/s)", sz / 1e6 / o) }
        printf "%-40s %12s %10s %12s %10s  %s\n", w, os, p, vs, ratio, t
    }'
done
echo "ratio: the peer's time over completion-tui's (above 1: completion-tui is faster)"
