//! Gamma-family special functions: lgamma, digamma, trigamma, lbeta, lchoose.
//!
//! # Formulas (derivatives in terms of the arguments)
//!
//! ```text
//! lgamma(x)    = ln|Γ(x)|                       d/dx = ψ(x)
//! digamma(x)   = ψ(x) = Γ'(x)/Γ(x)              d/dx = ψ₁(x)
//! trigamma(x)  = ψ₁(x) = Σₖ 1/(x+k)²            d/dx = ψ₂(x)
//! tetragamma(x)= ψ₂(x) = -2 Σₖ 1/(x+k)³         d/dx = ψ₃(x)
//! lbeta(a, b)  = ln Γ(a) + ln Γ(b) - ln Γ(a+b)  ∂a = ψ(a) - ψ(a+b),   ∂b = ψ(b) - ψ(a+b)
//! lchoose(n, k)= ln Γ(n+1) - ln Γ(k+1) - ln Γ(n-k+1) = -ln(n+1) - lbeta(n-k+1, k+1)
//!                                               ∂n = ψ(n+1) - ψ(n-k+1), ∂k = ψ(n-k+1) - ψ(k+1)
//! ```
//!
//! # Method and accuracy
//!
//! * On `[1, 2]`, `ln Γ(x) = (x-1)(x-2)·R(x)` and `ψ(x) = (x-x₀)·Q(x)` (`x₀ ≈ 1.4616` the
//!   positive root of ψ, split into two doubles), `R` and `Q` Chebyshev interpolants
//!   computed with mpmath (`tests/reference/gen_special.py --coefficients`). The factored
//!   roots make both functions *relatively* accurate next to their roots `1`, `2`, `x₀`.
//! * `(0, 1)`: one step of the recurrences `ln Γ(x) = ln Γ(x+1) - ln x`, `ψ(x) = ψ(x+1) - 1/x`;
//!   `[2, 10)`: recurrence down to `[1, 2)`, whose shifts `x - k` are exact.
//! * `x ≥ 10`: Stirling's series `ln Γ(x) = (x-½)(ln x - 1) + ½ln 2π - ½ + Σ B₂ₖ/(2k(2k-1)x²ᵏ⁻¹)`
//!   and `ψ(x) = ln x - 1/(2x) - Σ B₂ₖ/(2k x²ᵏ)` (8 terms, truncation below `1e-17` relative).
//! * `x < 0`: reflection, `ln|Γ(x)| = ln π - ln|sin πx| - ln Γ(1-x)`, `ψ(x) = ψ(1-x) - π cot πx`,
//!   `ψ⁽ⁿ⁾(x) = (-1)ⁿ ψ⁽ⁿ⁾(1-x) - πⁿ⁺¹ Pₙ(cot πx)` with `P₀(c) = c`, `Pₙ₊₁ = -(1+c²)Pₙ'`,
//!   `sin πx` and `cot πx` evaluated after exact reduction `x - round(x)`.
//! * Polygamma `ψ⁽ⁿ⁾` (`n ≥ 1`): recurrence `ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x+1) + (-1)ⁿ⁺¹ n!/xⁿ⁺¹` up to `x ≥ 20`, then
//!   `(-1)ⁿ⁺¹ [(n-1)!/xⁿ + n!/(2xⁿ⁺¹) + Σₖ B₂ₖ (2k+n-1)!/((2k)! x²ᵏ⁺ⁿ)]` (10 terms).
//! * `lbeta` for large arguments avoids the cancellation of three large `ln Γ` terms by
//!   Stirling differences: with `x = min(a,b)`, `y = max(a,b)` and `δ(x) = ln Γ(x) - Stirling(x)`,
//!   ```text
//!   y ≥ 10 > x:  ln Γ(x) + δ(y) - δ(x+y) + x - x ln(x+y) - (y-½) ln1p(x/y)
//!   x ≥ 10:      ½ln 2π - ½ln y + (x-½) ln(x/(x+y)) + y ln1p(-x/(x+y)) + δ(x) + δ(y) - δ(x+y)
//!   ```
//! * The partials of `lbeta` and `lchoose` are differences `ψ(x) - ψ(x+d)` (and their
//!   derivatives `ψ₁(x) - ψ₁(x+d)`), which cancel when `d ≪ x`; they are evaluated by shifting
//!   `x` up with the recurrence (same-sign terms `-d/(t(t+d))`, resp. `d(2t+d)/(t²(t+d)²)`)
//!   and differencing the asymptotic series term by term, `t⁻ⁿ - (t+d)⁻ⁿ` formed as
//!   `(t⁻¹ - (t+d)⁻¹)·Σⱼ t⁻ʲ(t+d)⁻⁽ⁿ⁻¹⁻ʲ⁾`, so they are accurate relative to `d` (the rule types
//!   [`DigammaDiff`], [`TrigammaDiff`]).
//!
//! Measured against mpmath (50 digits) at ~2400 points of `(1e-8, 1e8)` (log-uniform, plus
//! points within `1e-15 … 1e-3` of the roots 1, 2 and x₀): `lgamma` and `digamma` are within
//! `6e-16` *relative* error everywhere there, including next to the roots — no switch to
//! absolute error is needed there (the test `lgamma_and_digamma_are_accurate_to_1e_14`
//! asserts the issue's `1e-14`). `trigamma` is within `1e-15` relative. On the negative axis
//! the reflection formulas are accurate to `~1e-16` *absolute* relative to the size of their
//! terms (`ln π/|sin πx|`, `π cot πx`): relative accuracy degrades next to the negative roots
//! of `ln|Γ|` and `ψ` (measured `1.5e-14` and `3e-13` relative at points within `1e-3` of
//! them). `lbeta` is within `5e-15` relative on the reference table (arguments up to `1e300`);
//! `lchoose` has absolute error `≲ 1e-15·max(1, ln Γ(n+1))` — relative unless `k` or `n - k`
//! is far below 1, where `lchoose ≈ k·(ψ(n+1) - ψ(1))` is much smaller than its terms.
//!
//! # Edge cases
//!
//! `lgamma` is `+∞` at the poles `0, -1, -2, ...` and at `±∞`; `digamma`/`trigamma` are NaN at
//! the poles (`trigamma` is `+∞` there: a double pole of constant sign), `digamma(+∞) = +∞`,
//! `trigamma(+∞) = 0`. `lbeta(a, b)` needs `a, b ≥ 0` (`+∞` if either is 0, NaN if negative);
//! `lchoose(n, k)` needs `0 ≤ k ≤ n` (NaN otherwise). NaN propagates.
//!
//! # Examples
//!
//! ```
//! use ppl_core::ad::Dual;
//! use ppl_core::math::{digamma, lbeta, lchoose, lgamma, trigamma};
//! assert!((lgamma(5.0f64) - 24f64.ln()).abs() < 1e-14);
//! assert!((digamma(1.0f64) + 0.5772156649015329).abs() < 1e-15);
//! assert!((trigamma(1.0f64) - std::f64::consts::PI.powi(2) / 6.0).abs() < 1e-15);
//! assert!((lbeta(2.0f64, 3.0) - (1.0f64 / 12.0).ln()).abs() < 1e-14);
//! assert!((lchoose(5.0f64, 2.0) - 10f64.ln()).abs() < 1e-14);
//! // the derivative of ln Γ is ψ:
//! let y = lgamma(Dual::new(3.0, 1.0));
//! assert!((y.d - (1.5 - 0.5772156649015329)).abs() < 1e-15);
//! ```

