"""Shared helpers for the reference-vector scripts (run at development time, not in CI).

Each gen_*.py writes one JSON file next to it mapping a key (e.g. "normal") to a list of
cases {"params": [...], "x": x, "value": v, "scale": optional}. Values come from scipy;
non-finite values are written as the strings "inf", "-inf", "nan".
"""
import json
import math
import os


def num(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def case(params, x, value, scale=None):
    c = {"params": [num(p) for p in params], "x": num(x), "value": num(value)}
    if scale is not None:
        c["scale"] = num(scale)
    return c


def write(name, tables):
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".json")
    with open(path, "w") as f:
        json.dump(tables, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {path}: " + ", ".join(f"{k} ({len(v)})" for k, v in sorted(tables.items())))
