#!/usr/bin/env python3
"""Write the costs genai-prices' own calc_price gives for every sample response, for CostTests.

    /tmp/gp/bin/python Sources/CompletionCore/Cost/tools/make-expected-costs.py > Tests/CompletionCoreTests/Costs/expected-costs.json

Reads the single-response (.json) and JSON Lines (.jsonl) samples in Samples/, and the `request --log` lines
of Tests/CompletionCoreTests/Costs/base-url-log.jsonl (sent to providers' base URLs), with Python's json module,
picks the provider by completion-tui's documented rule (restated here on purpose, so that a change on either
side shows), and calls genai_prices.calc_price with the record's created time. A model genai-prices does not
know is written as null: completion-tui must show "no price", never 0.
"""
import datetime
import json
import re
import pathlib
import sys
import warnings
from decimal import Decimal

from genai_prices import Usage, calc_price
from genai_prices.data_snapshot import find_provider_by_id, get_snapshot

warnings.simplefilter("ignore")
ROOT = pathlib.Path(__file__).resolve().parents[4]


def count(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) and value >= 0 and float(value).is_integer():
        return int(value)
    return None


def created(value):
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(datetime.UTC)
        except ValueError:
            try:
                value = float(value)
            except ValueError:
                return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return None


def provider_and_model(record):
    """completion-tui's rule: a marker in the response names the provider; else the base URL a `request --log`
    line was sent to, when a provider's API pattern matches it (returned as the URL, for provider_api_url);
    else a known provider as the model id's prefix (`openai/gpt-4o`); else the first provider whose model
    pattern matches."""
    model = record.get("model")
    if not isinstance(model, str) or not model:
        return None, None
    choices = record.get("choices") if isinstance(record.get("choices"), list) else []
    if "x_groq" in record:
        return "groq", model
    if "prompt_filter_results" in record or any(isinstance(c, dict) and "content_filter_results" in c for c in choices):
        return "azure", model
    if isinstance(record.get("provider"), str) or isinstance((record.get("usage") or {}).get("cost"), (int, float)):
        return "openrouter", model
    base_url = (record.get("request") or {}).get("base_url") if isinstance(record.get("request"), dict) else None
    if isinstance(base_url, str) and any(re.match(p.api_pattern, base_url) for p in get_snapshot().providers):
        return {"url": base_url}, model
    if "/" in model:
        prefix, rest = model.split("/", 1)
        if find_provider_by_id(get_snapshot().providers, prefix):
            return find_provider_by_id(get_snapshot().providers, prefix).id, rest
    return None, model


def details(usage, *names):
    for name in names:
        if isinstance(usage.get(name), dict):
            return usage[name]
    return {}


def expected(record):
    usage = record.get("usage")
    if not isinstance(usage, dict):
        return None
    provider, model = provider_and_model(record)
    prompt, completion = count(usage.get("prompt_tokens")), count(usage.get("completion_tokens"))
    when = created(record.get("created"))
    if model is None or prompt is None or completion is None or when is None:
        return None
    pd = details(usage, "prompt_tokens_details")
    cached = count(pd.get("cached_tokens")) or count(usage.get("prompt_cache_hit_tokens")) or 0
    written = count(pd.get("cache_write_tokens")) or count(pd.get("cache_creation_tokens")) or 0
    reasoning = count(details(usage, "completion_tokens_details").get("reasoning_tokens")) or 0
    try:
        by_url = isinstance(provider, dict)
        calc = calc_price(
            Usage(input_tokens=prompt, cache_read_tokens=cached or None, cache_write_tokens=written or None,
                  output_tokens=completion, output_reasoning_tokens=reasoning or None),
            model, provider_id=None if by_url else provider, provider_api_url=provider["url"] if by_url else None,
            genai_request_timestamp=when,
        )
    except (LookupError, ValueError) as e:
        return {"provider": provider.get("url") if isinstance(provider, dict) else provider, "model": model,
                "table": None, "why": str(e)}
    return {
        "provider": calc.provider.id,
        "model": calc.model.id,
        "table": str(calc.total_price.quantize(Decimal("0.000000001"))),
        "input": str(calc.input_price.quantize(Decimal("0.000000001"))),
        "output": str(calc.output_price.quantize(Decimal("0.000000001"))),
    }


def main():
    out = []
    paths = sorted((ROOT / "Samples").iterdir()) + [ROOT / "Tests/CompletionCoreTests/Costs/base-url-log.jsonl"]
    for path in paths:
        if path.suffix == ".json":
            try:
                doc = json.loads(path.read_text())
            except ValueError:
                continue
            records = doc if isinstance(doc, list) else [doc]
        elif path.suffix == ".jsonl":
            # Lines of one streamed response (the same id on consecutive lines) are one record, as
            # completion-tui reads them: it starts at its first line and its usage is the last one sent.
            records, previous = [], None
            for line in path.read_text().splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    record = None
                if isinstance(record, dict) and isinstance(previous, dict) and record.get("id") and record.get("id") == previous.get("id"):
                    if record.get("usage"):
                        previous["usage"] = record["usage"]
                    records.append(None)
                    continue
                records.append(record)
                previous = record
        elif path.suffix == ".sse":
            # Chat and text completion streams: one record per run of `data:` chunks with one id, starting
            # at its first chunk's line, its usage the last one sent (the other shapes' events are left out).
            records, previous = [], None
            for number, line in enumerate(path.read_text().splitlines(), 1):
                records.append(None)
                if not line.startswith("data:"):
                    continue
                try:
                    chunk = json.loads(line[5:].strip())
                except ValueError:
                    continue
                if isinstance(chunk, dict) and isinstance(chunk.get("data"), dict):
                    chunk = chunk["data"]  # an envelope around the chunk
                if not isinstance(chunk, dict) or "choices" not in chunk:
                    continue
                groq_usage = (chunk.get("x_groq") or {}).get("usage") if isinstance(chunk.get("x_groq"), dict) else None
                if isinstance(previous, dict) and chunk.get("id") == previous.get("id"):
                    if chunk.get("usage") or groq_usage:
                        previous["usage"] = chunk.get("usage") or groq_usage
                    if "x_groq" in chunk:
                        previous["x_groq"] = chunk["x_groq"]
                    continue
                records[number - 1] = previous = dict(chunk)
                if groq_usage and not chunk.get("usage"):
                    previous["usage"] = groq_usage
        else:
            continue
        for i, record in enumerate(records):
            if not isinstance(record, dict) or "choices" not in record:
                continue
            e = expected(record)
            if e is None:
                continue
            # `line` for a JSON Lines record (where it starts), `record` (0-based) in a .json file.
            name = path.name if path.parent.name == "Samples" else str(path.relative_to(ROOT))
            by_line = path.suffix in (".jsonl", ".sse")
            e = {"file": name, ("line" if by_line else "record"): i + by_line, **e}
            cost = (record.get("usage") or {}).get("cost")
            if isinstance(cost, (int, float)) and not isinstance(cost, bool):
                e["reported"] = cost
            out.append(e)
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
