"""Makes a logs.db of N rows with llm's own schema (llm.migrations.migrate), for timing completion-tui."""
import json, sys, datetime, random
import sqlite_utils
from llm.migrations import migrate
path, n = sys.argv[1], int(sys.argv[2])
db = sqlite_utils.Database(path, recreate=True)
migrate(db)
random.seed(1)
start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
rows = []
for i in range(n):
    t = start + datetime.timedelta(seconds=37 * i)
    text = " ".join(random.choice(["alpha", "beta", "gamma", "delta", "token", "answer"]) for _ in range(40))
    payload = {"id": f"chatcmpl-{i}", "object": "chat.completion.chunk", "model": "gpt-4o-mini-2024-07-18",
               "created": int(t.timestamp()), "system_fingerprint": f"fp_{i % 7}", "finish_reason": "stop",
               "usage": {"prompt_tokens": 20 + i % 50, "completion_tokens": 60, "total_tokens": 80 + i % 50}}
    rows.append({"id": f"01j{i:023d}", "model": "gpt-4o-mini", "prompt": f"question {i}: what is {i}?",
                 "system": "be brief" if i % 3 == 0 else None, "options_json": json.dumps({"temperature": 0.7}),
                 "response": text, "response_json": json.dumps(payload), "conversation_id": f"c{i // 5}",
                 "duration_ms": 800 + i % 400, "datetime_utc": t.isoformat(), "input_tokens": 20 + i % 50,
                 "output_tokens": 60})
db["responses"].insert_all(rows, batch_size=5000, alter=False)
print(db["responses"].count, "rows")
