"""Write expected/<fixture>.repro.json: the reproducibility groups of a log,
computed here with Python's json and sqlite3 alone, to check completion-tui's
`stats --repro` against.

Usage: python expected_repro.py LOG OUT_JSON
  LOG: a `completion-tui request --log` JSON Lines file, or an llm 0.36 logs.db

The definitions are the README's (Reproducibility groups):
- a request is the model plus every request parameter except the seed (a
  `request --log` line's `request` object without `seed`; for llm, the turn's
  model, options_json without `seed` and parent_message_hash, the hash of the
  prompt and everything above it);
- an output is every choice's text and tool calls;
- a run set is the records of one request with one system fingerprint and one
  seed; it is reproduced when it has two or more records and one output;
- the rate of a model or fingerprint is reproduced run sets / run sets of two
  or more records.
API error lines and lines without a request are counted, not grouped.
"""

import json
import sqlite3
import sys
from collections import OrderedDict


def records_jsonl(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            obj = json.loads(line)
            if "error" in obj and "choices" not in obj:
                yield {"error": True}
                continue
            req = obj.get("request")
            if not isinstance(req, dict):
                yield {"request": None}
                continue
            params = {k: v for k, v in req.items() if k not in ("seed", "stream", "stream_options")}
            params["model"] = req.get("model", obj.get("model"))
            outs = []
            for c in sorted(obj.get("choices", []), key=lambda c: c.get("index", 0)):
                text = c.get("text")
                if text is None:
                    text = (c.get("message") or {}).get("content") or ""
                outs.append([text, (c.get("message") or {}).get("tool_calls") or []])
            yield {
                "key": json.dumps(params, sort_keys=True),
                "model": params["model"],
                "prompt": req.get("prompt", ""),
                "seed": req.get("seed"),
                "fingerprint": obj.get("system_fingerprint") or None,
                "output": json.dumps(outs),
            }


def records_llm(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def text_of(message_hash):
        rows = db.execute("select text from parts where message_hash = ? and type = 'text' order by position",
                          (message_hash,)).fetchall()
        return "".join(r[0] or "" for r in rows)

    for model, options, parent, tip in db.execute(
            "select model, options_json, parent_message_hash, tip_message_hash from turns order by rowid"):
        options = json.loads(options) if options else {}
        seed = options.pop("seed", None)
        key = json.dumps({"model": model, "options": options, "parent": parent}, sort_keys=True)
        yield {
            "key": key,
            "model": model,
            "prompt": text_of(parent),
            "seed": seed,
            "fingerprint": None,
            "output": text_of(tip),
        }


def main():
    path, out = sys.argv[1], sys.argv[2]
    records = records_llm(path) if path.endswith(".db") else records_jsonl(path)
    groups = OrderedDict()
    errors = without = 0
    for r in records:
        if r.get("error"):
            errors += 1
            continue
        if "key" not in r:
            without += 1
            continue
        g = groups.setdefault(r["key"], {"model": r["model"], "prompt": r["prompt"], "records": [], "sets": OrderedDict()})
        g["records"].append(r["output"])
        seed = None if r["seed"] is None else json.dumps(r["seed"])
        g["sets"].setdefault((r["fingerprint"], seed), []).append(r["output"])
    listed, once = [], 0
    rates = {"model": OrderedDict(), "fingerprint": OrderedDict()}
    for g in groups.values():
        if len(g["records"]) < 2:
            once += 1
            continue
        sets = []
        for (fp, seed), outs in g["sets"].items():
            sets.append({"system_fingerprint": fp, "seed": seed, "records": len(outs), "outputs": len(set(outs))})
            if len(outs) >= 2:
                for kind, name in (("model", g["model"]), ("fingerprint", fp)):
                    t = rates[kind].setdefault(name, [0, 0])
                    t[0] += 1
                    t[1] += 1 if len(set(outs)) == 1 else 0
        listed.append({"model": g["model"], "prompt": g["prompt"], "records": len(g["records"]),
                       "outputs": len(set(g["records"])), "run_sets": sets})
    doc = {
        "groups": listed,
        "asked_once": once,
        "grouped_records": sum(g["records"] for g in listed),
        "without_request": without,
        "errors": errors,
        "by_model": [{"model": k, "run_sets": v[0], "reproduced": v[1]} for k, v in rates["model"].items()],
        "by_fingerprint": [{"system_fingerprint": k, "run_sets": v[0], "reproduced": v[1]} for k, v in rates["fingerprint"].items()],
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
