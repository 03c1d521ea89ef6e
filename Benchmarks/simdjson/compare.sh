#!/bin/bash
# simdjson against completion-tui's own scanner on one log: what the index's per-line summary costs each.
#
#   Benchmarks/simdjson/compare.sh LOG [ROUNDS]
#
# Each round runs, interleaved: `completion-tui stats LOG`, then summary (simdjson on-demand, which does not
# validate the values it skips, and --dom, which validates every line as completion-tui's scanner does) on 1
# and 2 threads. Prints wall and user seconds per run and the medians. COMPLETION_TUI names the binary
# (default: the release build). Build summary first with build.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
log=$1
rounds=${2:-5}
tool=${COMPLETION_TUI:-$here/../../.build/release/completion-tui}
[ -x "$here/summary" ] || { echo "no $here/summary: run $here/build.sh (needs libsimdjson-dev)" >&2; exit 1; }
cat "$log" > /dev/null
times=$(mktemp)
trap 'rm -f "$times"' EXIT
results=""
for ((r = 1; r <= rounds; r++)); do
  for v in stats od1 od2 dom1 dom2; do
    case $v in
      stats) cmd=("$tool" stats "$log") ;;
      od1) cmd=("$here/summary" --quiet "$log" 1) ;;
      od2) cmd=("$here/summary" --quiet "$log" 2) ;;
      dom1) cmd=("$here/summary" --dom --quiet "$log" 1) ;;
      dom2) cmd=("$here/summary" --dom --quiet "$log" 2) ;;
    esac
    /usr/bin/time -o "$times" -f "%e %U" "${cmd[@]}" > /dev/null
    results+="$v $(tail -1 "$times")"$'\n'
  done
done
printf '%s' "$results" | awk '
  { wall[$1] = wall[$1] " " $2; user[$1] = user[$1] " " $3 }
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return a[int((n + 1) / 2)]
  }
  END {
    printf "%-6s %8s %8s\n", "", "wall s", "user s"
    split("stats od1 od2 dom1 dom2", order, " ")
    for (k = 1; k <= 5; k++) { v = order[k]; printf "%-6s %8.2f %8.2f\n", v, median(wall[v]), median(user[v]) }
  }'
