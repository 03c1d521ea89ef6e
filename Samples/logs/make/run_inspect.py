"""Run inspect_task.py with inspect_ai.eval() and print the log path.

Usage: python run_inspect.py MODEL LOG_DIR LOG_FORMAT EPOCHS [logprobs]

One change to Inspect, and only for offline use: Inspect estimates token
counts with tiktoken's o200k_base encoding, which tiktoken downloads on first
use; this machine reaches no host but PyPI, so the download fails. mockllm uses
that estimate for its default usage (the openai-api provider takes usage from
the server's reply and does not call it). So ModelAPI.count_text_tokens's
module-level helper is replaced by a deterministic stand-in:
max(1, int(ceil(len(text) / 4) * 1.1)), the same shape as Inspect's own
(count * 1.1 buffer). Everything else, including the log writer, is Inspect's.
"""

import math
import os
import sys

import inspect_ai.model._model as _model


def _offline_count_text_tokens(text: str) -> int:
    return max(1, int(math.ceil(len(text) / 4) * 1.1))


if hasattr(_model, "count_text_tokens"):
    _model.count_text_tokens = _offline_count_text_tokens
try:
    import inspect_ai.model._tokens as _tokens

    _tokens.count_text_tokens = _offline_count_text_tokens
except ImportError:
    pass

from inspect_ai import eval as inspect_eval  # noqa: E402


def main() -> None:
    model, log_dir, log_format, epochs = sys.argv[1:5]
    extra = {}
    if len(sys.argv) > 5 and sys.argv[5] == "logprobs":
        extra = {"logprobs": True, "top_logprobs": 2}
    here = os.path.dirname(os.path.abspath(__file__))
    os.chdir(here)  # task files are given relative to the working directory
    logs = inspect_eval(
        "inspect_task.py",
        model=model,
        epochs=int(epochs),
        log_dir=log_dir,
        log_format=log_format,
        display="plain",
        max_tokens=12,
        temperature=0.7,
        seed=42,
        **extra,
    )
    for log in logs:
        if log.status != "success":
            raise SystemExit(f"eval status {log.status}: {log.error}")
        print(log.location)


if __name__ == "__main__":
    main()