use crate::ad::rules::BinaryRule;
use crate::ad::Scalar;
use crate::{binary_primitive, unary_primitive};
use std::f64::consts::PI;

/// `½ ln(2π)`.
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;
/// Where the asymptotic series of `ln Γ` and `ψ` take over.
const STIRLING_FROM: f64 = 10.0;
/// Where the asymptotic series of `ψ⁽ⁿ⁾`, `n ≥ 1`, takes over.
const POLYGAMMA_FROM: f64 = 20.0;

/// The positive root of ψ, `x₀ = 1.461632144968362341262659542325721328468…`, as a sum of
/// two doubles.
const DIGAMMA_ROOT_HI: f64 = 1.4616321449683622;
const DIGAMMA_ROOT_LO: f64 = 9.549995429965697e-17;
/// Chebyshev coefficients of ln Γ(x) / ((x - 1)(x - 2)) on [1, 2] (generated by gen_special.py --coefficients).
const LGAMMA_1_2: [f64; 23] = [
    0.49141539302938714,
    -0.07611416167043585,
    0.008432324965932778,
    -0.001079493726328608,
    0.00014900748003692963,
    -2.1512399888556784e-05,
    3.1979329860862186e-06,
    -4.851693012139927e-07,
    7.47148782116316e-08,
    -1.1638296700170518e-08,
    1.829400437118668e-09,
    -2.8969180607129607e-10,
    4.61570140620909e-11,
    -7.392810230497983e-12,
    1.1894280008333085e-12,
    -1.9212068676522805e-13,
    3.113975526387164e-14,
    -5.0628432984486114e-15,
    8.254150281631144e-16,
    -1.3490578987574844e-16,
    2.209876116782623e-17,
    -3.6274129549239766e-18,
    5.965430068821522e-19,
];
/// Chebyshev coefficients of ψ(x) / (x - x₀) on [1, 2], x₀ the positive root of ψ (generated by gen_special.py --coefficients).
const DIGAMMA_1_2: [f64; 24] = [
    0.983570260441567,
    -0.2270640863346444,
    0.03336889902393011,
    -0.005320077271596548,
    0.0008788656937820505,
    -0.00014773492650606044,
    2.5060543468359146e-05,
    -4.2721034029993324e-06,
    7.302769272465923e-07,
    -1.2502886813559594e-07,
    2.1425009322359472e-08,
    -3.673295918565179e-09,
    6.299717236108931e-10,
    -1.080593028883266e-10,
    1.853735192053638e-11,
    -3.18023536582553e-12,
    5.456147570322795e-13,
    -9.360993131036438e-14,
    1.606064636295075e-14,
    -2.7555431377438815e-15,
    4.727736178601912e-16,
    -8.11148420346509e-17,
    1.391707769474154e-17,
    -2.3877901082188625e-18,
];

