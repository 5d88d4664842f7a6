//! Branch-free `f64` kernels of `exp`, `ln`, `ln_1p`, `exp_m1`, softplus and the logistic
//! functions, with slice forms that LLVM auto-vectorises on stable Rust.
//!
//! Every kernel is straight-line code — range reduction by bit manipulation, a polynomial
//! in Estrin's form, and `select`s (not branches) for the special values — inlined into
//! its caller. Scalar calls cost no libm call; the slice forms (`exp_slice(x, out)`, ...)
//! are plain loops over the kernels that the loop vectoriser turns into SSE2 code on the
//! default x86-64 target, and AVX2 (+FMA) code with `-C target-cpu=native`.
//!
//! Why hand-written rather than a SIMD crate: the kernels must stay inlinable into
//! *scalar* generic code (the `f64` rules and distributions), not only into explicit
//! SIMD loops; `wide`/`pulp` would add a dependency for slice loops the compiler already
//! vectorises from scalar code, and `sleef` bindings need a C library. No dependency is
//! added.
//!
//! # Method
//!
//! ```text
//! exp(x):   n = round(x/ln2), r = x - n·ln2 (Cody–Waite, ln2 = LN2_HI + LN2_LO, n·LN2_HI
//!           exact), |r| ≤ ln2/2;  eʳ = 1 + (r + r²q(r)), q a degree-10 polynomial;
//!           result eʳ·2^⌊n/2⌉·2^(n-⌊n/2⌉) (two exact power-of-two factors built from bits,
//!           so subnormal results are rounded once and overflow gives +∞).
//! exp_m1:   2·(2ⁿ⁻¹·expm1(r) + (2ⁿ⁻¹ - ½)), expm1(r) = r + r²q(r); x clamped to [-40, 710].
//! ln(x):    x = 2ᵉ·m, m ∈ [√½, √2) from the bits (subnormals pre-scaled by 2⁵⁴);
//!           f = m - 1 (exact), s = f/(2+f), z = s²,
//!           ln m = f - (f²/2 - s(f²/2 + z·T(z))),  T a degree-7 polynomial;
//!           ln x = e·LN2_HI + (ln m + e·LN2_LO).
//! ln_1p(x): u = 1 + x with its exact rounding error c (two-sum), ln u as above plus c/u;
//!           the two divisions share one reciprocal 1/((2+f)m).
//! softplus  log1p_exp(x) = max(x, 0) + ln_1p(e^-|x|)   (ln_1p specialised to [0, 1]:
//!           u = 1 + t ∈ [1, 2] reduced by one comparison, no special values)
//! logistic  inv_logit(x) = (x ≥ 0 ? 1 : t)/(1 + t),  t = e^-|x|
//! ```
//!
//! The polynomials `q` and `T` interpolate their functions at Chebyshev nodes (near
//! minimax); `tests/reference/gen_kernels.py --coefficients` derives them with mpmath and
//! prints their approximation errors (`4.9e-18` and `5.6e-17` relative), far below the
//! rounding errors of the evaluation.
//!
//! # Accuracy
//!
//! Errors are distances in ulps from the correctly rounded result (`1` = the neighbouring
//! double). Measured by `tests::kernels_match_mpmath_reference_values` (a few hundred
//! mpmath values over the whole domain, `tests/reference/kernels.json`) and
//! `tests::kernels_are_within_their_ulp_bounds` (dense sweeps, ~10⁶ points per kernel
//! incl. every binade, against libm — itself within one ulp — so those bounds carry one
//! ulp of slack):
//!
//! | kernel | asserted vs mpmath | measured vs mpmath | measured vs libm (sweeps) |
//! |---|---|---|---|
//! | `exp` | ≤ 1 | 1 | 1 |
//! | `exp_m1` | ≤ 2 | 1 | 2 |
//! | `ln` (incl. subnormal `x`) | ≤ 1 | 1 | 1 |
//! | `ln_1p` | ≤ 2 | 0 | 1 |
//! | `log1p_exp`, `log_inv_logit`, `log1m_inv_logit` | ≤ 2 | 1 | 2 |
//! | `inv_logit` | ≤ 3 | 1 | 2 |
//!
//! Derivation of the bounds: the reduction of `exp` is exact up to one rounding of `r`
//! (relative `2⁻⁵³|r| ≤ 0.35·2⁻⁵³` in the result), the polynomials are exact to `≤ 6e-17`,
//! and `1 + (r + r²q)` / `e·ln2 + (f - corr)` end in one rounding of a sum whose small
//! part carries `< ½` ulp of accumulated error: `< 1` ulp; `exp_m1` and `ln_1p` add one
//! rounding of a same-sign correction; softplus and `inv_logit` compose two or three such
//! kernels with well-conditioned operations. With FMA (`-C target-cpu=native`) the
//! polynomials round less, never more.
//!
//! # Where they pay (`cargo bench --bench kernels`, ns per element, 2-core AMD EPYC VM)
//!
//! | | libm, scalar loop | kernel slice, SSE2 (default) | kernel slice, AVX2+FMA (`native`) | kernel, non-vectorised loop (SSE2) |
//! |---|---:|---:|---:|---:|
//! | `exp` | 5.1 | 3.5 | 1.6 | 6.5 |
//! | `exp_m1` | 7.9 | 3.2 | 1.4 | 6.1 |
//! | `ln` | 4.4 | 5.9 | 2.6 | 9.1 |
//! | `ln_1p` | 7.1 | 6.1 | 2.8 | 11.9 |
//! | `log1p_exp` | 11.6 | 10.7 | 5.1 | 20.1 |
//! | `inv_logit` | 5.6 | 4.9 | 2.1 | 9.3 |
//!
//! In loops that vectorise (the slice forms, [`bernoulli_logit_lpmf_slice_vjp`](crate::distributions::bernoulli_logit_lpmf_slice_vjp),
//! [`normal_lpdf_slice_vjp`](crate::distributions::normal_lpdf_slice_vjp)) the kernels
//! beat libm, by 2–4x with AVX2. In scalar code that does not vectorise, glibc's
//! table-driven functions (which dispatch to FMA code at run time) are faster than these
//! polynomials, so the scalar rules keep libm except `exp_m1`; the kernels' latency
//! (dependent chains) is also 1.3–1.7x libm's.
//!
//! # Special values
//!
//! `exp(+∞) = +∞`, `exp(-∞) = 0`, overflow → `+∞`, underflow → subnormals then `0`;
//! `ln(0) = -∞`, `ln(x < 0) = NaN`, `ln(+∞) = +∞`; `ln_1p(-1) = -∞`, `ln_1p(x < -1) = NaN`;
//! `exp_m1(-∞) = -1`; softplus and the logistic functions take their limits at `±∞`.
//! NaN propagates through every kernel.
//!
//! # Examples
//!
//! ```
//! use ppl_core::math::kernels;
//! assert_eq!(kernels::exp(0.0), 1.0);
//! assert_eq!(kernels::ln(1.0), 0.0);
//! let x = [0.5, -2.0, 3.0];
//! let mut y = [0.0; 3];
//! kernels::exp_slice(&x, &mut y);
//! for (xi, yi) in x.iter().zip(&y) {
//!     assert!((yi / xi.exp() - 1.0).abs() < 3e-16);
//! }
//! ```

