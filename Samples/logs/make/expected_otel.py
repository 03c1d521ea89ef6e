"""Write expected/<fixture>.json for an OTLP/JSON file of GenAI spans.

Usage: python expected_otel.py IN_FILE OUT_JSON

The reader here is JSON plus the OTLP/JSON rules: each line (or the whole file,
for a pretty-printed document) is an ExportTraceServiceRequest
({"resourceSpans": [...]}) or an ExportLogsServiceRequest ({"resourceLogs":
[...]}). Attribute values are AnyValue objects; they are turned into plain
values (intValue strings become ints). Each line is also parsed back into the
protobuf message with google.protobuf.json_format after turning the hex ids
back into base64, to prove the file is valid OTLP/JSON.

Output text per span, by the convention the instrumentation used:
  * gen_ai.output.messages (latest semconv): JSON array of
    {"role", "parts": [{"type": "text", "content": ...}], "finish_reason"};
    text = the text parts of each message, messages joined by "\n---\n".
  * gen_ai.completion.N.content (OpenLLMetry): N = 0.., joined likewise.
  * gen_ai.choice log records (openai-v2 <= 2.3b0 without the opt-in) linked
    by spanId: body.message.content, ordered by body.index, joined likewise.
"""

import base64
import json
import sys

from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
)

SEP = "\n---\n"


def any_value(v):
    if "stringValue" in v:
        return v["stringValue"]
    if "boolValue" in v:
        return v["boolValue"]
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return v["doubleValue"]
    if "arrayValue" in v:
        return [any_value(x) for x in v["arrayValue"].get("values", [])]
    if "kvlistValue" in v:
        return {kv["key"]: any_value(kv.get("value", {})) for kv in v["kvlistValue"].get("values", [])}
    if "bytesValue" in v:
        return {"bytes_base64": v["bytesValue"]}
    return None


def attrs(items):
    return {kv["key"]: any_value(kv.get("value", {})) for kv in items or []}


def ids_to_base64(node):
    if isinstance(node, dict):
        return {
            k: (base64.b64encode(bytes.fromhex(v)).decode() if k in ("traceId", "spanId", "parentSpanId") and v else ids_to_base64(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [ids_to_base64(x) for x in node]
    return node


def load_requests(path):
    "A whole-file JSON document, or else one request per non-empty line."
    text = open(path, encoding="utf-8").read()
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return [whole]


def main():
    path, out = sys.argv[1:3]
    requests = load_requests(path)
    spans = []
    logs = []
    for line_no, req in enumerate(requests, 1):
        if "resourceSpans" in req:
            json_format.ParseDict(ids_to_base64(req), ExportTraceServiceRequest())
            for rs in req["resourceSpans"]:
                resource = attrs(rs.get("resource", {}).get("attributes"))
                for ss in rs.get("scopeSpans", []):
                    scope = ss.get("scope", {})
                    for span in ss.get("spans", []):
                        spans.append((line_no, resource, scope, span))
        elif "resourceLogs" in req:
            json_format.ParseDict(ids_to_base64(req), ExportLogsServiceRequest())
            for rl in req["resourceLogs"]:
                for sl in rl.get("scopeLogs", []):
                    for rec in sl.get("logRecords", []):
                        logs.append((line_no, sl.get("scope", {}), rec))
        else:
            raise SystemExit(f"line {line_no}: neither resourceSpans nor resourceLogs")

    records = []
    for line_no, resource, scope, span in spans:
        a = attrs(span.get("attributes"))
        gen_ai = {k: v for k, v in a.items() if k.startswith("gen_ai.")}
        other = {k: v for k, v in a.items() if not k.startswith("gen_ai.")}
        output_text = None
        source = None
        if "gen_ai.output.messages" in a:
            msgs = json.loads(a["gen_ai.output.messages"])
            output_text = SEP.join(
                "".join(p.get("content", "") for p in m.get("parts", []) if p.get("type") == "text")
                for m in msgs
            )
            source = "gen_ai.output.messages"
        elif any(k.startswith("gen_ai.completion.") for k in a):
            n = 0
            texts = []
            while f"gen_ai.completion.{n}.content" in a or f"gen_ai.completion.{n}.role" in a:
                texts.append(a.get(f"gen_ai.completion.{n}.content") or "")
                n += 1
            output_text = SEP.join(texts)
            source = "gen_ai.completion.N.content"
        linked = []
        for log_line, log_scope, rec in logs:
            if rec.get("spanId") == span["spanId"] and rec.get("traceId") == span["traceId"]:
                body = any_value(rec.get("body", {})) if rec.get("body") else None
                linked.append(
                    {
                        "line": log_line,
                        "event_name": rec.get("eventName"),
                        "attributes": attrs(rec.get("attributes")),
                        "body": body,
                        "time_unix_nano": rec.get("timeUnixNano"),
                        "observed_time_unix_nano": rec.get("observedTimeUnixNano"),
                    }
                )
        choices = [e for e in linked if e["event_name"] == "gen_ai.choice"]
        if choices and output_text is None:
            choices_sorted = sorted(choices, key=lambda e: (e["body"] or {}).get("index", 0))
            output_text = SEP.join(
                ((e["body"] or {}).get("message") or {}).get("content") or "" for e in choices_sorted
            )
            source = "gen_ai.choice log records"
        records.append(
            {
                "line": line_no,
                "trace_id": span["traceId"],
                "span_id": span["spanId"],
                "parent_span_id": span.get("parentSpanId"),
                "name": span["name"],
                "kind": span.get("kind"),
                "scope": {"name": scope.get("name"), "version": scope.get("version")},
                "start_time_unix_nano": span["startTimeUnixNano"],
                "end_time_unix_nano": span["endTimeUnixNano"],
                "status": span.get("status", {}),
                "is_genai": bool(gen_ai),
                "gen_ai_attributes": gen_ai,
                "other_attributes": other,
                "span_events": [
                    {"name": e["name"], "attributes": attrs(e.get("attributes"))}
                    for e in span.get("events", [])
                ],
                "linked_log_events": linked,
                "output_text": output_text,
                "output_text_source": source,
                "resource": resource,
            }
        )
    info = {
        "reader": "json + OTLP/JSON rules (validated with google.protobuf.json_format.ParseDict)",
        "file": path.rsplit("/", 1)[-1],
        "lines": len(requests),
        "span_count": len(spans),
        "log_record_count": len(logs),
        "records": records,
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