use super::kernels::madd;

/// Sum of a Chebyshev series `Σ c_k T_k(s)` at `s ∈ [-1, 1]` (Clenshaw's recurrence).
#[inline]
pub(crate) fn chebyshev(c: &[f64], s: f64) -> f64 {
    let (mut b1, mut b2) = (0.0, 0.0);
    let s2 = 2.0 * s;
    for &ck in c.iter().skip(1).rev() {
        let b0 = madd(s2, b1, ck - b2);
        b2 = b1;
        b1 = b0;
    }
    madd(s, b1, c.first().copied().unwrap_or(0.0) - b2)
}

/// `x - round(x)`, exact, in `[-½, ½]`.
fn reduce_half(x: f64) -> f64 {
    x - x.round()
}

/// `|sin πx|` accurate near the integers (relative to `π·dist(x, ℤ)`).
fn abs_sin_pi(x: f64) -> f64 {
    (PI * reduce_half(x)).sin().abs()
}

/// `cot πx`, accurate near the integers.
fn cot_pi(x: f64) -> f64 {
    let t = PI * reduce_half(x);
    t.cos() / t.sin()
}

/// `ln Γ(x) - [(x-½)(ln x - 1) + ½ ln 2π - ½]` for `x ≥ 10`: Stirling's correction.
fn stirling_delta(x: f64) -> f64 {
    // B₂ₖ / (2k(2k-1)), k = 1..8
    const C: [f64; 8] = [
        1.0 / 12.0,
        -1.0 / 360.0,
        1.0 / 1260.0,
        -1.0 / 1680.0,
        1.0 / 1188.0,
        -691.0 / 360_360.0,
        1.0 / 156.0,
        -3617.0 / 122_400.0,
    ];
    let w = 1.0 / (x * x);
    let mut s = 0.0;
    for &c in C.iter().rev() {
        s = s * w + c;
    }
    s / x
}

/// `ln|Γ(x)|` on plain values.
pub(crate) fn ln_gamma_value(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    if x <= 0.0 {
        if x == x.floor() {
            return f64::INFINITY;
        }
        // reflection: ln|Γ(x)| = ln π - ln|sin πx| - ln Γ(1-x)
        return PI.ln() - abs_sin_pi(x).ln() - ln_gamma_value(1.0 - x);
    }
    if x < 1.0 {
        // ln Γ(x) = ln Γ(1+x) - ln x, ln Γ(1+x) = x(x-1) R(1+x)
        let s = 2.0 * x - 1.0; // (1+x) mapped from [1, 2] to [-1, 1]
        return x * (x - 1.0) * chebyshev(&LGAMMA_1_2, s) - x.ln();
    }
    if x <= 2.0 {
        return (x - 1.0) * (x - 2.0) * chebyshev(&LGAMMA_1_2, 2.0 * x - 3.0);
    }
    if x < STIRLING_FROM {
        // ln Γ(x) = ln Γ(y) + ln[(x-1)(x-2)…(x-n)], y = x - n ∈ [1, 2)
        let n = x.floor() - 1.0;
        let y = x - n;
        let mut prod = 1.0;
        let mut k = 1.0;
        while k <= n {
            prod *= x - k;
            k += 1.0;
        }
        return (y - 1.0) * (y - 2.0) * chebyshev(&LGAMMA_1_2, 2.0 * y - 3.0) + prod.ln();
    }
    (x - 0.5) * (x.ln() - 1.0) + (HALF_LN_2PI - 0.5) + stirling_delta(x)
}

/// `ψ(x)` on plain values.
pub(crate) fn digamma_value(x: f64) -> f64 {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return x;
    }
    if x <= 0.0 {
        if x == x.floor() {
            return f64::NAN;
        }
        // reflection: ψ(x) = ψ(1-x) - π cot πx
        return digamma_value(1.0 - x) - PI * cot_pi(x);
    }
    if x < 1.0 {
        // ψ(x) = ψ(1+x) - 1/x with (1+x) - x₀ = x - (x₀ - 1) formed without rounding 1+x
        let t = (x - (DIGAMMA_ROOT_HI - 1.0)) - DIGAMMA_ROOT_LO;
        return t * chebyshev(&DIGAMMA_1_2, 2.0 * x - 1.0) - 1.0 / x;
    }
    if x <= 2.0 {
        let t = (x - DIGAMMA_ROOT_HI) - DIGAMMA_ROOT_LO;
        return t * chebyshev(&DIGAMMA_1_2, 2.0 * x - 3.0);
    }
    if x < STIRLING_FROM {
        // ψ(x) = ψ(y) + Σₖ 1/(x-k), y = x - n ∈ [1, 2)
        let n = x.floor() - 1.0;
        let y = x - n;
        let mut sum = 0.0;
        let mut k = n;
        while k >= 1.0 {
            sum += 1.0 / (x - k);
            k -= 1.0;
        }
        let t = (y - DIGAMMA_ROOT_HI) - DIGAMMA_ROOT_LO;
        return t * chebyshev(&DIGAMMA_1_2, 2.0 * y - 3.0) + sum;
    }
    let w = 1.0 / (x * x);
    let mut s = 0.0;
    for &c in DIGAMMA_ASYMPTOTIC.iter().rev() {
        s = s * w + c;
    }
    x.ln() - 0.5 / x - s * w
}