// `!(x >= c)` is deliberate throughout: it is true for NaN, in one comparison.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

/// `1.5·2⁵²`: adding it rounds an `f64` of magnitude `< 2⁵¹` to an integer.
const SHIFTER: f64 = 6_755_399_441_055_744.0;
/// `ln 2` to 32 significant bits (so `n·LN2_HI` is exact for `|n| < 2²¹`).
const LN2_HI: f64 = 0.693_147_180_369_123_8;
/// `ln 2 - LN2_HI`.
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// Below this `exp` is `0` (`e^-746 < 2⁻¹⁰⁷⁵`); inputs are clamped to it.
const EXP_MIN_ARG: f64 = -746.0;
/// Above this `exp` overflows (`e^710 > 2¹⁰²⁴`); inputs are clamped to it.
const EXP_MAX_ARG: f64 = 710.0;
/// Below this `exp_m1` rounds to `-1` (`e^-40 < 2⁻⁵⁴`).
const EXP_M1_MIN_ARG: f64 = -40.0;
/// `2⁵⁴`: pre-scales subnormal arguments of `ln`.
const TWO_54: f64 = 18_014_398_509_481_984.0;
/// `0x3ff0000000000000 - bits(√½)`: adding it to the bits of `x` puts `x ∈ [√½, √2)·2ᵉ`
/// into exponent field `1023 + e`.
const LN_OFFSET: u64 = 0x3ff0_0000_0000_0000 - 0x3fe6_a09e_667f_3bcd;
/// Bits of `1.0`, the exponent bias in place.
const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;
/// Bits of `2⁵²`: `from_bits(TWO_52_BITS | k) - 2⁵²` is the integer `k < 2⁵²` as `f64`.
const TWO_52_BITS: u64 = 0x4330_0000_0000_0000;

/// `q(r) = (eʳ - 1 - r)/r²` on `|r| ≤ ln2/2`, degree 10, lowest coefficient first
/// (`gen_kernels.py --coefficients`; approximation error `4.9e-18` relative).
const EXP_Q: [f64; 11] = [
    0.5,
    0.166_666_666_666_666_7,
    0.041_666_666_666_666_67,
    0.008_333_333_333_326_141,
    0.001_388_888_888_888_375_2,
    0.000_198_412_698_748_004_93,
    2.480_158_732_553_336_3e-5,
    2.755_725_542_574_643_5e-6,
    2.755_727_366_134_863_7e-7,
    2.510_520_637_395_701e-8,
    2.091_467_937_658_393_5e-9,
];

