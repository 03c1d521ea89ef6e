"""Make the hostile / broken fixtures from the good ones.

Usage: python make_broken.py SAMPLES_LOGS_DIR

  not-llm.db               a valid SQLite db with unrelated tables
  llm-missing-columns.db   a `responses` table with only id, model, prompt
  llm-bad-json.db          llm-0.31.db with rowid 1's response_json and rowid 2's
                           options_json replaced by invalid JSON
  inspect-bad-entry.eval   inspect-deflate.eval with the compressed bytes of
                           samples/sky_epoch_1.json overwritten in the middle;
                           local headers and the central directory untouched
  otel-bad-attributes.jsonl  line 1 and 3 are real lines of otel-openai-v2.jsonl;
                           line 2 is its line 2 with malformed attributes
"""

import json
import os
import shutil
import sqlite3
import struct
import sys
import zipfile

OUT = sys.argv[1]


def p(name):
    return os.path.join(OUT, name)


# --- not-llm.db -----------------------------------------------------------
c = sqlite3.connect(p("not-llm.db"))
c.executescript(
    """
    create table customers (id integer primary key, name text, email text);
    create table orders (id integer primary key, customer_id integer references customers(id),
                         total real, placed_at text);
    insert into customers values (1, 'Ada', 'ada@example.com'), (2, 'Grace', 'grace@example.com');
    insert into orders values (1, 1, 12.5, '2024-01-02T03:04:05Z'), (2, 2, 99.0, '2024-02-03T04:05:06Z');
    """
)
c.commit()
c.close()

# --- llm-missing-columns.db ---------------------------------------------------
src = sqlite3.connect(f"file:{p('llm-0.31.db')}?mode=ro", uri=True)
rows = src.execute("select id, model, prompt from responses order by rowid limit 2").fetchall()
src.close()
c = sqlite3.connect(p("llm-missing-columns.db"))
c.execute("create table responses (id text primary key, model text, prompt text)")
c.executemany("insert into responses values (?, ?, ?)", rows)
c.commit()
c.close()

# --- llm-bad-json.db -------------------------------------------------------------
shutil.copy(p("llm-0.31.db"), p("llm-bad-json.db"))
c = sqlite3.connect(p("llm-bad-json.db"))
c.execute("update responses set response_json = ? where rowid = 1", ['{"id": "cmpl-broken", "choices": [{"text": "trunc'])
c.execute("update responses set options_json = ? where rowid = 2", ["{max_tokens: 12,}"])
c.commit()
c.execute("pragma wal_checkpoint(truncate)")
c.close()
assert not os.path.exists(p("llm-bad-json.db") + "-wal")

# --- inspect-bad-entry.eval --------------------------------------------------------
TARGET = "samples/sky_epoch_1.json"
shutil.copy(p("inspect-deflate.eval"), p("inspect-bad-entry.eval"))
with zipfile.ZipFile(p("inspect-bad-entry.eval")) as zf:
    info = zf.getinfo(TARGET)
data = bytearray(open(p("inspect-bad-entry.eval"), "rb").read())
# local file header: 30 bytes + name + extra, then the compressed bytes
sig, = struct.unpack_from("<I", data, info.header_offset)
assert sig == 0x04034B50
name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
start = info.header_offset + 30 + name_len + extra_len
mid = start + info.compress_size // 2
for i in range(mid, min(mid + 16, start + info.compress_size)):
    data[i] ^= 0xFF
open(p("inspect-bad-entry.eval"), "wb").write(bytes(data))
with zipfile.ZipFile(p("inspect-bad-entry.eval")) as zf:
    assert [i.filename for i in zf.infolist()] == [i.filename for i in zipfile.ZipFile(p("inspect-deflate.eval")).infolist()]
    try:
        zf.read(TARGET)
        raise SystemExit("corruption not detected by zipfile")
    except (zipfile.BadZipFile, Exception) as e:  # zlib.error or CRC mismatch
        print("inspect-bad-entry.eval:", TARGET, "->", type(e).__name__, e)

# --- otel-bad-attributes.jsonl --------------------------------------------------------
lines = open(p("otel-openai-v2.jsonl"), encoding="utf-8").read().splitlines()
bad = json.loads(lines[1])
span = bad["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
attrs = span["attributes"]
# 1. an attribute value that is a bare JSON string, not an AnyValue object
attrs[0]["value"] = attrs[0]["value"].get("stringValue", "bare")
# 2. an intValue that is not a decimal integer string
for kv in attrs:
    if kv["key"] == "gen_ai.usage.output_tokens":
        kv["value"] = {"intValue": "12abc"}
# 3. an attribute with no key
attrs.append({"value": {"stringValue": "no key"}})
# 4. a boolValue that is a string
attrs.append({"key": "fixture.bad_bool", "value": {"boolValue": "yes"}})
with open(p("otel-bad-attributes.jsonl"), "w", encoding="utf-8") as f:
    f.write(lines[0] + "\n")
    f.write(json.dumps(bad, separators=(",", ":"), ensure_ascii=False) + "\n")
    f.write(lines[2] + "\n")
print("made broken fixtures")
