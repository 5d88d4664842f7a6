//! Rule traits for elementwise primitives, and the convention every derivative rule follows.
//!
//! # The rule convention
//!
//! Every primitive `f` of the model language is exposed (through `ppl_core::math` and
//! the macro's private path) as two generic functions:
//!
//! ```text
//! f(a, b, ...)                      -> y                  value; on Dual it is the JVP
//! f_vjp(a, b, ..., y, y_bar)        -> (a_bar, b_bar, ...) reverse rule (one value for unary)
//! ```
//!
//! For functions of slices the VJP *accumulates* into caller-owned adjoint slices
//! (`x_bar[i] += ...`) and allocates nothing:
//!
//! ```text
//! log_sum_exp_slice(x)                                -> y
//! log_sum_exp_slice_vjp(x, y, y_bar, x_bar: &mut [S])     x_bar += y_bar * softmax(x)
//! ```
//!
//! Elementwise primitives implement [`UnaryRule`] or [`BinaryRule`] (value on `f64`,
//! partial derivatives generically) and get both functions from
//! [`unary_primitive!`](crate::unary_primitive) / [`binary_primitive!`](crate::binary_primitive).
//! Because partial derivatives are generic over [`Scalar`], the reverse rule run on
//! [`Dual`](crate::ad::Dual) differentiates once more: forward over reverse gives
//! Hessian-vector products with no extra code.

use crate::ad::Scalar;

/// An elementwise primitive of one argument, `y = f(x)`.
pub trait UnaryRule {
    /// `f(x)` on plain values.
    fn value(x: f64) -> f64;
    /// `f'(x)`, given `x` and `y = f(x)` (many derivatives are cheapest from `y`).
    fn derivative<S: Scalar>(x: S, y: S) -> S;
}

/// An elementwise primitive of two arguments, `y = f(a, b)`.
pub trait BinaryRule {
    /// `f(a, b)` on plain values.
    fn value(a: f64, b: f64) -> f64;
    /// `(∂f/∂a, ∂f/∂b)`, given `a`, `b` and `y = f(a, b)`.
    fn partials<S: Scalar>(a: S, b: S, y: S) -> (S, S);
}

/// Reverse rule of a unary primitive: `x_bar = y_bar · f'(x)`.
#[inline(always)]
pub fn unary_vjp<R: UnaryRule, S: Scalar>(x: S, y: S, y_bar: S) -> S {
    y_bar * R::derivative(x, y)
}

/// Reverse rule of a binary primitive: `(a_bar, b_bar) = y_bar · ∇f(a, b)`.
#[inline(always)]
pub fn binary_vjp<R: BinaryRule, S: Scalar>(a: S, b: S, y: S, y_bar: S) -> (S, S) {
    let (da, db) = R::partials(a, b, y);
    (y_bar * da, y_bar * db)
}

/// Defines a [`UnaryRule`] type: `unary_rule!(Exp, exp, f64::exp, |x, y| y)` gives
/// `pub struct Exp` whose value is `f64::exp` and whose derivative (generic over the
/// scalar, given `x` and `y = f(x)`) is `y`.
#[macro_export]
macro_rules! unary_rule {
    ($rule:ident, $name:ident, $value:expr, |$x:ident, $y:ident| $deriv:expr) => {
        #[doc = concat!("Rule type of [`", stringify!($name), "`].")]
        #[derive(Clone, Copy, Debug)]
        pub struct $rule;
        impl $crate::ad::UnaryRule for $rule {
            #[inline(always)]
            fn value(x: f64) -> f64 {
                ($value)(x)
            }
            #[inline(always)]
            #[allow(unused_variables)]
            fn derivative<S: $crate::ad::Scalar>($x: S, $y: S) -> S {
                $deriv
            }
        }
    };
}

