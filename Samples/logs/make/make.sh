#!/bin/bash
# Re-makes every fixture in Samples/logs/ (and Samples/logs/expected/) from
# scratch with the real tools from PyPI, pinned by the requirements/*.txt files
# beside this script (pip freeze of the venvs that made the committed files).
#
#   Samples/logs/make/make.sh
#   ONLY=repro Samples/logs/make/make.sh   # only section 5 (the repeated requests)
#
# Env: VENVS      where the per-tool virtualenvs go   (default /work/venvs)
#      REALSERVER the llama-cpp-python server kit       (default <repo>/../shared/realserver)
#      PORT       port for that server                  (default 18471)
#      CTUI       the completion-tui binary for section 5 (default <repo>/.build/debug/completion-tui)
#
# Nothing outside Samples/logs/ in the repo is touched. LLM_USER_PATH and
# Inspect's log dir point into a temporary directory, removed at the end.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(dirname "$HERE")                       # Samples/logs
REPO=$(cd "$OUT/../.." && pwd)
VENVS=${VENVS:-/work/venvs}
REALSERVER=${REALSERVER:-$(cd "$REPO/.." && pwd)/shared/realserver}
PORT=${PORT:-18471}
BASE_URL="http://127.0.0.1:$PORT/v1"
WORK=$(mktemp -d)
export PYTHONDONTWRITEBYTECODE=1
export NO_COLOR=1
SERVER_STARTED=