/// `B₂ₖ/(2k)`, `k = 1..8`: `ψ(x) ~ ln x - 1/(2x) - Σₖ B₂ₖ/(2k x²ᵏ)`.
const DIGAMMA_ASYMPTOTIC: [f64; 8] = [
    1.0 / 12.0,
    -1.0 / 120.0,
    1.0 / 252.0,
    -1.0 / 240.0,
    1.0 / 132.0,
    -691.0 / 32_760.0,
    1.0 / 12.0,
    -3617.0 / 8160.0,
];

/// Bernoulli numbers `B₂, B₄, …, B₂₀`.
const BERNOULLI_EVEN: [f64; 10] = [
    1.0 / 6.0,
    -1.0 / 30.0,
    1.0 / 42.0,
    -1.0 / 30.0,
    5.0 / 66.0,
    -691.0 / 2730.0,
    7.0 / 6.0,
    -3617.0 / 510.0,
    43867.0 / 798.0,
    -174_611.0 / 330.0,
];

/// `ψ⁽ⁿ⁾(x)` for `1 ≤ n ≤ 8` on plain values (NaN for other `n`).
pub(crate) fn polygamma_value(n: u32, x: f64) -> f64 {
    if !(1..=8).contains(&n) || x.is_nan() || x == f64::NEG_INFINITY {
        return f64::NAN;
    }
    let odd = n % 2 == 1; // sign (-1)ⁿ⁺¹ is + for odd n
    let sign = if odd { 1.0 } else { -1.0 };
    if x == f64::INFINITY {
        return 0.0;
    }
    if x <= 0.0 {
        if x == x.floor() {
            return if odd { f64::INFINITY } else { f64::NAN };
        }
        // ψ⁽ⁿ⁾(x) = (-1)ⁿ ψ⁽ⁿ⁾(1-x) - πⁿ⁺¹ Pₙ(cot πx)
        let c = cot_pi(x);
        // P as coefficients of c^j, degree n+1
        let mut p = [0.0f64; 10];
        p[1] = 1.0;
        for deg in 1..=n as usize {
            // Pₙ₊₁ = -(1 + c²) Pₙ'
            let mut d = [0.0f64; 10];
            for j in 1..=deg {
                d[j - 1] = j as f64 * p[j];
            }
            let mut next = [0.0f64; 10];
            for j in 0..deg {
                next[j] -= d[j];
                next[j + 2] -= d[j];
            }
            p = next;
        }
        let mut pv = 0.0;
        for &pj in p.iter().rev() {
            pv = pv * c + pj;
        }
        let refl = if odd { -1.0 } else { 1.0 } * polygamma_value(n, 1.0 - x);
        return refl - PI.powi(n as i32 + 1) * pv;
    }
    let nf = n as f64;
    let mut fact_n = 1.0; // n!
    for k in 2..=n {
        fact_n *= k as f64;
    }
    // recurrence: sum of n!/(x+k)ⁿ⁺¹ until x + k ≥ POLYGAMMA_FROM
    let mut acc = 0.0;
    let mut k = 0.0;
    let mut z = x;
    while z < POLYGAMMA_FROM {
        acc += fact_n / z.powi(n as i32 + 1);
        k += 1.0;
        z = x + k;
    }
    // asymptotic series at z, smallest terms first
    let w = 1.0 / (z * z);
    let zn = z.powi(n as i32);
    let mut ratio = fact_n * (nf + 1.0) / 2.0; // (2k+n-1)!/(2k)! at k = 1
    let mut terms = [0.0f64; 10];
    let mut wk = w;
    for (i, b) in BERNOULLI_EVEN.iter().enumerate() {
        terms[i] = b * ratio * wk;
        let k2 = 2.0 * (i as f64 + 1.0);
        ratio *= (k2 + nf) * (k2 + nf + 1.0) / ((k2 + 1.0) * (k2 + 2.0));
        wk *= w;
    }
    let mut tail = 0.0;
    for t in terms.iter().rev() {
        tail += t;
    }
    let head = (fact_n / nf) + fact_n / (2.0 * z);
    sign * (acc + (head + tail) / zn)
}

/// `S::cst(ψ⁽ⁿ⁾(x)) + (x - x.value())·ψ⁽ⁿ⁺¹⁾(x)`: the value `ψ⁽ⁿ⁾(x)` with an exact
/// first-order tangent (every [`Scalar`] carries at most one order of derivative).
fn polygamma_first_order<S: Scalar>(n: u32, x: S) -> S {
    let v = x.value();
    S::cst(polygamma_value(n, v)) + (x - v) * polygamma_value(n + 1, v)
}