/// Defines `pub fn $name(x) -> S` and `pub fn ${name}_vjp(x, y, y_bar) -> S` for a
/// [`UnaryRule`] type.
#[macro_export]
macro_rules! unary_primitive {
    ($(#[$doc:meta])* $name:ident, $vjp:ident, $rule:ty) => {
        $(#[$doc])*
        #[inline(always)]
        pub fn $name<S: $crate::ad::Scalar>(x: S) -> S {
            x.unary::<$rule>()
        }
        #[doc = concat!("Reverse rule of [`", stringify!($name), "`]: `x_bar = y_bar · f'(x)`.")]
        #[inline(always)]
        pub fn $vjp<S: $crate::ad::Scalar>(x: S, y: S, y_bar: S) -> S {
            $crate::ad::rules::unary_vjp::<$rule, S>(x, y, y_bar)
        }
    };
}

/// Defines `pub fn $name(a, b) -> S` and `pub fn ${name}_vjp(a, b, y, y_bar) -> (S, S)` for a
/// [`BinaryRule`] type.
#[macro_export]
macro_rules! binary_primitive {
    ($(#[$doc:meta])* $name:ident, $vjp:ident, $rule:ty) => {
        $(#[$doc])*
        #[inline(always)]
        pub fn $name<S: $crate::ad::Scalar>(a: S, b: S) -> S {
            a.binary::<$rule>(b)
        }
        #[doc = concat!("Reverse rule of [`", stringify!($name), "`]: `(a_bar, b_bar) = y_bar · ∇f(a, b)`.")]
        #[inline(always)]
        pub fn $vjp<S: $crate::ad::Scalar>(a: S, b: S, y: S, y_bar: S) -> (S, S) {
            $crate::ad::rules::binary_vjp::<$rule, S>(a, b, y, y_bar)
        }
    };
}

/// Reverse rules of the arithmetic operators, in the same convention as the primitives.
pub mod arithmetic {
    use crate::ad::Scalar;

    /// `a + b` as a function (the operator's value rule).
    #[inline(always)]
    pub fn add<S: Scalar>(a: S, b: S) -> S {
        a + b
    }
    /// `a - b` as a function.
    #[inline(always)]
    pub fn sub<S: Scalar>(a: S, b: S) -> S {
        a - b
    }
    /// `a · b` as a function.
    #[inline(always)]
    pub fn mul<S: Scalar>(a: S, b: S) -> S {
        a * b
    }
    /// `a / b` as a function.
    #[inline(always)]
    pub fn div<S: Scalar>(a: S, b: S) -> S {
        a / b
    }
    /// `-x` as a function.
    #[inline(always)]
    pub fn neg<S: Scalar>(x: S) -> S {
        -x
    }

    /// `y = a + b`: `(y_bar, y_bar)`.
    #[inline(always)]
    pub fn add_vjp<S: Scalar>(_a: S, _b: S, _y: S, y_bar: S) -> (S, S) {
        (y_bar, y_bar)
    }
    /// `y = a - b`: `(y_bar, -y_bar)`.
    #[inline(always)]
    pub fn sub_vjp<S: Scalar>(_a: S, _b: S, _y: S, y_bar: S) -> (S, S) {
        (y_bar, -y_bar)
    }
    /// `y = a · b`: `(y_bar · b, y_bar · a)`.
    #[inline(always)]
    pub fn mul_vjp<S: Scalar>(a: S, b: S, _y: S, y_bar: S) -> (S, S) {
        (y_bar * b, y_bar * a)
    }
    /// `y = a / b`: `(y_bar / b, -y_bar · y / b)`.
    #[inline(always)]
    pub fn div_vjp<S: Scalar>(_a: S, b: S, y: S, y_bar: S) -> (S, S) {
        let a_bar = y_bar / b;
        (a_bar, -(a_bar * y))
    }
    /// `y = -x`: `-y_bar`.
    #[inline(always)]
    pub fn neg_vjp<S: Scalar>(_x: S, _y: S, y_bar: S) -> S {
        -y_bar
    }
    /// `y = xⁿ` for integer `n`: `y_bar · n · xⁿ⁻¹` (exact at `x = 0`, no division).
    #[inline(always)]
    pub fn powi_vjp<S: Scalar>(x: S, n: i32, _y: S, y_bar: S) -> S {
        if n == 0 {
            S::zero()
        } else {
            y_bar * x.powi(n - 1) * (n as f64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::arithmetic::*;
    use crate::ad::Scalar;
    use crate::testing::Domain;
    use crate::{check_binary, check_unary};

    #[test]
    fn operator_rules_match_finite_differences() {
        let wide = Domain::Interval(-5.0, 5.0);
        let away_from_zero = Domain::Interval(0.2, 5.0);
        check_binary!("add", add, add_vjp, wide, wide);
        check_binary!("sub", sub, sub_vjp, wide, wide);
        check_binary!("mul", mul, mul_vjp, wide, wide);
        check_binary!("div", div, div_vjp, wide, away_from_zero);
        check_unary!("neg", neg, neg_vjp, wide);
    }

    macro_rules! powi_case {
        ($f:ident, $vjp:ident, $n:expr) => {
            fn $f<S: Scalar>(x: S) -> S {
                x.powi($n)
            }
            fn $vjp<S: Scalar>(x: S, y: S, y_bar: S) -> S {
                powi_vjp(x, $n, y, y_bar)
            }
        };
    }
    powi_case!(pow2, pow2_vjp, 2);
    powi_case!(pow3, pow3_vjp, 3);
    powi_case!(pow7, pow7_vjp, 7);
    powi_case!(pow_m2, pow_m2_vjp, -2);
    powi_case!(pow1, pow1_vjp, 1);

    #[test]
    fn powi_rules_match_finite_differences() {
        let wide = Domain::Interval(-3.0, 3.0);
        check_unary!("powi 2", pow2, pow2_vjp, wide);
        check_unary!("powi 3", pow3, pow3_vjp, wide);
        check_unary!("powi 7", pow7, pow7_vjp, wide);
        check_unary!("powi 1", pow1, pow1_vjp, wide);
        check_unary!("powi -2", pow_m2, pow_m2_vjp, Domain::Interval(0.2, 3.0));
    }
}
