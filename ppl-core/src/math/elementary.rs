//! Elementary functions (Rust's `f64` methods) as primitives with value, JVP and VJP rules.
//!
//! `exp_m1` takes its value from the branch-free inlined kernel of
//! [`crate::math::kernels`] (within 2 ulp; faster than libm's `expm1` also in scalar
//! code). The others use Rust's `f64` methods: in scalar, non-vectorised code (what a rule
//! runs in) glibc's table-driven `exp`/`log`/`log1p` are as fast or faster than the
//! polynomial kernels on x86-64 (`cargo bench --bench kernels`, columns `libm sum` /
//! `kernel sum`); the kernels pay in the slice forms and vectorised distribution rules.
//!
//! Each primitive is a zero-sized rule type; [`unary_primitive!`](crate::unary_primitive)
//! and [`binary_primitive!`](crate::binary_primitive) derive `f` and `f_vjp` from it, and the
//! [`ScalarMath`] trait offers them as methods so generic code reads like ordinary Rust
//! (`x.exp()`, `a.powf(b)`).
//!
//! # Formulas (derivative in terms of `x` and `y = f(x)`)
//!
//! ```text
//! exp     y = eˣ            y' = y
//! ln      y = ln x          y' = 1/x                     (x > 0; ln 0 = -∞)
//! log2    y = log₂ x        y' = 1/(x ln 2)
//! log10   y = log₁₀ x       y' = 1/(x ln 10)
//! sqrt    y = √x            y' = 1/(2y)                  (+∞ at 0)
//! cbrt    y = ∛x            y' = 1/(3y²)
//! sin     y' = cos x        cos  y' = -sin x             tan   y' = 1 + y²
//! asin    y' = 1/√(1-x²)    acos y' = -1/√(1-x²)         atan  y' = 1/(1+x²)
//! sinh    y' = cosh x       cosh y' = sinh x             tanh  y' = 1 - y²
//! asinh   y' = 1/√(x²+1)    acosh y' = 1/√(x²-1)         atanh y' = 1/(1-x²)
//! abs     y' = sign(x), 0 at x = 0 (a subgradient)
//! ln_1p   y = ln(1+x)       y' = 1/(1+x)
//! exp_m1  y = eˣ-1          y' = y + 1
//! powf    y = aᵇ            ∂a = b·aᵇ⁻¹, ∂b = y·ln a     (∂b = 0 where y = 0)
//! atan2   y = atan2(a, b)   ∂a = b/(a²+b²), ∂b = -a/(a²+b²)
//! hypot   y = √(a²+b²)      ∂a = a/y, ∂b = b/y           (0 at the origin)
//! min/max the derivative of the argument chosen; ties go to the first argument
//! ```

use crate::ad::rules::BinaryRule;
use crate::ad::Scalar;
use crate::{binary_primitive, unary_primitive};

macro_rules! unary_rules {
    ($($rule:ident $name:ident $vjp:ident |$x:ident, $y:ident| $deriv:expr, $value:expr;)*) => {$(
        crate::unary_rule!($rule, $name, $value, |$x, $y| $deriv);
        unary_primitive!(
            #[doc = concat!("`", stringify!($name), "(x)`; see the module docs for the derivative.")]
            $name, $vjp, $rule
        );
    )*};
}