crate::unary_rule!(Lgamma, lgamma, ln_gamma_value, |x, y| digamma(x));
crate::unary_rule!(Digamma, digamma, digamma_value, |x, y| trigamma(x));
crate::unary_rule!(Trigamma, trigamma, trigamma_value, |x, y| tetragamma(x));
crate::unary_rule!(Tetragamma, tetragamma, tetragamma_value, |x, y| {
    polygamma_first_order(3, x)
});

fn trigamma_value(x: f64) -> f64 {
    polygamma_value(1, x)
}
fn tetragamma_value(x: f64) -> f64 {
    polygamma_value(2, x)
}

unary_primitive!(
    /// `ln|Γ(x)|`; derivative `ψ(x)`. `+∞` at the poles `x ∈ {0, -1, -2, …}` and at `±∞`.
    /// See the [module docs](self) for the method and accuracy.
    lgamma, lgamma_vjp, Lgamma
);
unary_primitive!(
    /// The digamma function `ψ(x) = d/dx ln Γ(x)`; derivative `ψ₁(x)` ([`trigamma`]).
    /// NaN at the poles `x ∈ {0, -1, -2, …}`.
    digamma, digamma_vjp, Digamma
);
unary_primitive!(
    /// The trigamma function `ψ₁(x) = Σₖ≥₀ 1/(x+k)²`; derivative `ψ₂(x)` ([`tetragamma`]).
    /// `+∞` at the poles, `0` at `+∞`.
    trigamma, trigamma_vjp, Trigamma
);
unary_primitive!(
    /// The tetragamma function `ψ₂(x) = -2 Σₖ≥₀ 1/(x+k)³`; derivative `ψ₃(x)` (evaluated on
    /// `f64` only: exact for the first-order scalars `f64` and `Dual`). NaN at the poles.
    tetragamma, tetragamma_vjp, Tetragamma
);

/// `ln B(a, b)` on plain values, stable for large arguments (see the module docs).
pub(crate) fn lbeta_value(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() || a < 0.0 || b < 0.0 {
        return f64::NAN;
    }
    if a == 0.0 || b == 0.0 {
        return f64::INFINITY;
    }
    let (x, y) = if a < b { (a, b) } else { (b, a) };
    if y == f64::INFINITY {
        return f64::NEG_INFINITY;
    }
    if y < STIRLING_FROM {
        return ln_gamma_value(x) + ln_gamma_value(y) - ln_gamma_value(x + y);
    }
    let xy = x + y;
    let corr = stirling_delta(y) - stirling_delta(xy);
    if x < STIRLING_FROM {
        return ln_gamma_value(x) + corr + x - x * xy.ln() - (y - 0.5) * (x / y).ln_1p();
    }
    let r = x / xy;
    HALF_LN_2PI - 0.5 * y.ln() + (x - 0.5) * r.ln() + y * (-r).ln_1p() + stirling_delta(x) + corr
}

/// `ψ(x) - ψ(x + d)` for `x > 0`, `d ≥ 0`, without the cancellation of the two nearly equal
/// digammas when `d ≪ x`: shift `x` up to `X ≥ 10` with `ψ(x) = ψ(x+1) - 1/x` (the shifted
/// terms `-d/((x+k)(x+k+d))` all have the same sign), then use the difference of the
/// asymptotic series, `-ln1p(d/X) - d/(2X(X+d)) - [S(X) - S(X+d)]`, whose error is relative
/// to `d` (the rounding of `X` enters only relatively).
pub(crate) fn digamma_diff_value(x: f64, d: f64) -> f64 {
    if !(x > 0.0 && d >= 0.0 && d < x && x < f64::INFINITY) {
        return digamma_value(x) - digamma_value(x + d);
    }
    let mut acc = 0.0;
    let mut k = 0.0;
    let mut big = x;
    while big < STIRLING_FROM {
        acc -= d / (big * (big + d));
        k += 1.0;
        big = x + k;
    }
    let bd = big + d;
    // S(t) = Σ B₂ₖ/(2k t²ᵏ), differences of t⁻²ᵏ without cancellation:
    // t⁻²ᵏ - (t+d)⁻²ᵏ = (t⁻² - (t+d)⁻²) Σⱼ t⁻²ʲ (t+d)⁻²⁽ᵏ⁻¹⁻ʲ⁾, t⁻² - (t+d)⁻² = d(2t+d)/(t²(t+d)²)
    let (a, b) = (1.0 / (big * big), 1.0 / (bd * bd));
    let base = d * (2.0 * big + d) * a * b;
    let mut s_diff = 0.0;
    // h_k = Σ_{j<k} a^j b^(k-1-j), h_1 = 1, h_{k+1} = a^k + b h_k
    let (mut h, mut ak) = (1.0, 1.0);
    for c in DIGAMMA_ASYMPTOTIC {
        s_diff += c * base * h;
        ak *= a;
        h = ak + b * h;
    }
    acc - (d / big).ln_1p() - 0.5 * d / (big * bd) - s_diff
}

