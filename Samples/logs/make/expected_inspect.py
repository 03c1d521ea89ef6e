"""Write expected/<fixture>.json for an Inspect log, read with Inspect's reader.

Usage: python expected_inspect.py LOG_FILE OUT_JSON

Everything comes from inspect_ai.log.read_eval_log (and list_eval_log-free
zipfile metadata for the entry list); nothing is re-parsed by hand except the
ZIP central directory (entry names and compression methods), which has no
Inspect reader.
"""

import json
import sys
import zipfile

import inspect_ai
from inspect_ai.log import read_eval_log


def usage_dict(usage):
    if usage is None:
        return None
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
        "input_tokens_cache_read": usage.input_tokens_cache_read,
        "input_tokens_cache_write": usage.input_tokens_cache_write,
        "reasoning_tokens": usage.reasoning_tokens,
    }


def main():
    path, out = sys.argv[1:3]
    log = read_eval_log(path)
    info = {
        "reader": f"inspect_ai.log.read_eval_log (inspect_ai {inspect_ai.__version__})",
        "file": path.rsplit("/", 1)[-1],
        "format": "eval" if path.endswith(".eval") else "json",
        "version": log.version,
        "status": log.status,
        "task": log.eval.task,
        "model": log.eval.model,
        "created": log.eval.created,
        "epochs": log.eval.config.epochs,
        "sample_count": len(log.samples or []),
        "model_usage": {k: usage_dict(v) for k, v in (log.stats.model_usage or {}).items()},
        "results_scores": [
            {
                "name": s.name,
                "scorer": s.scorer,
                "metrics": {m: v.value for m, v in s.metrics.items()},
            }
            for s in (log.results.scores if log.results else [])
        ],
    }
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            info["zip_entries"] = [
                {
                    "name": i.filename,
                    "compress_type": i.compress_type,
                    "compress_size": i.compress_size,
                    "file_size": i.file_size,
                }
                for i in zf.infolist()
            ]
    records = []
    for sample in log.samples or []:
        output = sample.output
        choice = output.choices[0] if output.choices else None
        model_events = [e for e in sample.events if e.event == "model"]
        calls = []
        for event in model_events:
            call = event.call
            response = call.response if call is not None else None
            calls.append(
                {
                    "model": event.model,
                    "completion": event.output.completion,
                    "call_response_id": (response or {}).get("id"),
                    "call_response_created": (response or {}).get("created"),
                    "call_response_system_fingerprint": (response or {}).get(
                        "system_fingerprint"
                    ),
                    "call_response_object": (response or {}).get("object"),
                    "call_response_keys": sorted(response.keys()) if response else None,
                    "call_time": call.time if call is not None else None,
                }
            )
        logprobs = None
        if choice is not None and choice.logprobs is not None:
            logprobs = [
                {
                    "token": lp.token,
                    "logprob": lp.logprob,
                    "top_logprobs": [
                        {"token": t.token, "logprob": t.logprob}
                        for t in (lp.top_logprobs or [])
                    ],
                }
                for lp in choice.logprobs.content
            ]
        records.append(
            {
                "sample_id": sample.id,
                "epoch": sample.epoch,
                "zip_entry": f"samples/{sample.id}_epoch_{sample.epoch}.json",
                "input": sample.input,
                "target": sample.target,
                "model": output.model,
                "output_text": output.completion,
                "stop_reason": choice.stop_reason if choice else None,
                "usage": usage_dict(output.usage),
                "scores": {
                    name: {"value": score.value, "answer": score.answer}
                    for name, score in (sample.scores or {}).items()
                },
                "model_usage": {k: usage_dict(v) for k, v in sample.model_usage.items()},
                "total_time": sample.total_time,
                "working_time": sample.working_time,
                "logprobs": logprobs,
                "model_events": calls,
            }
        )
    info["records"] = records
    with open(out, "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2, ensure_ascii=False, default=str)
        f.write("\n")


if __name__ == "__main__":
    main()
