"""Reference log densities of the first group of continuous distributions, from scipy.stats.

Run: python3 ppl-core/tests/reference/gen_continuous_a.py  (needs scipy)
"""
from scipy import stats

from refgen import case, write

tables = {}

tables["normal"] = [
    case([mu, sigma], y, stats.norm.logpdf(y, mu, sigma))
    for (mu, sigma, y) in [
        (0.0, 1.0, 0.0), (0.0, 1.0, 1.0), (1.5, 2.0, -3.0), (0.0, 1e-8, 1e-8),
        (0.0, 1e-8, 0.0), (-3.0, 1e6, 2e6), (0.0, 1.0, 30.0), (0.0, 1.0, -38.0),
        (100.0, 0.1, 100.05), (0.0, 1e300, 1.0),
    ]
]

write("continuous_a", tables)