/// `ψ₁(x) - ψ₁(x + d)` for `x > 0`, `0 ≤ d < x`, without cancellation (as
/// [`digamma_diff_value`]): shifted terms `d(2t+d)/(t²(t+d)²)`, then the difference of
/// `ψ₁(t) ~ 1/t + 1/(2t²) + Σ B₂ₖ/t²ᵏ⁺¹` at `t ≥ 20`, each power difference
/// `t⁻ⁿ - (t+d)⁻ⁿ` formed as `(t⁻¹ - (t+d)⁻¹)·Σⱼ t⁻ʲ (t+d)⁻⁽ⁿ⁻¹⁻ʲ⁾`.
pub(crate) fn trigamma_diff_value(x: f64, d: f64) -> f64 {
    if !(x > 0.0 && d >= 0.0 && d < x && x < f64::INFINITY) {
        return polygamma_value(1, x) - polygamma_value(1, x + d);
    }
    let mut acc = 0.0;
    let mut k = 0.0;
    let mut t = x;
    while t < POLYGAMMA_FROM {
        acc += d * (2.0 * t + d) / (t * t * (t + d) * (t + d));
        k += 1.0;
        t = x + k;
    }
    let td = t + d;
    let (a, b) = (1.0 / t, 1.0 / td);
    let a_minus_b = d / (t * td);
    // h_n = Σ_{j<n} aʲ bⁿ⁻¹⁻ʲ: h₁ = 1, h_{n+1} = aⁿ + b·h_n
    let (mut h, mut an) = (1.0, 1.0);
    let mut pow_diff = [0.0f64; 22]; // pow_diff[n] = a^n - b^n
    for pd in pow_diff.iter_mut().skip(1) {
        *pd = a_minus_b * h;
        an *= a;
        h = an + b * h;
    }
    let mut series = 0.0;
    for (i, bern) in BERNOULLI_EVEN.iter().enumerate().rev() {
        series += bern * pow_diff[2 * i + 3];
    }
    acc + pow_diff[1] + 0.5 * pow_diff[2] + series
}

/// Rule type of `ψ(x) - ψ(x + d)`, evaluated without cancellation (see the module docs):
/// the partials of [`lbeta`] and [`lchoose`]; its own partials are `ψ₁(x) - ψ₁(x+d)` (also
/// without cancellation, [`TrigammaDiff`]) and `-ψ₁(x+d)`.
#[derive(Clone, Copy, Debug)]
pub struct DigammaDiff;
impl BinaryRule for DigammaDiff {
    #[inline]
    fn value(x: f64, d: f64) -> f64 {
        digamma_diff_value(x, d)
    }
    #[inline]
    fn partials<S: Scalar>(x: S, d: S, _y: S) -> (S, S) {
        (x.binary::<TrigammaDiff>(d), -trigamma(x + d))
    }
}

/// Rule type of `ψ₁(x) - ψ₁(x + d)`, evaluated without cancellation (see the module docs);
/// partials
/// `ψ₂(x) - ψ₂(x+d)` (a plain difference: only third derivatives of `lbeta` use it) and
/// `-ψ₂(x+d)`.
#[derive(Clone, Copy, Debug)]
pub struct TrigammaDiff;
impl BinaryRule for TrigammaDiff {
    #[inline]
    fn value(x: f64, d: f64) -> f64 {
        trigamma_diff_value(x, d)
    }
    #[inline]
    fn partials<S: Scalar>(x: S, d: S, _y: S) -> (S, S) {
        let t = tetragamma(x + d);
        (tetragamma(x) - t, -t)
    }
}

/// `ψ(x) - ψ(x + d)` as a generic primitive.
fn digamma_diff<S: Scalar>(x: S, d: S) -> S {
    x.binary::<DigammaDiff>(d)
}

/// Rule type of [`lbeta`].
#[derive(Clone, Copy, Debug)]
pub struct Lbeta;
impl BinaryRule for Lbeta {
    #[inline]
    fn value(a: f64, b: f64) -> f64 {
        lbeta_value(a, b)
    }
    #[inline]
    fn partials<S: Scalar>(a: S, b: S, _y: S) -> (S, S) {
        (digamma_diff(a, b), digamma_diff(b, a))
    }
}

binary_primitive!(
    /// `ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a+b)` for `a, b > 0`, computed without
    /// cancellation for large arguments; partials `ψ(a) - ψ(a+b)`, `ψ(b) - ψ(a+b)`.
    /// `+∞` if `a` or `b` is 0, `-∞` if one is `+∞`, NaN for negative arguments.
    lbeta, lbeta_vjp, Lbeta
);

/// `ln C(n, k)` on plain values.
fn lchoose_value(n: f64, k: f64) -> f64 {
    if n.is_nan() || k.is_nan() || k < 0.0 || k > n {
        return f64::NAN;
    }
    -n.ln_1p() - lbeta_value(n - k + 1.0, k + 1.0)
}