/// `T(z) = (2 atanh(√z)/√z - 2)/z` on `z ∈ [0, ((√2-1)/(√2+1))²]`, degree 7, lowest
/// coefficient first (`gen_kernels.py --coefficients`; approximation error `5.6e-17`
/// relative, multiplied by `s·z ≤ 0.006` in `ln`).
const LN_T: [f64; 8] = [
    0.666_666_666_666_666_6,
    0.400_000_000_000_008_8,
    0.285_714_285_708_036_14,
    0.222_222_223_917_139_17,
    0.181_817_956_401_329_06,
    0.153_862_397_028_146_58,
    0.132_687_731_386_568_86,
    0.130_866_261_478_401_02,
];

/// `a·b + c`: fused when the target has FMA (one rounding), else a multiply and an add
/// (never the out-of-line libm `fma`).
#[inline(always)]
pub(crate) fn madd(a: f64, b: f64, c: f64) -> f64 {
    #[cfg(target_feature = "fma")]
    {
        a.mul_add(b, c)
    }
    #[cfg(not(target_feature = "fma"))]
    {
        a * b + c
    }
}

/// `if c { a } else { b }` with both sides computed: a `select`, never a branch.
#[inline(always)]
fn select(c: bool, a: f64, b: f64) -> f64 {
    if c {
        a
    } else {
        b
    }
}

/// `x` rounded to an integer (ties to even), for `|x| < 2⁵¹`.
#[inline(always)]
fn round_int(x: f64) -> f64 {
    (x + SHIFTER) - SHIFTER
}

/// `2ᵏ` for an integer-valued `k ∈ [-1022, 1023]`, built from bits.
#[inline(always)]
fn pow2i(k: f64) -> f64 {
    // The low 12 bits of `k + SHIFTER + 1023` hold `k + 1023`; the shift drops the rest.
    f64::from_bits((k + (SHIFTER + 1023.0)).to_bits() << 52)
}

/// `expm1(r) = r + r²q(r)` for `|r| ≤ ln2/2`, `q` in Estrin's form.
#[inline(always)]
fn expm1_reduced(r: f64) -> f64 {
    let c = &EXP_Q;
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let a0 = madd(c[1], r, c[0]);
    let a1 = madd(c[3], r, c[2]);
    let a2 = madd(c[5], r, c[4]);
    let a3 = madd(c[7], r, c[6]);
    let a4 = madd(c[9], r, c[8]);
    let b0 = madd(a1, r2, a0);
    let b1 = madd(a3, r2, a2);
    let b2 = madd(c[10], r2, a4);
    let q = madd(madd(b1, r4, b0), 1.0, b2 * r8);
    madd(r2, q, r)
}

/// `(n, r)` with `x = n·ln2 + r`, `|r| ≤ ln2/2` (`x` already clamped).
#[inline(always)]
fn reduce_exp(x: f64) -> (f64, f64) {
    let n = round_int(x * std::f64::consts::LOG2_E);
    let r = (x - n * LN2_HI) - n * LN2_LO;
    (n, r)
}

/// `eˣ`, branch-free; within 1 ulp (see the module docs).
///
/// Domain: all `f64`. `+∞ → +∞`, `-∞ → 0`, overflow (`x > 709.78`) `→ +∞`, gradual
/// underflow to subnormals and `0` below `-745.13`; NaN propagates.
///
/// ```
/// use ppl_core::math::kernels::exp;
/// assert!((exp(1.0) - std::f64::consts::E).abs() <= f64::EPSILON * 3.0);
/// assert_eq!(exp(f64::NEG_INFINITY), 0.0);
/// assert_eq!(exp(710.0), f64::INFINITY);
/// assert!(exp(f64::NAN).is_nan());
/// ```
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    // Comparisons are false for NaN, which passes through the clamps.
    let xc = select(x < EXP_MIN_ARG, EXP_MIN_ARG, x);
    let xc = select(xc > EXP_MAX_ARG, EXP_MAX_ARG, xc);
    let (n, r) = reduce_exp(xc);
    let p = 1.0 + expm1_reduced(r);
    // n ∈ [-1076, 1024]: split so each factor is a normal power of two.
    let n1 = round_int(n * 0.5);
    p * pow2i(n1) * pow2i(n - n1)
}

/// `eˣ - 1`, branch-free, accurate relative to the result also for tiny `x`; within
/// 2 ulp.
///
/// Domain: all `f64`. `+∞ → +∞`, `-∞ → -1`, overflow → `+∞`; NaN propagates.
///
/// ```
/// use ppl_core::math::kernels::exp_m1;
/// assert_eq!(exp_m1(1e-300), 1e-300);
/// assert!((exp_m1(1e-10) / 1.00000000005e-10 - 1.0).abs() < 3e-16);
/// assert_eq!(exp_m1(f64::NEG_INFINITY), -1.0);
/// ```
#[inline(always)]
pub fn exp_m1(x: f64) -> f64 {
    let xc = select(x < EXP_M1_MIN_ARG, EXP_M1_MIN_ARG, x);
    let xc = select(xc > EXP_MAX_ARG, EXP_MAX_ARG, xc);
    let (n, r) = reduce_exp(xc);
    let p = expm1_reduced(r);
    // 2ⁿ·p + (2ⁿ - 1), halved so that n = 1024 does not overflow before the final ×2.
    let h = pow2i(n - 1.0);
    2.0 * madd(h, p, h - 0.5)
}