unary_rules! {
    Exp exp exp_vjp |x, y| y, f64::exp;
    Ln ln ln_vjp |x, y| x.recip(), f64::ln;
    Log2 log2 log2_vjp |x, y| (x * std::f64::consts::LN_2).recip(), f64::log2;
    Log10 log10 log10_vjp |x, y| (x * std::f64::consts::LN_10).recip(), f64::log10;
    Sqrt sqrt sqrt_vjp |x, y| (y * 2.0).recip(), f64::sqrt;
    Cbrt cbrt cbrt_vjp |x, y| (y * y * 3.0).recip(), f64::cbrt;
    Sin sin sin_vjp |x, y| cos(x), f64::sin;
    Cos cos cos_vjp |x, y| -sin(x), f64::cos;
    Tan tan tan_vjp |x, y| y * y + 1.0, f64::tan;
    Asin asin asin_vjp |x, y| sqrt(-(x * x) + 1.0).recip(), f64::asin;
    Acos acos acos_vjp |x, y| -sqrt(-(x * x) + 1.0).recip(), f64::acos;
    Atan atan atan_vjp |x, y| (x * x + 1.0).recip(), f64::atan;
    Sinh sinh sinh_vjp |x, y| cosh(x), f64::sinh;
    Cosh cosh cosh_vjp |x, y| sinh(x), f64::cosh;
    Tanh tanh tanh_vjp |x, y| -(y * y) + 1.0, f64::tanh;
    Asinh asinh asinh_vjp |x, y| sqrt(x * x + 1.0).recip(), f64::asinh;
    Acosh acosh acosh_vjp |x, y| sqrt(x * x - 1.0).recip(), f64::acosh;
    Atanh atanh atanh_vjp |x, y| (-(x * x) + 1.0).recip(), f64::atanh;
    Abs abs abs_vjp |x, y| S::cst(sign(x.value())), f64::abs;
    Ln1p ln_1p ln_1p_vjp |x, y| (x + 1.0).recip(), f64::ln_1p;
    ExpM1 exp_m1 exp_m1_vjp |x, y| y + 1.0, crate::math::kernels::exp_m1;
}

#[inline(always)]
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

macro_rules! binary_rules {
    ($($rule:ident $name:ident $vjp:ident |$a:ident, $b:ident, $y:ident| $partials:expr, $value:expr;)*) => {$(
        #[doc = concat!("Rule type of [`", stringify!($name), "`].")]
        #[derive(Clone, Copy, Debug)]
        pub struct $rule;
        impl BinaryRule for $rule {
            #[inline(always)]
            fn value(a: f64, b: f64) -> f64 { $value(a, b) }
            #[inline(always)]
            #[allow(unused_variables)]
            fn partials<S: Scalar>($a: S, $b: S, $y: S) -> (S, S) { $partials }
        }
        binary_primitive!(
            #[doc = concat!("`", stringify!($name), "(a, b)`; see the module docs for the partials.")]
            $name, $vjp, $rule
        );
    )*};
}

binary_rules! {
    Powf powf powf_vjp |a, b, y| {
        let db = if y.value() == 0.0 { S::zero() } else { y * ln(a) };
        let da = if b.value() == 0.0 { S::zero() } else { b * powf(a, b - 1.0) };
        (da, db)
    }, f64::powf;
    Atan2 atan2 atan2_vjp |a, b, y| {
        let r2 = a * a + b * b;
        if r2.value() == 0.0 { (S::zero(), S::zero()) } else { (b / r2, -(a / r2)) }
    }, f64::atan2;
    Hypot hypot hypot_vjp |a, b, y| {
        if y.value() == 0.0 { (S::zero(), S::zero()) } else { (a / y, b / y) }
    }, f64::hypot;
    Min min min_vjp |a, b, y| {
        if a.value() <= b.value() || b.is_nan() { (S::one(), S::zero()) } else { (S::zero(), S::one()) }
    }, min_value;
    Max max max_vjp |a, b, y| {
        if a.value() >= b.value() || b.is_nan() { (S::one(), S::zero()) } else { (S::zero(), S::one()) }
    }, max_value;
}

/// `min` whose tie and NaN handling matches the derivative rule (NaN propagates from `a`).
#[inline(always)]
fn min_value(a: f64, b: f64) -> f64 {
    if a <= b || b.is_nan() {
        a
    } else {
        b
    }
}

