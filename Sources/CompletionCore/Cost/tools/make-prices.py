#!/usr/bin/env python3
"""Re-make completion-tui's price table (prices.json) from the installed genai-prices package.

    python3 -m venv /tmp/gp && /tmp/gp/bin/pip install genai-prices==0.2.3
    /tmp/gp/bin/python Sources/CompletionCore/Cost/tools/make-prices.py > Sources/CompletionCore/Cost/Resources/prices.json

The structure of genai-prices' data is kept: providers (id, name, api_pattern, model_match, provider_match,
fallback_model_providers), models (id, name, match), and prices, either one price set or a list of
{constraint, prices} (a start_date, or a daily start_time/end_time window), each price per million tokens as
a decimal string or {base, tiers: [{start, price}]}. Match clauses are written as in genai-prices'
own JSON: {"equals"}, {"starts_with"}, {"ends_with"}, {"contains"}, {"regex"}, {"or": [...]}, {"and": [...]}.
Extractors and request-context price variants (service tiers, batch) are left out: completion-tui reads
usage itself and prices the standard tier.
"""
import datetime
import decimal
import json
import sys
from importlib import metadata

from genai_prices import data, types


def clause(c):
    if c is None:
        return None
    if isinstance(c, types.ClauseOr):
        return {"or": [clause(x) for x in c.or_]}
    if isinstance(c, types.ClauseAnd):
        return {"and": [clause(x) for x in c.and_]}
    for name in ("equals", "starts_with", "ends_with", "contains", "regex"):
        if hasattr(c, name):
            return {name: getattr(c, name)}
    raise ValueError(f"unknown clause {c!r}")


def price(value):
    if isinstance(value, types.TieredPrices):
        return {"base": str(value.base), "tiers": [{"start": t.start, "price": str(t.price)} for t in value.tiers]}
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise ValueError(f"unknown price {value!r}")


def price_set(p):
    return {k: price(v) for k, v in p.__dict__.items() if not k.startswith("_") and v is not None}


def constraint(c):
    if c is None:
        return None
    if isinstance(c, types.StartDateConstraint):
        return {"start_date": c.start_date.isoformat()}
    if isinstance(c, types.TimeOfDateConstraint):
        return {"start_time": c.start_time.isoformat(), "end_time": c.end_time.isoformat()}
    raise ValueError(f"unknown constraint {c!r}")


def prices(p):
    if isinstance(p, types.ModelPrice):
        return price_set(p)
    return [{"constraint": constraint(c.constraint), "prices": price_set(c.prices)} for c in p]


def model(m):
    return {"id": m.id, "name": m.name, "match": clause(m.match), "prices": prices(m.prices)}


def provider(p):
    return {
        "id": p.id,
        "name": p.name,
        "api_pattern": p.api_pattern,
        "model_match": clause(p.model_match),
        "provider_match": clause(p.provider_match),
        "fallback_model_providers": p.fallback_model_providers,
        "models": [model(m) for m in p.models],
    }


def main():
    dist = metadata.distribution("genai-prices")
    licence = next((f for f in dist.files or [] if f.name.upper().startswith("LICENSE")), None)
    table = {
        "source": "genai-prices (https://github.com/pydantic/genai-prices)",
        "version": dist.version,
        # The day the snapshot was taken: prices the package knew up to then, including announced changes.
        "date": datetime.date.today().isoformat(),
        "currency": "USD",
        "unit": "per million tokens",
        "license": "MIT",
        "license_notice": licence.read_text() if licence else "MIT License, Copyright (c) Pydantic Services Inc.",
        "providers": [provider(p) for p in data.providers],
    }
    json.dump(table, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