/// `ln(1 + f)` for `f = m - 1`, `m ∈ [√½, √2)`, given `s = f/(2+f)`.
#[inline(always)]
fn ln1p_reduced(f: f64, s: f64) -> (f64, f64) {
    let c = &LN_T;
    let z = s * s;
    let z2 = z * z;
    let z4 = z2 * z2;
    let a0 = madd(c[1], z, c[0]);
    let a1 = madd(c[3], z, c[2]);
    let a2 = madd(c[5], z, c[4]);
    let a3 = madd(c[7], z, c[6]);
    let t = madd(madd(a3, z2, a2), z4, madd(a1, z2, a0));
    let hfsq = 0.5 * f * f;
    // ln(1+f) = f - (hfsq - s·(hfsq + R)), R = z·T(z); returned as (f, correction).
    (f, hfsq - s * madd(z, t, hfsq))
}

/// `(e, m)` as `f64`s with `u = 2ᵉ·m`, `m ∈ [√½, √2)`, for a positive normal `u`
/// (garbage otherwise: callers select the special values).
#[inline(always)]
fn reduce_ln(u: f64) -> (f64, f64) {
    let bits = u.to_bits();
    let biased = bits.wrapping_add(LN_OFFSET) >> 52; // 1023 + e
    let m = f64::from_bits(bits.wrapping_sub(biased << 52).wrapping_add(ONE_BITS));
    let e = f64::from_bits(TWO_52_BITS | biased) - (4_503_599_627_370_496.0 + 1023.0);
    (e, m)
}

/// `ln x`, branch-free; within 1 ulp (see the module docs).
///
/// Domain: `x ≥ 0` (subnormals included). `ln 0 = -∞`, `ln(+∞) = +∞`, NaN for `x < 0`
/// and NaN.
///
/// ```
/// use ppl_core::math::kernels::ln;
/// assert_eq!(ln(1.0), 0.0);
/// assert!((ln(10.0) - std::f64::consts::LN_10).abs() <= 2.0 * f64::EPSILON);
/// assert_eq!(ln(0.0), f64::NEG_INFINITY);
/// assert!(ln(-1.0).is_nan());
/// assert!((ln(5e-324) + 744.4400719213812).abs() < 1e-12);
/// ```
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    let tiny = x < f64::MIN_POSITIVE;
    let xs = select(tiny, x * TWO_54, x);
    let (e, m) = reduce_ln(xs);
    let e = select(tiny, e - 54.0, e);
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let (f, corr) = ln1p_reduced(f, s);
    let y = madd(e, LN2_HI, f - madd(-e, LN2_LO, corr));
    let y = select(x == f64::INFINITY, f64::INFINITY, y);
    let y = select(x == 0.0, f64::NEG_INFINITY, y);
    // `!(x >= 0)`: negative or NaN.
    select(!(x >= 0.0), f64::NAN, y)
}

/// `ln(1 + x)`, branch-free, accurate relative to the result also for tiny `x`; within
/// 2 ulp.
///
/// Domain: `x ≥ -1`. `ln_1p(-1) = -∞`, `ln_1p(+∞) = +∞`, NaN for `x < -1` and NaN.
///
/// ```
/// use ppl_core::math::kernels::ln_1p;
/// assert_eq!(ln_1p(1e-300), 1e-300);
/// assert!((ln_1p(1e-10) / (1e-10 - 0.5e-20) - 1.0).abs() < 3e-16);
/// assert_eq!(ln_1p(-1.0), f64::NEG_INFINITY);
/// assert!(ln_1p(-2.0).is_nan());
/// ```
#[inline(always)]
pub fn ln_1p(x: f64) -> f64 {
    // u + c = 1 + x exactly (two-sum).
    let u = 1.0 + x;
    let xv = u - 1.0;
    let c = (1.0 - (u - xv)) + (x - xv);
    // Beyond 2⁵³ the correction is below ½ ulp of ln u ≥ 36: drop it (2⁻ᵉ would
    // underflow for the largest u).
    let c = select(x < 9.007_199_254_740_992e15, c, 0.0);
    let (e, m) = reduce_ln(u);
    let f = m - 1.0;
    // One reciprocal for s = f/(2+f) and for c/u = c·2⁻ᵉ/m.
    let two_f = 2.0 + f;
    let inv = 1.0 / (two_f * m);
    let s = f * m * inv;
    let e_small = select(e > 60.0, 60.0, e);
    let cu = c * pow2i(-e_small) * two_f * inv;
    let (f, corr) = ln1p_reduced(f, s);
    let y = madd(e, LN2_HI, f - (corr - madd(e, LN2_LO, cu)));
    let y = select(x == f64::INFINITY, f64::INFINITY, y);
    let y = select(x == -1.0, f64::NEG_INFINITY, y);
    select(!(x >= -1.0), f64::NAN, y)
}