/// `max` whose tie and NaN handling matches the derivative rule (NaN propagates from `a`).
#[inline(always)]
fn max_value(a: f64, b: f64) -> f64 {
    if a >= b || b.is_nan() {
        a
    } else {
        b
    }
}

/// The elementary primitives as methods of any [`Scalar`], mirroring `f64`'s method names.
///
/// ```
/// use ppl_core::ad::Dual;
/// use ppl_core::math::ScalarMath;
/// let y = Dual::new(0.5, 1.0).exp().ln_1p();   // d/dx ln(1 + eˣ) = logistic(x)
/// assert!((y.d - 1.0 / (1.0 + (-0.5f64).exp())).abs() < 1e-15);
/// ```
pub trait ScalarMath: Scalar {
    /// See [`exp`].
    fn exp(self) -> Self {
        exp(self)
    }
    /// See [`ln`].
    fn ln(self) -> Self {
        ln(self)
    }
    /// See [`log2`].
    fn log2(self) -> Self {
        log2(self)
    }
    /// See [`log10`].
    fn log10(self) -> Self {
        log10(self)
    }
    /// See [`sqrt`].
    fn sqrt(self) -> Self {
        sqrt(self)
    }
    /// See [`cbrt`].
    fn cbrt(self) -> Self {
        cbrt(self)
    }
    /// See [`sin`].
    fn sin(self) -> Self {
        sin(self)
    }
    /// See [`cos`].
    fn cos(self) -> Self {
        cos(self)
    }
    /// See [`tan`].
    fn tan(self) -> Self {
        tan(self)
    }
    /// See [`asin`].
    fn asin(self) -> Self {
        asin(self)
    }
    /// See [`acos`].
    fn acos(self) -> Self {
        acos(self)
    }
    /// See [`atan`].
    fn atan(self) -> Self {
        atan(self)
    }
    /// See [`sinh`].
    fn sinh(self) -> Self {
        sinh(self)
    }
    /// See [`cosh`].
    fn cosh(self) -> Self {
        cosh(self)
    }
    /// See [`tanh`].
    fn tanh(self) -> Self {
        tanh(self)
    }
    /// See [`asinh`].
    fn asinh(self) -> Self {
        asinh(self)
    }
    /// See [`acosh`].
    fn acosh(self) -> Self {
        acosh(self)
    }
    /// See [`atanh`].
    fn atanh(self) -> Self {
        atanh(self)
    }
    /// See [`abs`].
    fn abs(self) -> Self {
        abs(self)
    }
    /// See [`ln_1p`].
    fn ln_1p(self) -> Self {
        ln_1p(self)
    }
    /// See [`exp_m1`].
    fn exp_m1(self) -> Self {
        exp_m1(self)
    }
    /// See [`powf`].
    fn powf(self, b: Self) -> Self {
        powf(self, b)
    }
    /// See [`atan2`].
    fn atan2(self, b: Self) -> Self {
        atan2(self, b)
    }
    /// See [`hypot`].
    fn hypot(self, b: Self) -> Self {
        hypot(self, b)
    }
    /// See [`min`].
    fn min(self, b: Self) -> Self {
        min(self, b)
    }
    /// See [`max`].
    fn max(self, b: Self) -> Self {
        max(self, b)
    }
}

impl<S: Scalar> ScalarMath for S {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Domain;
    use crate::{check_binary, check_unary};

