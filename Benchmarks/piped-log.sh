#!/usr/bin/env bash
# Times a log piped into the inspector (`cat LOG | completion-tui -`) in a 200x50 tmux pane: from the start to
# the status line saying the input ended (or stopped at the memory bound), with the CPU time and the peak
# resident memory of completion-tui. Several binaries are run round by round, so that a busy machine slows
# them alike and their ratio holds:
#
#   Benchmarks/piped-log.sh LOG [RUNS] BINARY...
#
# Make logs of a given number of records from the generated one, e.g.
# `generate-log 100M /tmp/g100.jsonl && head -n 20000 /tmp/g100.jsonl > /tmp/g20.jsonl`.
set -euo pipefail

log=${1:?usage: piped-log.sh LOG [RUNS] BINARY...}
runs=${2:?usage: piped-log.sh LOG [RUNS] BINARY...}
shift 2
[ $# -gt 0 ] || { echo "usage: piped-log.sh LOG [RUNS] BINARY..." >&2; exit 2; }
socket=piped-log-$$
trap 'tmux -L "$socket" kill-server 2>/dev/null || true' EXIT
cat "$log" > /dev/null  # warm the page cache

one() {
  local bin=$1 start end pid="" last
  # The previous run's process may still be going away: it must not be taken for this one.
  while pgrep -f -x "$bin -" > /dev/null; do sleep 0.05; done
  start=$(date +%s.%N)
  tmux -L "$socket" new-session -d -x 200 -y 50 "cat '$log' | '$bin' -; sleep 600"
  while true; do
    [ -n "$pid" ] || pid=$(pgrep -f -x "$bin -" | head -1 || true)
    last=$(tmux -L "$socket" capture-pane -p -t 0 | tail -1)
    case $last in *"ended ·"*|*"stopped at the memory bound"*) break ;; esac
    sleep 0.05
  done
  end=$(date +%s.%N)
  local cpu hwm
  cpu=$(awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$pid/stat")
  hwm=$(awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$pid/status")
  printf '%s\t%.2f s\tCPU %s s\tpeak %s MB\t%s\n' "$bin" "$(echo "$end - $start" | bc)" "$cpu" "$hwm" \
    "$(echo "$last" | grep -o 'record [0-9]*/[0-9]*' || true)"
  tmux -L "$socket" kill-server 2>/dev/null || true
}

for _ in $(seq "$runs"); do
  for bin in "$@"; do one "$bin"; done
done
