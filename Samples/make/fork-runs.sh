#!/bin/bash
# Makes Samples/fork-runs.jsonl and Samples/fork-choices.json with completion-tui's own `request --log`
# against the real llama-cpp-python server of ../shared/realserver (a tiny random-weight model).
#
#   fork-runs.jsonl    six runs of one request (same prompt and options, seeds 1–6, logprobs 3), as
#                      `request --log` writes them: each response line carries its `request` parameters.
#   fork-choices.json  the same six answers as the choices of one response. llama-cpp-python answers `n`
#                      with one choice, so the choices are the six runs gathered under the first run's
#                      id and created, with usage as a server answering n=6 counts it (the prompt once,
#                      the completions summed); every choice (text, logprobs, finish_reason) is as the
#                      server sent it.
#
# Usage: Samples/make/fork-runs.sh PORT   (a server started with realserver/start_server.sh PORT)
set -eu
PORT=${1:?usage: fork-runs.sh PORT}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${COMPLETION_TUI:-$ROOT/.build/debug/completion-tui}
OUT="$ROOT/Samples/fork-runs.jsonl"
rm -f "$OUT"
for seed in 1 2 3 4 5 6; do
  "$BIN" request --base-url "http://127.0.0.1:$PORT/v1" --model tiny --prompt "The capital of France is" \
    --max-tokens 10 --logprobs 3 --temperature 0.9 --seed "$seed" --no-stream --log "$OUT" >/dev/null
done
python3 - "$OUT" "$ROOT/Samples/fork-choices.json" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
first = {k: v for k, v in runs[0].items() if k != "request"}
first["choices"] = []
for i, run in enumerate(runs):
    choice = dict(run["choices"][0])
    choice["index"] = i
    first["choices"].append(choice)
completion = sum(run["usage"]["completion_tokens"] for run in runs)
prompt = runs[0]["usage"]["prompt_tokens"]
first["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
json.dump(first, open(sys.argv[2], "w"), indent=2)
open(sys.argv[2], "a").write("\n")
PY
