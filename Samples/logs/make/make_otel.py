"""Make OTLP/JSON files of GenAI spans with a real OpenAI instrumentation.

Usage: python make_otel.py KIND OUT BASE_URL
  KIND: v2-latest | v2-events | openllmetry | document

The openai SDK calls the real server at BASE_URL (an OpenAI-compatible
/v1 endpoint). The spans (and, for v2-events, the log records that carry the
gen_ai.* events) are caught by the SDK's in-memory exporters, encoded by
opentelemetry-exporter-otlp-proto-common into ExportTraceServiceRequest /
ExportLogsServiceRequest protobuf messages, and turned into JSON with
google.protobuf.json_format, then fixed to the OTLP/JSON rules the
OpenTelemetry Collector's file exporter follows:
  * traceId / spanId / parentSpanId are lowercase hex, not base64;
  * field names are lowerCamelCase (json_format's default);
  * enum values are integers (use_integers_for_enums);
  * 64-bit integers are decimal strings (json_format's default).
The Collector's file exporter writes one export request per line; here each
flush (after each call, or after a parent span ends) is one line.
"""

import base64
import json
import os
import sys

from google.protobuf import json_format
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

KIND, OUT, BASE_URL = sys.argv[1:4]

RESOURCE = Resource.create(
    {"service.name": "completion-tui-fixtures", "fixture.kind": KIND}
)

span_exporter = InMemorySpanExporter()
tracer_provider = TracerProvider(resource=RESOURCE)
tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
trace.set_tracer_provider(tracer_provider)

log_exporter = None
logger_provider = None
if KIND == "v2-events":
    from opentelemetry._logs import set_logger_provider
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import (
        InMemoryLogExporter,
        SimpleLogRecordProcessor,
    )

    log_exporter = InMemoryLogExporter()
    logger_provider = LoggerProvider(resource=RESOURCE)
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    set_logger_provider(logger_provider)

if KIND in ("v2-latest", "v2-events", "document"):
    from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor

    kwargs = {"tracer_provider": tracer_provider}
    if logger_provider is not None:
        kwargs["logger_provider"] = logger_provider
    OpenAIInstrumentor().instrument(**kwargs)
elif KIND == "openllmetry":
    from opentelemetry.instrumentation.openai import OpenAIInstrumentor

    OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
else:
    raise SystemExit(f"unknown kind {KIND}")

import openai  # noqa: E402  (after instrumenting, as the docs do)

client = openai.OpenAI(base_url=BASE_URL, api_key="not-needed")
plain_tracer = trace.get_tracer("completion-tui.fixtures", "1.0")

_ID_KEYS = ("traceId", "spanId", "parentSpanId")


def _hex_ids(node):
    "Replace json_format's base64 ids with OTLP/JSON's lowercase hex."
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key in _ID_KEYS and isinstance(value, str):
                node[key] = base64.b64decode(value).hex()
            else:
                _hex_ids(value)
    elif isinstance(node, list):
        for item in node:
            _hex_ids(item)
    return node


def _to_otlp_json(message):
    return _hex_ids(
        json_format.MessageToDict(
            message,
            use_integers_for_enums=True,
            preserving_proto_field_name=False,
        )
    )


lines = []
document_spans = []


def flush():
    "One Collector-style line per flush: spans first, then any log records."
    spans = span_exporter.get_finished_spans()
    span_exporter.clear()
    if spans:
        if KIND == "document":
            document_spans.extend(spans)
        else:
            lines.append(_to_otlp_json(encode_spans(spans)))
    if log_exporter is not None:
        from opentelemetry.exporter.otlp.proto.common._log_encoder import (
            encode_logs,
        )

        records = log_exporter.get_finished_logs()
        log_exporter.clear()
        if records:
            lines.append(_to_otlp_json(encode_logs(records)))


def chat(messages, **kwargs):
    return client.chat.completions.create(model="tiny", messages=messages, **kwargs)


def stream_chat(messages, **kwargs):
    stream = chat(messages, stream=True, **kwargs)
    text = "".join(
        (chunk.choices[0].delta.content or "") for chunk in stream if chunk.choices
    )
    return text


SYSTEM = {"role": "system", "content": "You are terse."}

if KIND == "document":
    with plain_tracer.start_as_current_span("fixture.document") as span:
        span.set_attribute("fixture.calls", 3)
        chat([SYSTEM, {"role": "user", "content": "The sky is"}], max_tokens=8,
             temperature=0.7, seed=42)
        chat([{"role": "user", "content": "Say «héllo» 👋\nthen stop."}],
             max_tokens=8)
        stream_chat([{"role": "user", "content": "Count: one, two,"}], max_tokens=6)
    flush()
else:
    # 1. plain non-streaming call with a system prompt and options
    chat([SYSTEM, {"role": "user", "content": "The sky is"}], max_tokens=12,
         temperature=0.7, top_p=0.9, seed=42)
    flush()
    # 2. streaming call
    stream_chat([{"role": "user", "content": "Count: one, two,"}], max_tokens=10)
    flush()
    # 3. n=2 (this server ignores n and returns one choice)
    chat([{"role": "user", "content": "Say «héllo» 👋\nthen stop."}], max_tokens=8, n=2)
    flush()
    # 4. a non-GenAI parent span with one GenAI call inside it, same line
    with plain_tracer.start_as_current_span("fixture.session") as span:
        span.set_attribute("fixture.step", "multi-turn")
        chat(
            [
                SYSTEM,
                {"role": "user", "content": "The sky is"},
                {"role": "assistant", "content": "blue."},
                {"role": "user", "content": "And the sea?"},
            ],
            max_tokens=8,
            stop=["\n"],
        )
    flush()

tracer_provider.shutdown()
if logger_provider is not None:
    logger_provider.shutdown()

with open(OUT, "w", encoding="utf-8") as f:
    if KIND == "document":
        request = _to_otlp_json(encode_spans(document_spans))
        json.dump(request, f, indent=2, ensure_ascii=False)
        f.write("\n")
    else:
        for line in lines:
            f.write(json.dumps(line, separators=(",", ":"), ensure_ascii=False))
            f.write("\n")
print(OUT, os.path.getsize(OUT))