    #[test]
    fn unary_rules_match_finite_differences() {
        let wide = Domain::Interval(-4.0, 4.0);
        let pos = Domain::Interval(1e-3, 20.0);
        let unit = Domain::Interval(-0.99, 0.99);
        check_unary!("exp", exp, exp_vjp, wide);
        check_unary!("ln", ln, ln_vjp, pos);
        check_unary!("log2", log2, log2_vjp, pos);
        check_unary!("log10", log10, log10_vjp, pos);
        check_unary!("sqrt", sqrt, sqrt_vjp, pos);
        check_unary!("cbrt", cbrt, cbrt_vjp, pos);
        check_unary!(
            "cbrt(negative)",
            cbrt,
            cbrt_vjp,
            Domain::Interval(-20.0, -1e-3)
        );
        check_unary!("sin", sin, sin_vjp, wide);
        check_unary!("cos", cos, cos_vjp, wide);
        check_unary!("tan", tan, tan_vjp, Domain::Interval(-1.4, 1.4));
        check_unary!("asin", asin, asin_vjp, unit);
        check_unary!("acos", acos, acos_vjp, unit);
        check_unary!("atan", atan, atan_vjp, wide);
        check_unary!("sinh", sinh, sinh_vjp, wide);
        check_unary!("cosh", cosh, cosh_vjp, wide);
        check_unary!("tanh", tanh, tanh_vjp, wide);
        check_unary!("asinh", asinh, asinh_vjp, wide);
        check_unary!("acosh", acosh, acosh_vjp, Domain::Interval(1.01, 20.0));
        check_unary!("atanh", atanh, atanh_vjp, unit);
        check_unary!("abs(+)", abs, abs_vjp, Domain::Interval(1e-3, 5.0));
        check_unary!("abs(-)", abs, abs_vjp, Domain::Interval(-5.0, -1e-3));
        check_unary!("ln_1p", ln_1p, ln_1p_vjp, Domain::Interval(-0.9, 20.0));
        check_unary!("exp_m1", exp_m1, exp_m1_vjp, wide);
    }

    #[test]
    fn binary_rules_match_finite_differences() {
        let pos = Domain::Interval(0.1, 5.0);
        let wide = Domain::Interval(-4.0, 4.0);
        check_binary!("powf", powf, powf_vjp, pos, wide);
        check_binary!("atan2", atan2, atan2_vjp, wide, wide);
        check_binary!("hypot", hypot, hypot_vjp, wide, wide);
        check_binary!("min", min, min_vjp, wide, wide);
        check_binary!("max", max, max_vjp, wide, wide);
    }

    #[test]
    fn edge_values_have_defined_derivatives() {
        // abs at 0: subgradient 0; powf at a = 0: no NaN from ln 0.
        assert_eq!(abs_vjp(0.0, 0.0, 1.0), 0.0);
        let (da, db) = powf_vjp(0.0, 2.0, 0.0, 1.0);
        assert_eq!((da, db), (0.0, 0.0));
        // hypot and atan2 at the origin.
        assert_eq!(hypot_vjp(0.0, 0.0, 0.0, 1.0), (0.0, 0.0));
        assert_eq!(atan2_vjp(0.0, 0.0, 0.0, 1.0), (0.0, 0.0));
        // ties of min/max go to the first argument.
        assert_eq!(min_vjp(1.0, 1.0, 1.0, 1.0), (1.0, 0.0));
        assert_eq!(max_vjp(1.0, 1.0, 1.0, 1.0), (1.0, 0.0));
        // sqrt at 0: infinite slope, not NaN.
        assert_eq!(sqrt_vjp(0.0, 0.0, 1.0), f64::INFINITY);
        // the operator rules
        use crate::ad::rules::arithmetic::*;
        assert_eq!(div_vjp(3.0, 2.0, 1.5, 1.0), (0.5, -0.75));
        assert_eq!(powi_vjp(0.0, 2, 0.0, 1.0), 0.0);
        assert_eq!(powi_vjp(2.0, 3, 8.0, 1.0), 12.0);
        assert_eq!(mul_vjp(2.0, 3.0, 6.0, 2.0), (6.0, 4.0));
        assert_eq!(add_vjp(2.0, 3.0, 5.0, 2.0), (2.0, 2.0));
        assert_eq!(sub_vjp(2.0, 3.0, -1.0, 2.0), (2.0, -2.0));
        assert_eq!(neg_vjp(2.0, -2.0, 2.0), -2.0);
    }
}