cleanup() {
  if [ -n "$SERVER_STARTED" ]; then "$REALSERVER/stop_server.sh" "$PORT" >/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- virtualenvs, one per tool version -------------------------------------
# name            what
# llm-0.31.1      llm==0.31.1 + llm-echo==0.4
# llm-0.36        llm==0.36   + llm-echo==0.5
# inspect-0.3.285 inspect-ai==0.3.285 (zstd ZIP entries)
# inspect-0.3.205 inspect-ai==0.3.205 (deflate ZIP entries) with openai==2.54.0: its
#                 provider passes httpx timeouts that the openai 3.x/httpx2 client rejects
# otel-openai-v2-2.4b0   opentelemetry-instrumentation-openai-v2==2.4b0 (latest semconv)
# otel-openai-v2-2.3b0   opentelemetry-instrumentation-openai-v2==2.3b0 (gen_ai.choice log events)
# otel-openllmetry-0.54.0 opentelemetry-instrumentation-openai==0.54.0 (Traceloop; last with
#                         gen_ai.prompt.N.* / gen_ai.completion.N.* attributes)
# otel-openllmetry-0.62.4 opentelemetry-instrumentation-openai==0.62.4 (Traceloop; since 0.55.0
#                         gen_ai.input.messages / gen_ai.output.messages)
# The openai 3.x SDK moved to httpx2; llm 0.31.1 and the OTel instrumentations still
# import httpx, so httpx==0.28.1 is pinned in those venvs. openai-v2 2.4b0 needs
# opentelemetry-util-genai 1.1b0 (1.2b0+ dropped util.genai.instruments), and
# 2.3b0 needs wrapt<2.
venv() {
  local name=$1 dir="$VENVS/$1"
  [ -x "$dir/bin/python" ] || python3 -m venv "$dir"
  "$dir/bin/pip" install -q --disable-pip-version-check -r "$HERE/requirements/$name.txt" >&2
  echo "$dir/bin"
}
LLM36=$(venv llm-0.36)

llm_user_dir() {  # DIR: a fresh LLM_USER_PATH with the server as two models
  mkdir -p "$1"
  cat >"$1/extra-openai-models.yaml" <<EOF
- model_id: tiny
  model_name: tiny
  api_base: $BASE_URL
- model_id: tiny-completion
  model_name: tiny
  api_base: $BASE_URL
  completion: true
EOF
}
finish_db() {  # SRC DEST: vacuum into 1 KiB pages (llm's ~40 tables cost a page
  # each; 4 KiB pages put a near-empty 0.36 db over 200 KB), copy as one file
  "$LLM36/python" - "$1" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
mode = c.execute("pragma journal_mode").fetchone()[0]
print(sys.argv[1], "journal_mode as llm left it:", mode, file=sys.stderr)
if mode == "wal":
    c.execute("pragma wal_checkpoint(truncate)")
else:
    c.execute("pragma page_size=1024")
c.execute("vacuum")
c.close()
EOF
  cp "$1" "$2"
  [ ! -e "$1-wal" ] || { echo "unexpected -wal left beside $1" >&2; exit 1; }
}
CTUI=${CTUI:-$REPO/.build/debug/completion-tui}

# --- 5. reproducibility groups: the same requests asked again and again --------
# llm-repeat.db (llm 0.36) and request-repeat.jsonl (`completion-tui request
# --log`): one prompt with seed A three times, seed B twice, no seed three times,
# temperature 0 twice, a prompt asked once, and (jsonl) an over-long prompt that
# the server refuses, so the log has an API error line. expected_repro.py
# groups them with Python's json and sqlite3 alone.
make_repro() {
  export LLM_USER_PATH="$WORK/llmrepeat"; llm_user_dir "$LLM_USER_PATH"
  local i
  for i in 1 2 3; do "$LLM36/llm" -m tiny --no-stream -o temperature 0.8 -o seed 11 -o max_tokens 8 "The sky is" >/dev/null; done
  for i in 1 2; do "$LLM36/llm" -m tiny --no-stream -o temperature 0.8 -o seed 12 -o max_tokens 8 "The sky is" >/dev/null; done
  for i in 1 2 3; do "$LLM36/llm" -m tiny --no-stream -o temperature 0.8 -o max_tokens 8 "The sky is" >/dev/null; done
  # the same prompt in a conversation is another request: it follows an answer
  "$LLM36/llm" -c --no-stream -o temperature 0.8 -o seed 11 -o max_tokens 8 "The sky is" >/dev/null
  for i in 1 2; do "$LLM36/llm" -m tiny --no-stream -o temperature 0 -o max_tokens 8 "Once upon a time" >/dev/null; done
  "$LLM36/llm" -m tiny --no-stream -o max_tokens 8 "Count: one, two," >/dev/null
  finish_db "$LLM_USER_PATH/logs.db" "$OUT/llm-repeat.db"
  unset LLM_USER_PATH

  local log="$OUT/request-repeat.jsonl"
  local ask=("$CTUI" request --base-url "$BASE_URL" --model tiny --log "$log")
  rm -f "$log"
  for i in 1 2 3; do "${ask[@]}" --prompt "The sky is" --temperature 0.8 --seed 7 --max-tokens 8 >/dev/null; done
  for i in 1 2; do "${ask[@]}" --prompt "The sky is" --temperature 0.8 --seed 8 --max-tokens 8 >/dev/null; done
  for i in 1 2 3; do "${ask[@]}" --prompt "The sky is" --temperature 0.8 --max-tokens 8 >/dev/null; done
  for i in 1 2; do "${ask[@]}" --prompt "Once upon a time" --temperature 0 --max-tokens 8 --no-stream >/dev/null; done
  "${ask[@]}" --prompt "Count: one, two," --max-tokens 8 >/dev/null
  "${ask[@]}" --prompt "$(printf 'sky %.0s' $(seq 700))" --max-tokens 8 --no-stream >/dev/null 2>&1 || true

  "$LLM36/python" "$HERE/expected_repro.py" "$OUT/request-repeat.jsonl" "$OUT/expected/request-repeat.jsonl.repro.json"
  "$LLM36/python" "$HERE/expected_repro.py" "$OUT/llm-repeat.db" "$OUT/expected/llm-repeat.db.repro.json"
}
if [ "${ONLY:-}" = repro ]; then
  "$REALSERVER/setup.sh" >&2
  "$REALSERVER/start_server.sh" "$PORT" >/dev/null
  SERVER_STARTED=1
  cd "$WORK"
  make_repro
  exit 0
fi

LLM31=$(venv llm-0.31.1)
INSPECT_NEW=$(venv inspect-0.3.285)
INSPECT_OLD=$(venv inspect-0.3.205)
OTEL_V2=$(venv otel-openai-v2-2.4b0)
OTEL_V2OLD=$(venv otel-openai-v2-2.3b0)
OTEL_LL=$(venv otel-openllmetry-0.54.0)
OTEL_LL62=$(venv otel-openllmetry-0.62.4)

# --- the real OpenAI-compatible server --------------------------------------
"$REALSERVER/setup.sh" >&2
"$REALSERVER/start_server.sh" "$PORT" >/dev/null
SERVER_STARTED=1

cd "$WORK"
mkdir -p "$OUT/expected"
rm -f "$OUT"/*.db "$OUT"/*.eval "$OUT"/*.json "$OUT"/*.jsonl "$OUT"/expected/*.json

# --- 1. llm logs.db ----------------------------------------------------------
UNICODE_PROMPT=$'Say «héllo» 👋\nthen stop.'

llm_first_batch() {  # BIN: the prompts every database gets first
  local bin=$1
  "$bin/llm" -m tiny -s "You are terse." -o temperature 0.7 -o seed 42 -o max_tokens 20 "The sky is" >/dev/null
  "$bin/llm" -c --no-stream -o max_tokens 12 "And the sea?" >/dev/null
  "$bin/llm" -m echo "hello from llm-echo" >/dev/null
}
llm_second_batch() {  # BIN
  local bin=$1
  "$bin/llm" -m tiny --no-stream -o max_tokens 10 "$UNICODE_PROMPT" >/dev/null
  # long enough (>= 64 characters) for llm 0.36 to condense the text in response_json
  "$bin/llm" -m tiny --no-stream -o max_tokens 40 "Tell me a long story about the sea." >/dev/null
  "$bin/llm" -m tiny-completion --no-stream -o logprobs 2 -o max_tokens 8 "Once upon a time" >/dev/null
  "$bin/llm" -m tiny-completion -o logprobs 2 -o max_tokens 6 "Count: one, two," >/dev/null
}

# llm-0.31.db
export LLM_USER_PATH="$WORK/llm31"; llm_user_dir "$LLM_USER_PATH"
llm_first_batch "$LLM31"; llm_second_batch "$LLM31"
finish_db "$LLM_USER_PATH/logs.db" "$OUT/llm-0.31.db"

# llm-0.36.db
export LLM_USER_PATH="$WORK/llm36"; llm_user_dir "$LLM_USER_PATH"
llm_first_batch "$LLM36"; llm_second_batch "$LLM36"
finish_db "$LLM_USER_PATH/logs.db" "$OUT/llm-0.36.db"

# llm-upgraded.db: 0.31.1 first, then 0.36 on the same file, continuing the
# conversation 0.31.1 started (by --cid), then new prompts.
export LLM_USER_PATH="$WORK/llmup"; llm_user_dir "$LLM_USER_PATH"
llm_first_batch "$LLM31"
CID=$("$LLM36/python" -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"select conversation_id from responses where model='tiny' order by id limit 1\").fetchone()[0])" "$LLM_USER_PATH/logs.db")
"$LLM36/llm" --cid "$CID" --no-stream -o max_tokens 8 "And the grass?" >/dev/null
llm_second_batch "$LLM36"
finish_db "$LLM_USER_PATH/logs.db" "$OUT/llm-upgraded.db"
unset LLM_USER_PATH

for db in llm-0.31 llm-0.36 llm-upgraded; do
  "$LLM36/python" "$HERE/expected_llm.py" "$OUT/$db.db" "$OUT/expected/$db.db.json"
done

# --- 2. Inspect AI -----------------------------------------------------------
inspect_run() {  # BIN MODEL FORMAT EPOCHS [logprobs] -> prints the log path
  local dir="$WORK/inspect-$RANDOM"
  "$1/python" "$HERE/run_inspect.py" "$2" "$dir" "$3" "$4" ${5:-} | tail -1
}
export LOCAL_API_KEY=not-needed LOCAL_BASE_URL="$BASE_URL"
cp "$(inspect_run "$INSPECT_NEW" mockllm/model eval 2)" "$OUT/inspect-mockllm.eval"
cp "$(inspect_run "$INSPECT_NEW" openai-api/local/tiny eval 1 logprobs)" "$OUT/inspect-openai.eval"
cp "$(inspect_run "$INSPECT_NEW" openai-api/local/tiny json 1 logprobs)" "$OUT/inspect-openai.json"
cp "$(inspect_run "$INSPECT_OLD" openai-api/local/tiny eval 2)" "$OUT/inspect-deflate.eval"
"$INSPECT_NEW/python" "$HERE/expected_inspect.py" "$OUT/inspect-mockllm.eval" "$OUT/expected/inspect-mockllm.eval.json"
"$INSPECT_NEW/python" "$HERE/expected_inspect.py" "$OUT/inspect-openai.eval" "$OUT/expected/inspect-openai.eval.json"
"$INSPECT_NEW/python" "$HERE/expected_inspect.py" "$OUT/inspect-openai.json" "$OUT/expected/inspect-openai.json.json"
"$INSPECT_OLD/python" "$HERE/expected_inspect.py" "$OUT/inspect-deflate.eval" "$OUT/expected/inspect-deflate.eval.json"

# --- 3. OpenTelemetry GenAI spans as OTLP/JSON --------------------------------
(
  export OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental
  export OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=span_only
  "$OTEL_V2/python" "$HERE/make_otel.py" v2-latest "$OUT/otel-openai-v2.jsonl" "$BASE_URL"
  "$OTEL_V2/python" "$HERE/make_otel.py" document "$OUT/otel-document.json" "$BASE_URL"
)
(
  export OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true
  "$OTEL_V2OLD/python" "$HERE/make_otel.py" v2-events "$OUT/otel-openai-v2-events.jsonl" "$BASE_URL"
)
(
  export TRACELOOP_TRACE_CONTENT=true TRACELOOP_METRICS_ENABLED=false
  "$OTEL_LL/python" "$HERE/make_otel.py" openllmetry "$OUT/otel-openllmetry.jsonl" "$BASE_URL"
  "$OTEL_LL62/python" "$HERE/make_otel.py" openllmetry "$OUT/otel-openllmetry-0.62.jsonl" "$BASE_URL"
)
for f in otel-openai-v2.jsonl otel-openai-v2-events.jsonl otel-openllmetry.jsonl otel-openllmetry-0.62.jsonl otel-document.json; do
  "$OTEL_V2/python" "$HERE/expected_otel.py" "$OUT/$f" "$OUT/expected/$f.json"
done

# --- 4. hostile / broken inputs ------------------------------------------------
"$OTEL_V2/python" "$HERE/make_broken.py" "$OUT"

# --- 5. reproducibility groups (defined above) -------------------------------
make_repro

ls -l "$OUT" "$OUT/expected" >&2
echo "made fixtures in $OUT" >&2