/// Rule type of [`lchoose`].
#[derive(Clone, Copy, Debug)]
pub struct Lchoose;
impl BinaryRule for Lchoose {
    #[inline]
    fn value(n: f64, k: f64) -> f64 {
        lchoose_value(n, k)
    }
    #[inline]
    fn partials<S: Scalar>(n: S, k: S, _y: S) -> (S, S) {
        // ∂n = ψ(n+1) - ψ(n-k+1), ∂k = ψ(n-k+1) - ψ(k+1)
        let m = n - k + 1.0;
        let dn = -digamma_diff(m, k);
        let dk = if m >= k + 1.0 {
            -digamma_diff(k + 1.0, n - k * 2.0)
        } else {
            digamma_diff(m, k * 2.0 - n)
        };
        (dn, dk)
    }
}

binary_primitive!(
    /// `ln C(n, k) = ln Γ(n+1) - ln Γ(k+1) - ln Γ(n-k+1)` for real `0 ≤ k ≤ n`, computed as
    /// `-ln(n+1) - lbeta(n-k+1, k+1)`; partials `∂n = ψ(n+1) - ψ(n-k+1)`,
    /// `∂k = ψ(n-k+1) - ψ(k+1)`. NaN outside `0 ≤ k ≤ n`.
    lchoose, lchoose_vjp, Lchoose
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::distribution_checks::{check_reference_table, json_f64, reference_cases};
    use crate::testing::Domain;
    use crate::{check_binary, check_unary};

    #[test]
    fn reference_values() {
        check_reference_table("lgamma", |_, x| lgamma(x));
        check_reference_table("digamma", |_, x| digamma(x));
        check_reference_table("trigamma", |_, x| trigamma(x));
        check_reference_table("lbeta", |p, x| lbeta(p[0], x));
        check_reference_table("lchoose", |p, x| lchoose(p[0], x));
    }

    /// Largest relative error over a dense reference table.
    fn max_rel_error(key: &str, f: fn(f64) -> f64) -> (f64, f64) {
        let mut worst = (0.0, f64::NAN);
        for case in reference_cases(key) {
            let x = json_f64(&case["x"]);
            let want = json_f64(&case["value"]);
            let err = (f(x) - want).abs() / want.abs();
            if err > worst.0 {
                worst = (err, x);
            }
        }
        worst
    }

    /// The issue's accuracy requirement, measured as *relative* error everywhere on
    /// (1e-8, 1e8), including next to the roots 1, 2 (lgamma) and x₀ ≈ 1.4616 (digamma),
    /// which are approached to within 1e-15.
    #[test]
    fn lgamma_and_digamma_are_accurate_to_1e_14() {
        for (key, f) in [
            ("lgamma_dense", lgamma::<f64> as fn(f64) -> f64),
            ("digamma_dense", digamma::<f64>),
        ] {
            let (err, at) = max_rel_error(key, f);
            assert!(err <= 1e-14, "{key}: relative error {err:e} at {at}");
        }
    }

    #[test]
    fn special_values() {
        assert_eq!(lgamma(1.0f64), 0.0);
        assert_eq!(lgamma(2.0f64), 0.0);
        assert_eq!(lgamma(0.0f64), f64::INFINITY);
        assert_eq!(lgamma(-3.0f64), f64::INFINITY);
        assert_eq!(lgamma(f64::INFINITY), f64::INFINITY);
        assert!(lgamma(f64::NAN).is_nan());
        assert!(digamma(0.0f64).is_nan());
        assert!(digamma(-2.0f64).is_nan());
        assert_eq!(digamma(f64::INFINITY), f64::INFINITY);
        assert_eq!(trigamma(-1.0f64), f64::INFINITY);
        assert_eq!(trigamma(f64::INFINITY), 0.0);
        assert_eq!(lbeta(0.0f64, 1.0), f64::INFINITY);
        assert_eq!(lbeta(f64::INFINITY, 1.0), f64::NEG_INFINITY);
        assert!(lbeta(-1.0f64, 1.0).is_nan());
        assert!(lchoose(2.0f64, 3.0).is_nan());
        assert!(lchoose(2.0f64, -1.0).is_nan());
        // lchoose of integers matches the binomial coefficient
        assert!((lchoose(30.0f64, 15.0) - 155_117_520f64.ln()).abs() < 1e-14 * 19.0);
        // tetragamma(1) = -2 ζ(3)
        assert!((tetragamma(1.0f64) + 2.0 * 1.202_056_903_159_594_2).abs() < 1e-15);
        // ψ₃(1) = 6 ζ(4) = π⁴/15
        assert!((polygamma_value(3, 1.0) - PI.powi(4) / 15.0).abs() < 1e-14);
        // reflection of the polygammas: the recurrence ψ⁽ⁿ⁾(x+1) = ψ⁽ⁿ⁾(x) + (-1)ⁿ n!/xⁿ⁺¹ links
        // two reflected points (-1.3, -0.3) to a direct one (0.7).
        for n in 1..=4u32 {
            let fact: f64 = (1..=n).map(f64::from).product();
            let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
            let step = |x: f64| sign * fact / x.powi(n as i32 + 1);
            let direct = polygamma_value(n, 0.7);
            let from_m03 = polygamma_value(n, -0.3) + step(-0.3);
            let from_m13 = polygamma_value(n, -1.3) + step(-1.3) + step(-0.3);
            for got in [from_m03, from_m13] {
                assert!(
                    (got - direct).abs()
                        <= 1e-13 * direct.abs().max(fact / 0.3f64.powi(n as i32 + 1)),
                    "ψ⁽{n}⁾ reflection: {got} vs {direct}"
                );
            }
        }
    }

    #[test]
    fn digamma_difference_rule_matches_finite_differences() {
        use crate::ad::Dual;
        use crate::testing::check_binary_rule;
        let small = Domain::LogUniform(1e-3, 10.0);
        let large = Domain::LogUniform(10.0, 1e6);
        for (name, dx, dd) in [
            ("small small", small, small),
            ("large small", large, small),
            ("large large", large, large),
        ] {
            check_binary_rule(
                &format!("ψ(x) - ψ(x+d) {name}"),
                |x: f64, d: f64| digamma_diff(x, d),
                |x: Dual, d: Dual| digamma_diff(x, d),
                |x: f64, d: f64, y: f64, b: f64| {
                    crate::ad::rules::binary_vjp::<DigammaDiff, f64>(x, d, y, b)
                },
                |x: Dual, d: Dual, y: Dual, b: Dual| {
                    crate::ad::rules::binary_vjp::<DigammaDiff, Dual>(x, d, y, b)
                },
                dx,
                dd,
            );
        }
    }

    /// `(x, d, ψ₁(x) - ψ₁(x+d))` from mpmath (40 digits).
    const TRIGAMMA_DIFF: [(f64, f64, f64); 7] = [
        (14.7, 0.001, 4.952854047619799e-06),
        (
            173662.2950078231,
            0.002203092766421661,
            7.305067069804499e-14,
        ),
        (0.5, 1e-08, 1.6828796157188877e-07),
        (3.0, 1e-12, 1.541138063191291e-13),
        (0.001, 0.0001, 173553.71924799535),
        (25.0, 24.0, 0.020192836902665063),
        (100000000.0, 3.0, 2.9999999400000017e-16),
    ];

    #[test]
    fn digamma_difference_is_accurate() {
        // against mpmath: ψ(x) - ψ(x+d)
        for (x, d, want) in [
            (14.7, 1e-3, -7.039_100_497_769_31e-5),
            (1e6, 1.0, -1e-6),
            (0.5, 1e-8, -4.934_802_116_400_697_6e-8),
            (3.0, 1e-12, -3.949_340_668_481_494e-13),
            (1e-3, 1e-4, -90.909_255_150_423_42),
        ] {
            let got = digamma_diff_value(x, d);
            assert!(
                (got / want - 1.0).abs() < 1e-14,
                "ψ({x}) - ψ({x}+{d}) = {got:e} vs {want:e}"
            );
        }
        // against mpmath: ψ₁(x) - ψ₁(x+d)
        for (x, d, want) in TRIGAMMA_DIFF {
            let got = trigamma_diff_value(x, d);
            assert!(
                (got / want - 1.0).abs() < 1e-14,
                "ψ₁({x}) - ψ₁({x}+{d}) = {got:e} vs {want:e}"
            );
        }
    }

    #[test]
    fn unary_rules_match_finite_differences() {
        let domains = [
            ("tiny", Domain::LogUniform(1e-8, 1e-4)),
            ("small", Domain::LogUniform(1e-4, 0.5)),
            ("unit", Domain::Interval(0.5, 3.0)),
            ("mid", Domain::Interval(3.0, 30.0)),
            ("large", Domain::LogUniform(30.0, 1e8)),
            ("negative", Domain::Interval(-2.95, -2.05)),
            ("near -1", Domain::Interval(-0.99, -0.01)),
        ];
        for (name, d) in domains {
            check_unary!(&format!("lgamma {name}"), lgamma, lgamma_vjp, d);
            check_unary!(&format!("digamma {name}"), digamma, digamma_vjp, d);
            check_unary!(&format!("trigamma {name}"), trigamma, trigamma_vjp, d);
            check_unary!(&format!("tetragamma {name}"), tetragamma, tetragamma_vjp, d);
        }
    }

    #[test]
    fn binary_rules_match_finite_differences() {
        let small = Domain::LogUniform(1e-3, 10.0);
        let mid = Domain::Interval(10.0, 50.0);
        let large = Domain::LogUniform(50.0, 1e6);
        for (name, da, db) in [
            ("small small", small, small),
            ("small mid", small, mid),
            ("small large", small, large),
            ("mid large", mid, large),
            ("large large", large, large),
            ("large small", large, small),
        ] {
            check_binary!(&format!("lbeta {name}"), lbeta, lbeta_vjp, da, db);
        }
        // lchoose(n, k): k ∈ (0, n) with n drawn above the k domain
        check_binary!(
            "lchoose",
            lchoose,
            lchoose_vjp,
            Domain::Interval(20.0, 60.0),
            Domain::Interval(0.5, 19.0)
        );
        check_binary!(
            "lchoose large n",
            lchoose,
            lchoose_vjp,
            Domain::LogUniform(1e4, 1e7),
            Domain::Interval(0.5, 500.0)
        );
    }
}
