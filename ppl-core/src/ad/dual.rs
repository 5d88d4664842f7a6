//! Forward-mode dual numbers: a value and one tangent, the JVP of every generic rule.

use crate::ad::rules::{BinaryRule, UnaryRule};
use crate::ad::Scalar;
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// `v + d·ε` with `ε² = 0`: evaluating a generic function on `Dual` gives its value
/// and its directional derivative along the seeded tangents.
///
/// ```
/// use ppl_core::ad::{Dual, Scalar};
/// let x = Dual::new(2.0, 1.0);          // seed dx = 1
/// let y = x * x * 3.0 + x;              // 3x² + x
/// assert_eq!(y.v, 14.0);
/// assert_eq!(y.d, 13.0);                // 6x + 1
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Dual {
    /// Primal value.
    pub v: f64,
    /// Tangent (directional derivative).
    pub d: f64,
}

impl Dual {
    /// A dual number with value `v` and tangent `d`.
    #[inline(always)]
    pub const fn new(v: f64, d: f64) -> Self {
        Dual { v, d }
    }
}

impl fmt::Display for Dual {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}+{}ε", self.v, self.d)
    }
}

impl PartialOrd for Dual {
    /// Compares primal values only (branches follow the primal computation).
    #[inline(always)]
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.v.partial_cmp(&other.v)
    }
}

impl Scalar for Dual {
    #[inline(always)]
    fn cst(value: f64) -> Self {
        Dual::new(value, 0.0)
    }
    #[inline(always)]
    fn value(self) -> f64 {
        self.v
    }
    #[inline(always)]
    fn unary<R: UnaryRule>(self) -> Self {
        let y = R::value(self.v);
        Dual::new(y, self.d * R::derivative(self.v, y))
    }
    #[inline(always)]
    fn binary<R: BinaryRule>(self, other: Self) -> Self {
        let y = R::value(self.v, other.v);
        let (da, db) = R::partials(self.v, other.v, y);
        Dual::new(y, self.d * da + other.d * db)
    }
    #[inline(always)]
    fn powi(self, n: i32) -> Self {
        if n == 0 {
            return Dual::new(1.0, 0.0);
        }
        let pm1 = self.v.powi(n - 1);
        Dual::new(pm1 * self.v, self.d * (n as f64) * pm1)
    }
}

impl Add for Dual {
    type Output = Dual;
    #[inline(always)]
    fn add(self, o: Dual) -> Dual {
        Dual::new(self.v + o.v, self.d + o.d)
    }
}
impl Sub for Dual {
    type Output = Dual;
    #[inline(always)]
    fn sub(self, o: Dual) -> Dual {
        Dual::new(self.v - o.v, self.d - o.d)
    }
}
impl Mul for Dual {
    type Output = Dual;
    #[inline(always)]
    fn mul(self, o: Dual) -> Dual {
        Dual::new(self.v * o.v, self.d * o.v + self.v * o.d)
    }
}
impl Div for Dual {
    type Output = Dual;
    #[inline(always)]
    fn div(self, o: Dual) -> Dual {
        let y = self.v / o.v;
        Dual::new(y, (self.d - y * o.d) / o.v)
    }
}
impl Neg for Dual {
    type Output = Dual;
    #[inline(always)]
    fn neg(self) -> Dual {
        Dual::new(-self.v, -self.d)
    }
}
impl Add<f64> for Dual {
    type Output = Dual;
    #[inline(always)]
    fn add(self, o: f64) -> Dual {
        Dual::new(self.v + o, self.d)
    }
}
impl Sub<f64> for Dual {
    type Output = Dual;
    #[inline(always)]
    fn sub(self, o: f64) -> Dual {
        Dual::new(self.v - o, self.d)
    }
}
impl Mul<f64> for Dual {
    type Output = Dual;
    #[inline(always)]
    fn mul(self, o: f64) -> Dual {
        Dual::new(self.v * o, self.d * o)
    }
}
impl Div<f64> for Dual {
    type Output = Dual;
    #[inline(always)]
    fn div(self, o: f64) -> Dual {
        Dual::new(self.v / o, self.d / o)
    }
}

macro_rules! assign_ops {
    ($($tr:ident $m:ident $op:tt $rhs:ty),*) => {$(
        impl $tr<$rhs> for Dual {
            #[inline(always)]
            fn $m(&mut self, o: $rhs) { *self = *self $op o; }
        }
    )*};
}
assign_ops!(AddAssign add_assign + Dual, SubAssign sub_assign - Dual, MulAssign mul_assign * Dual,
            DivAssign div_assign / Dual, AddAssign add_assign + f64, SubAssign sub_assign - f64,
            MulAssign mul_assign * f64, DivAssign div_assign / f64);

impl Sum for Dual {
    fn sum<I: Iterator<Item = Dual>>(iter: I) -> Dual {
        iter.fold(Dual::default(), |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_tangents_follow_the_product_and_quotient_rules() {
        let a = Dual::new(3.0, 1.0);
        let b = Dual::new(2.0, -0.5);
        assert_eq!((a * b).d, 1.0 * 2.0 + 3.0 * -0.5);
        assert!(((a / b).d - (1.0 * 2.0 - 3.0 * -0.5) / 4.0).abs() < 1e-15);
        assert_eq!((a - b).d, 1.5);
        assert_eq!((-a).d, -1.0);
        assert_eq!((a * 2.0 + 1.0).d, 2.0);
        assert_eq!((a / 4.0).d, 0.25);
        let mut c = a;
        c *= b;
        c += 1.0;
        assert_eq!(c, a * b + 1.0);
        assert_eq!(a.powi(3).d, 27.0);
        assert_eq!(a.powi(0), Dual::new(1.0, 0.0));
        let s: Dual = [a, b].into_iter().sum();
        assert_eq!(s, a + b);
    }

    #[test]
    fn comparisons_use_primal_values() {
        assert!(Dual::new(1.0, 100.0) < Dual::new(2.0, -100.0));
        assert_eq!(format!("{}", Dual::new(1.0, 2.0)), "1+2ε");
    }
}