/// `ln(1 + t)` for `t ∈ [0, 1]` (or NaN), the softplus case of [`ln_1p`]: `u = 1 + t ∈
/// [1, 2]` needs no bit-level reduction (`u = 2ᵉm` with `e ∈ {0, 1}` by one comparison),
/// its rounding error is `t - (u - 1)` exactly (fast two-sum, `1 ≥ t`), and no special
/// value can occur. Same accuracy as `ln_1p`, about half the operations.
#[inline(always)]
fn ln_1p_unit(t: f64) -> f64 {
    let u = 1.0 + t;
    let c = t - (u - 1.0);
    let big = u >= std::f64::consts::SQRT_2;
    let m = select(big, u * 0.5, u);
    let cs = select(big, c * 0.5, c);
    let e = select(big, 1.0, 0.0);
    let f = m - 1.0;
    let two_f = 2.0 + f;
    let inv = 1.0 / (two_f * m);
    let s = f * m * inv;
    let cu = cs * two_f * inv;
    let (f, corr) = ln1p_reduced(f, s);
    madd(e, LN2_HI, f - (corr - madd(e, LN2_LO, cu)))
}

/// `e^-|x|`: [`exp`] for a non-positive argument (no upper clamp).
#[inline(always)]
fn exp_neg_abs(x: f64) -> f64 {
    let a = -x.abs();
    let a = select(a < EXP_MIN_ARG, EXP_MIN_ARG, a);
    let (n, r) = reduce_exp(a);
    let p = 1.0 + expm1_reduced(r);
    let n1 = round_int(n * 0.5);
    p * pow2i(n1) * pow2i(n - n1)
}

/// Softplus `ln(1 + eˣ) = max(x, 0) + ln_1p(e^-|x|)`, branch-free; within 2 ulp.
///
/// Domain: all `f64`; `+∞ → +∞`, `-∞ → 0`, relatively accurate in the lower tail
/// (`≈ eˣ`), `= x` above `x ≈ 37`; NaN propagates. Derivative: [`inv_logit`].
///
/// ```
/// use ppl_core::math::kernels::log1p_exp;
/// assert_eq!(log1p_exp(800.0), 800.0);
/// assert!((log1p_exp(0.0) - std::f64::consts::LN_2).abs() <= f64::EPSILON);
/// assert!((log1p_exp(-700.0) / (-700.0f64).exp() - 1.0).abs() < 3e-16);
/// ```
#[inline(always)]
pub fn log1p_exp(x: f64) -> f64 {
    let t = exp_neg_abs(x);
    select(x > 0.0, x, 0.0) + ln_1p_unit(t)
}

/// `ln inv_logit(x) = -log1p_exp(-x)`; within 2 ulp. Derivative `inv_logit(-x)`.
///
/// ```
/// use ppl_core::math::kernels::log_inv_logit;
/// assert_eq!(log_inv_logit(-800.0), -800.0);
/// assert!((log_inv_logit(0.0) + std::f64::consts::LN_2).abs() <= f64::EPSILON);
/// ```
#[inline(always)]
pub fn log_inv_logit(x: f64) -> f64 {
    -log1p_exp(-x)
}

/// `ln(1 - inv_logit(x)) = -log1p_exp(x)`; within 2 ulp. Derivative `-inv_logit(x)`.
///
/// ```
/// use ppl_core::math::kernels::log1m_inv_logit;
/// assert_eq!(log1m_inv_logit(800.0), -800.0);
/// ```
#[inline(always)]
pub fn log1m_inv_logit(x: f64) -> f64 {
    -log1p_exp(x)
}

/// The logistic sigmoid `1/(1 + e^-x) = (x ≥ 0 ? 1 : t)/(1 + t)`, `t = e^-|x|`,
/// branch-free and relatively accurate in both tails; within 3 ulp.
///
/// Domain: all `f64`; `+∞ → 1`, `-∞ → 0`; NaN propagates.
///
/// ```
/// use ppl_core::math::kernels::inv_logit;
/// assert_eq!(inv_logit(0.0), 0.5);
/// assert_eq!(inv_logit(f64::INFINITY), 1.0);
/// assert!((inv_logit(-700.0) / (-700.0f64).exp() - 1.0).abs() < 5e-16);
/// ```
#[inline(always)]
pub fn inv_logit(x: f64) -> f64 {
    let t = exp_neg_abs(x);
    select(x >= 0.0, 1.0, t) / (1.0 + t)
}

