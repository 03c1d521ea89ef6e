"""Write expected/<fixture>.json for an llm logs.db, read with llm's own code.

Usage: python expected_llm.py DB OUT_JSON   (run with llm==0.36 installed)

The fixture is never opened by llm: llm's LogStore runs its migrations on
open, so it reads a temporary copy. Rows come from llm.logs.merged_log_rows
(what `llm logs --json` lists: the turns tables plus legacy-only `responses`
rows). For turns rows, response_json is resolved by llm itself
(_LogRowBuilder -> resolve_payload, condense-json against the turn's own
message parts). Legacy `responses` rows come back as stored; llm <= 0.31 stored
them condensed with condense_json against {"r:<response id>": response text,
"f<fragment id>": fragment content, ...} (see llm 0.31 Response.log_to_db), so
they are expanded here with condense_json.uncondense_json and those same keys.
The rowid of each row is read from the fixture itself with sqlite3 (read-only).
"""

import importlib.metadata
import json
import os
import shutil
import sqlite3
import sys
import tempfile

import llm
import sqlite_utils
from condense_json import uncondense_json
from llm.logs import LogStore, merged_log_rows


def has_markers(node):
    if isinstance(node, dict):
        if set(node) == {"$"}:
            return True
        return any(has_markers(v) for v in node.values())
    if isinstance(node, list):
        return any(has_markers(v) for v in node)
    return False


def finish_reason_of(rj):
    if not isinstance(rj, dict):
        return None
    if rj.get("finish_reason") is not None:
        return rj["finish_reason"]
    choices = rj.get("choices") or []
    if choices and isinstance(choices[0], dict):
        return choices[0].get("finish_reason")
    return None


def main():
    db_path, out = sys.argv[1:3]
    fixture = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    fixture.row_factory = sqlite3.Row
    tables = [r[0] for r in fixture.execute("select name from sqlite_master where type='table' order by name")]
    journal_mode = fixture.execute("pragma journal_mode").fetchone()[0]
    migrations = (
        [r[0] for r in fixture.execute("select name from _llm_migrations order by rowid")]
        if "_llm_migrations" in tables
        else []
    )
    columns = {
        t: [r[1] for r in fixture.execute(f"pragma table_info([{t}])")]
        for t in ("responses", "conversations", "turns", "threads", "messages", "parts")
        if t in tables
    }
    stored = {}
    for table in ("responses", "turns"):
        if table in tables:
            for r in fixture.execute(f"select rowid, * from [{table}]"):
                stored[r["id"]] = (table, dict(r))
    counts = {t: fixture.execute(f"select count(*) from [{t}]").fetchone()[0] for t in ("responses", "turns", "threads", "messages", "parts", "conversations") if t in tables}
    fixture.close()

    tmp = tempfile.mkdtemp()
    copy = os.path.join(tmp, "copy.db")
    shutil.copy(db_path, copy)
    store = LogStore(sqlite_utils.Database(copy))
    rows = merged_log_rows(store)
    rows.sort(key=lambda r: r["id"])

    records = []
    for row in rows:
        table, raw = stored[row["id"]]
        stored_rj = raw.get("response_json")
        if table == "turns":
            resolved = json.loads(row["response_json"]) if row["response_json"] else None
            thread_id = raw["thread_id"]
            chain = store.load_chain(raw["tip_message_hash"])
            messages = [
                {
                    "role": m.role,
                    "parts": [p.to_dict() for p in m.parts],
                }
                for m in chain
            ]
        else:
            replacements = {f"r:{row['id']}": row["response"]}
            resolved = uncondense_json(json.loads(stored_rj), replacements) if stored_rj else None
            thread_id = None
            messages = None
        records.append(
            {
                "table": table,
                "id": row["id"],
                "rowid": raw["rowid"],
                "model": row["model"],
                "resolved_model": row["resolved_model"],
                "prompt": row["prompt"],
                "system": row["system"],
                "response": row["response"],
                "input_tokens": row["input_tokens"],
                "output_tokens": row["output_tokens"],
                "token_details": json.loads(row["token_details"]) if row["token_details"] else None,
                "duration_ms": row["duration_ms"],
                "datetime_utc": row["datetime_utc"],
                "options": json.loads(row["options_json"]) if row["options_json"] else {},
                "conversation_id": row["conversation_id"],
                "thread_id": thread_id,
                "conversation_name": row["conversation_name"],
                "response_json_stored": stored_rj,
                "response_json_stored_has_condense_markers": has_markers(json.loads(stored_rj)) if stored_rj else False,
                "response_json": resolved,
                "response_json_id": resolved.get("id") if isinstance(resolved, dict) else None,
                "system_fingerprint": resolved.get("system_fingerprint") if isinstance(resolved, dict) else None,
                "finish_reason": finish_reason_of(resolved),
                "messages": messages,
            }
        )
    info = {
        "reader": f"llm {importlib.metadata.version('llm')} llm.logs.merged_log_rows on a copy; legacy response_json via condense_json.uncondense_json",
        "file": os.path.basename(db_path),
        "journal_mode": journal_mode,
        "tables": tables,
        "columns": columns,
        "row_counts": counts,
        "migrations": migrations,
        "records": records,
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2, ensure_ascii=False)
        f.write("\n")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
