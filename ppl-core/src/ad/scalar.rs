//! The `Scalar` trait: the number type every rule, distribution and transform is generic over.
//!
//! Two types implement it:
//!
//! * `f64` — plain values (primal code, and the reverse sweep of a gradient);
//! * [`Dual`](crate::ad::Dual) — a value with one tangent (forward mode: JVP; the
//!   reverse sweep run on `Dual` gives a Hessian-vector product, forward over reverse).
//!
//! Writing a rule once, generically over `S: Scalar`, therefore gives its value
//! (at `f64`), its JVP (at `Dual`) and — when its VJP is also written generically —
//! the second-order forward-over-reverse rule, all monomorphised by rustc.
//!
//! Elementwise primitives are dispatched through [`UnaryRule`](crate::ad::UnaryRule)
//! and [`BinaryRule`](crate::ad::BinaryRule): a primitive states its value on `f64` and
//! its partial derivatives generically, and `Scalar::unary` / `Scalar::binary` turn that
//! into the right thing for each scalar type.

use crate::ad::rules::{BinaryRule, UnaryRule};
use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// A real number type the AD rules are generic over (`f64` or [`Dual`](crate::ad::Dual)).
///
/// Arithmetic with `f64` on the right (`x * 2.0`, `x - 1.0`) is part of the contract, so
/// constants need no lifting; write constants on the right or lift them with
/// [`Scalar::cst`]. Comparisons (`PartialOrd`) compare primal values only.
pub trait Scalar:
    Copy
    + Debug
    + Display
    + Default
    + PartialEq
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + Div<f64, Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + AddAssign<f64>
    + SubAssign<f64>
    + MulAssign<f64>
    + DivAssign<f64>
    + Sum
{
    /// Lifts a constant (zero tangent).
    fn cst(value: f64) -> Self;
    /// The primal value, dropping any tangent.
    fn value(self) -> f64;
    /// Applies an elementwise primitive of one argument.
    fn unary<R: UnaryRule>(self) -> Self;
    /// Applies an elementwise primitive of two arguments.
    fn binary<R: BinaryRule>(self, other: Self) -> Self;
    /// `self` raised to an integer power; derivative `n x^(n-1)`.
    fn powi(self, n: i32) -> Self;

    /// Zero.
    #[inline]
    fn zero() -> Self {
        Self::cst(0.0)
    }
    /// One.
    #[inline]
    fn one() -> Self {
        Self::cst(1.0)
    }
    /// `true` when the primal value is finite.
    #[inline]
    fn is_finite(self) -> bool {
        self.value().is_finite()
    }
    /// `true` when the primal value is NaN.
    #[inline]
    fn is_nan(self) -> bool {
        self.value().is_nan()
    }
    /// `1 / self`.
    #[inline]
    fn recip(self) -> Self {
        Self::one() / self
    }
    /// `self * self`.
    #[inline]
    fn square(self) -> Self {
        self * self
    }
    /// The slice as plain values when `Self` is `f64` (`None` for dual numbers): lets a
    /// generic rule hand `f64` data to a vectorised `f64`-only kernel.
    #[inline(always)]
    fn as_f64_slice(_s: &[Self]) -> Option<&[f64]> {
        None
    }
    /// [`Scalar::as_f64_slice`] for a mutable slice.
    #[inline(always)]
    fn as_f64_slice_mut(_s: &mut [Self]) -> Option<&mut [f64]> {
        None
    }
}

impl Scalar for f64 {
    #[inline(always)]
    fn cst(value: f64) -> Self {
        value
    }
    #[inline(always)]
    fn value(self) -> f64 {
        self
    }
    #[inline(always)]
    fn unary<R: UnaryRule>(self) -> Self {
        R::value(self)
    }
    #[inline(always)]
    fn binary<R: BinaryRule>(self, other: Self) -> Self {
        R::value(self, other)
    }
    #[inline(always)]
    fn powi(self, n: i32) -> Self {
        f64::powi(self, n)
    }
    #[inline(always)]
    fn as_f64_slice(s: &[f64]) -> Option<&[f64]> {
        Some(s)
    }
    #[inline(always)]
    fn as_f64_slice_mut(s: &mut [f64]) -> Option<&mut [f64]> {
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn f64_lifts_and_reads_back() {
        assert_eq!(<f64 as Scalar>::cst(2.5).value(), 2.5);
        assert!(<f64 as Scalar>::one().is_finite());
        assert!(<f64 as Scalar>::cst(f64::NAN).is_nan());
        assert_eq!(
            <f64 as Scalar>::as_f64_slice(&[1.0, 2.0]),
            Some(&[1.0, 2.0][..])
        );
    }
}

/// Plain numbers (and references to them) read as `f64`: how generated code lifts data
/// values, loop variables from `iter()` and integer counts into active expressions.
pub trait ToF64 {
    /// The value as `f64`.
    fn to_f64(self) -> f64;
}

macro_rules! to_f64 {
    ($($t:ty),*) => {$(
        impl ToF64 for $t {
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
        }
        impl ToF64 for &$t {
            #[inline(always)]
            fn to_f64(self) -> f64 {
                *self as f64
            }
        }
        impl ToF64 for &&$t {
            #[inline(always)]
            fn to_f64(self) -> f64 {
                **self as f64
            }
        }
    )*};
}
to_f64!(f64, f32, i64, i32, u32, u64, usize, isize);

#[cfg(test)]
mod to_f64_tests {
    use super::ToF64;
    #[test]
    fn numbers_and_references_convert() {
        let x = 2.5f64;
        assert_eq!((&x).to_f64(), 2.5);
        assert_eq!((&&x).to_f64(), 2.5);
        assert_eq!(3usize.to_f64(), 3.0);
        assert_eq!((-2i64).to_f64(), -2.0);
    }
}