/// `(log1p_exp(x), inv_logit(x))` sharing one `e^-|x|`: softplus and its derivative, the
/// pair a `bernoulli_logit` term and its partial need (`log P(1|α) = -log1p_exp(-α)`,
/// `∂/∂α = inv_logit(-α)`). Same accuracy as the separate kernels.
///
/// ```
/// use ppl_core::math::kernels::{inv_logit, log1p_exp, log1p_exp_and_inv_logit};
/// assert_eq!(log1p_exp_and_inv_logit(1.5), (log1p_exp(1.5), inv_logit(1.5)));
/// ```
#[inline(always)]
pub fn log1p_exp_and_inv_logit(x: f64) -> (f64, f64) {
    let t = exp_neg_abs(x);
    let sp = select(x > 0.0, x, 0.0) + ln_1p_unit(t);
    (sp, select(x >= 0.0, 1.0, t) / (1.0 + t))
}

macro_rules! slice_forms {
    ($($(#[$doc:meta])* $name:ident => $kernel:ident;)*) => {$(
        $(#[$doc])*
        ///
        /// Writes `out[i] = f(x[i])` over the common length of `x` and `out` (they should be
        /// equal: checked in debug builds). A plain loop over the inlined kernel, which LLVM
        /// vectorises (2 lanes with SSE2, 4 with AVX2).
        #[inline]
        pub fn $name(x: &[f64], out: &mut [f64]) {
            debug_assert_eq!(x.len(), out.len(), concat!(stringify!($name), ": length mismatch"));
            for (o, &xi) in out.iter_mut().zip(x) {
                *o = $kernel(xi);
            }
        }
    )*};
}

slice_forms! {
    /// [`exp`] of every element.
    ///
    /// ```
    /// let mut y = [0.0; 2];
    /// ppl_core::math::kernels::exp_slice(&[0.0, f64::NEG_INFINITY], &mut y);
    /// assert_eq!(y, [1.0, 0.0]);
    /// ```
    exp_slice => exp;
    /// [`exp_m1`] of every element.
    ///
    /// ```
    /// let mut y = [1.0; 2];
    /// ppl_core::math::kernels::exp_m1_slice(&[0.0, f64::NEG_INFINITY], &mut y);
    /// assert_eq!(y, [0.0, -1.0]);
    /// ```
    exp_m1_slice => exp_m1;
    /// [`ln`] of every element.
    ///
    /// ```
    /// let mut y = [1.0; 2];
    /// ppl_core::math::kernels::ln_slice(&[1.0, 0.0], &mut y);
    /// assert_eq!(y, [0.0, f64::NEG_INFINITY]);
    /// ```
    ln_slice => ln;
    /// [`ln_1p`] of every element.
    ///
    /// ```
    /// let mut y = [1.0; 2];
    /// ppl_core::math::kernels::ln_1p_slice(&[0.0, -1.0], &mut y);
    /// assert_eq!(y, [0.0, f64::NEG_INFINITY]);
    /// ```
    ln_1p_slice => ln_1p;
    /// [`log1p_exp`] (softplus) of every element.
    ///
    /// ```
    /// let mut y = [1.0; 2];
    /// ppl_core::math::kernels::log1p_exp_slice(&[800.0, f64::NEG_INFINITY], &mut y);
    /// assert_eq!(y, [800.0, 0.0]);
    /// ```
    log1p_exp_slice => log1p_exp;
    /// [`log_inv_logit`] of every element.
    ///
    /// ```
    /// let mut y = [1.0; 1];
    /// ppl_core::math::kernels::log_inv_logit_slice(&[-800.0], &mut y);
    /// assert_eq!(y, [-800.0]);
    /// ```
    log_inv_logit_slice => log_inv_logit;
    /// [`log1m_inv_logit`] of every element.
    ///
    /// ```
    /// let mut y = [1.0; 1];
    /// ppl_core::math::kernels::log1m_inv_logit_slice(&[800.0], &mut y);
    /// assert_eq!(y, [-800.0]);
    /// ```
    log1m_inv_logit_slice => log1m_inv_logit;
    /// [`inv_logit`] of every element.
    ///
    /// ```
    /// let mut y = [1.0; 2];
    /// ppl_core::math::kernels::inv_logit_slice(&[0.0, f64::INFINITY], &mut y);
    /// assert_eq!(y, [0.5, 1.0]);
    /// ```
    inv_logit_slice => inv_logit;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// A scalar function.
    type F = fn(f64) -> f64;
    /// A slice form.
    type SliceF = fn(&[f64], &mut [f64]);

    /// Distance in units in the last place between `got` and `want`, measured in ulps of
    /// `want` (of the smallest normal for subnormal `want`); equal non-finite values and
    /// NaN/NaN are 0, any other non-finite mismatch is `∞`.
    fn ulps(got: f64, want: f64) -> f64 {
        if got == want || (got.is_nan() && want.is_nan()) {
            return 0.0;
        }
        if !got.is_finite() || !want.is_finite() {
            return f64::INFINITY;
        }
        let a = want.abs().max(f64::MIN_POSITIVE);
        let ulp = f64::from_bits(a.to_bits() + 1) - a;
        let ulp = if a.to_bits() & 0x000f_ffff_ffff_ffff == 0 && want.abs() > f64::MIN_POSITIVE {
            // At a power of two the ulp below is half the one above: use the smaller.
            ulp / 2.0
        } else {
            ulp
        };
        (got - want).abs() / ulp
    }

    /// Arguments: dense linear sweeps of `[lo, hi]` plus both signs of log-uniform
    /// magnitudes over all exponents (`2⁻¹⁰⁷⁴ … 2¹⁰²³`), plus the extremes.
    fn sweep(lo: f64, hi: f64, n: usize) -> Vec<f64> {
        let mut xs: Vec<f64> = (0..=n)
            .map(|k| lo + (hi - lo) * (k as f64) / (n as f64))
            .collect();
        let mut bits: u64 = 1;
        while bits < 0x7ff0_0000_0000_0000 {
            let v = f64::from_bits(bits);
            xs.push(v);
            xs.push(-v);
            bits += 0x0000_3a1b_2c3d_4e5f; // ~2⁴⁶ steps: every exponent, varied mantissas
        }
        xs.extend([
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            -f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ]);
        xs
    }

    /// Max ulps of `kernel` against `reference` over `xs`, with the worst argument.
    fn worst(kernel: F, reference: F, xs: &[f64]) -> (f64, f64) {
        let mut w = (0.0, f64::NAN);
        for &x in xs {
            let e = ulps(kernel(x), reference(x));
            if !(e <= w.0) {
                w = (e, x);
            }
        }
        w
    }

    fn softplus_ref(x: f64) -> f64 {
        if x > 0.0 {
            x + (-x).exp().ln_1p()
        } else {
            x.exp().ln_1p()
        }
    }

    fn inv_logit_ref(x: f64) -> f64 {
        if x >= 0.0 {
            1.0 / (1.0 + (-x).exp())
        } else {
            let e = x.exp();
            e / (1.0 + e)
        }
    }

    /// Against libm (glibc: `exp`, `log`, `log1p`, `expm1` within ½–1 ulp), so each bound is
    /// the kernel's bound plus one ulp of slack for libm's own error; the references of the
    /// composite functions are libm compositions, whose error is added too.
    #[test]
    fn kernels_are_within_their_ulp_bounds() {
        let cases: [(&str, F, F, f64, f64, f64); 8] = [
            ("exp", exp, f64::exp, -746.0, 710.0, 2.0),
            ("exp_m1", exp_m1, f64::exp_m1, -45.0, 710.0, 3.0),
            ("ln", ln, f64::ln, 0.0, 4.0, 2.0),
            ("ln_1p", ln_1p, f64::ln_1p, -1.0, 4.0, 3.0),
            ("log1p_exp", log1p_exp, softplus_ref, -750.0, 750.0, 4.0),
            (
                "log_inv_logit",
                log_inv_logit,
                |x| -softplus_ref(-x),
                -750.0,
                750.0,
                4.0,
            ),
            (
                "log1m_inv_logit",
                log1m_inv_logit,
                |x| -softplus_ref(x),
                -750.0,
                750.0,
                4.0,
            ),
            ("inv_logit", inv_logit, inv_logit_ref, -750.0, 750.0, 5.0),
        ];
        for (name, kernel, reference, lo, hi, bound) in cases {
            let xs = sweep(lo, hi, 400_000);
            let (e, x) = worst(kernel, reference, &xs);
            eprintln!("{name}: max {e:.3} ulp vs libm at x = {x:e}");
            assert!(e <= bound, "{name}: {e} ulp at x = {x:e} (bound {bound})");
        }
        // ln and ln_1p next to 1 and 0, where the result is tiny.
        let near: Vec<f64> = (1..200_000)
            .map(|k| 1.0 + (k as f64 - 100_000.0) * 3e-12)
            .collect();
        let (e, x) = worst(ln, f64::ln, &near);
        assert!(e <= 2.0, "ln near 1: {e} ulp at {x:e}");
        let near0: Vec<f64> = near.iter().map(|x| x - 1.0).collect();
        let (e, x) = worst(ln_1p, f64::ln_1p, &near0);
        assert!(e <= 3.0, "ln_1p near 0: {e} ulp at {x:e}");
    }

    fn reference(key: &str) -> Vec<(f64, f64)> {
        let text = include_str!("../../tests/reference/kernels.json");
        let v: Value = serde_json::from_str(text).expect("kernels.json");
        let num = |v: &Value| match v {
            Value::String(s) => s.parse::<f64>().expect("number"),
            v => v.as_f64().expect("number"),
        };
        v[key]
            .as_array()
            .expect("table")
            .iter()
            .map(|c| (num(&c["x"]), num(&c["value"])))
            .collect()
    }

    #[test]
    fn kernels_match_mpmath_reference_values() {
        let cases: [(&str, F, f64); 6] = [
            ("kernel_exp", exp, 1.0),
            ("kernel_exp_m1", exp_m1, 2.0),
            ("kernel_ln", ln, 1.0),
            ("kernel_ln_1p", ln_1p, 2.0),
            ("kernel_log1p_exp", log1p_exp, 2.0),
            ("kernel_inv_logit", inv_logit, 3.0),
        ];
        for (key, kernel, bound) in cases {
            let table = reference(key);
            assert!(table.len() > 100, "{key}");
            let mut w = (0.0, 0.0);
            for (x, want) in table {
                let e = ulps(kernel(x), want);
                if !(e <= w.0) {
                    w = (e, x);
                }
            }
            eprintln!("{key}: max {:.3} ulp vs mpmath at x = {:e}", w.0, w.1);
            assert!(w.0 <= bound, "{key}: {} ulp at x = {:e}", w.0, w.1);
        }
    }

    #[test]
    fn unit_interval_ln_1p_matches_the_general_kernel() {
        // Dense in [0, 1] and log-uniform down to the subnormals.
        let mut ts: Vec<f64> = (0..=200_000).map(|k| k as f64 / 200_000.0).collect();
        ts.extend((0..2000).map(|k| (-(k as f64) * 0.37).exp()));
        ts.extend([5e-324, 1e-310, std::f64::consts::SQRT_2 - 1.0]);
        let (e, t) = worst(ln_1p_unit, f64::ln_1p, &ts);
        assert!(e <= 2.0, "{e} ulp at {t:e}");
        assert!(ln_1p_unit(f64::NAN).is_nan());
        assert_eq!(exp_neg_abs(3.0), exp(-3.0));
        assert_eq!(exp_neg_abs(-3.0), exp(-3.0));
        assert_eq!(exp_neg_abs(f64::INFINITY), 0.0);
    }

    #[test]
    fn special_values() {
        let (inf, nan) = (f64::INFINITY, f64::NAN);
        assert_eq!(exp(inf), inf);
        assert_eq!(exp(-inf), 0.0);
        assert_eq!(exp(709.8), inf);
        assert_eq!(exp(-745.2), 0.0);
        assert_eq!(exp(-745.1), 5e-324);
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert!(exp(nan).is_nan());
        assert_eq!(exp_m1(inf), inf);
        assert_eq!(exp_m1(-inf), -1.0);
        assert_eq!(exp_m1(0.0), 0.0);
        assert!(exp_m1(nan).is_nan());
        assert_eq!(ln(0.0), -inf);
        assert_eq!(ln(-0.0), -inf);
        assert_eq!(ln(inf), inf);
        assert!(ln(-1e-300).is_nan());
        assert!(ln(-inf).is_nan());
        assert!(ln(nan).is_nan());
        assert_eq!(ln(f64::MAX), f64::MAX.ln());
        assert_eq!(ln_1p(-1.0), -inf);
        assert_eq!(ln_1p(inf), inf);
        assert_eq!(ln_1p(0.0), 0.0);
        assert_eq!(ln_1p(-0.0), 0.0);
        assert!(ln_1p(-1.0 - 1e-15).is_nan());
        assert!(ln_1p(nan).is_nan());
        assert_eq!(log1p_exp(inf), inf);
        assert_eq!(log1p_exp(-inf), 0.0);
        assert!(log1p_exp(nan).is_nan());
        assert_eq!(inv_logit(inf), 1.0);
        assert_eq!(inv_logit(-inf), 0.0);
        assert!(inv_logit(nan).is_nan());
        assert_eq!(log_inv_logit(inf), 0.0);
        assert_eq!(log_inv_logit(-inf), -inf);
        assert_eq!(log1m_inv_logit(inf), -inf);
    }

    #[test]
    fn slice_forms_agree_with_the_scalar_kernels() {
        // Odd length: the vectorised body and its scalar remainder.
        let x: Vec<f64> = (0..1001).map(|k| (k as f64 - 500.0) * 0.37).collect();
        let mut out = vec![0.0; x.len()];
        let cases: [(SliceF, F); 8] = [
            (exp_slice, exp),
            (exp_m1_slice, exp_m1),
            (ln_slice, ln),
            (ln_1p_slice, ln_1p),
            (log1p_exp_slice, log1p_exp),
            (log_inv_logit_slice, log_inv_logit),
            (log1m_inv_logit_slice, log1m_inv_logit),
            (inv_logit_slice, inv_logit),
        ];
        for (slice, scalar) in cases {
            slice(&x, &mut out);
            for (&xi, &o) in x.iter().zip(&out) {
                let s = scalar(xi);
                assert!(o == s || (o.is_nan() && s.is_nan()), "{xi}: {o} vs {s}");
            }
        }
        let (sp, il) = log1p_exp_and_inv_logit(-3.5);
        assert_eq!((sp, il), (log1p_exp(-3.5), inv_logit(-3.5)));
    }
}
