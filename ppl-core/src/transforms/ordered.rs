//! Ordered and positive-ordered vector transforms.

use crate::ad::Scalar;
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::for_support::check_len;
use crate::transforms::VectorTransform;

/// Stan's transform of `K` unconstrained reals onto strictly increasing vectors of length `K`.
///
/// # Formula
///
/// ```text
/// y₁ = x₁,   yₖ = yₖ₋₁ + e^(xₖ)   (k = 2..K)
/// ln J = Σ_{k≥2} xₖ
/// reverse: x̄₁ = Σ_j ȳ_j,   x̄ₖ = e^(xₖ) Σ_{j≥k} ȳ_j + l̄   (k ≥ 2)
/// inverse: x₁ = y₁,   xₖ = ln(yₖ - yₖ₋₁)
/// ```
///
/// # Numerics
///
/// `yₖ > yₖ₋₁` strictly while `e^(xₖ)` exceeds half an ulp of `yₖ₋₁`; a smaller gap rounds
/// to equal consecutive entries (the closure of the support). The inverse is as accurate
/// as the difference `yₖ - yₖ₋₁`: its relative error is `ε |yₖ| / (yₖ - yₖ₋₁)`.
///
/// # Errors
///
/// `unconstrain`: [`Error::DimensionMismatch`] for slices of the wrong length,
/// [`Error::OutOfSupport`] for a non-finite entry or an entry not greater than the previous.
///
/// # Examples
///
/// ```
/// use ppl_core::transforms::{OrderedTransform, VectorTransform};
/// let t = OrderedTransform { k: 3 };
/// let mut y = [0.0; 3];
/// let log_j: f64 = t.constrain(&[-1.0, 0.0, 2.0f64.ln()], &mut y);
/// assert_eq!(y, [-1.0, 0.0, 2.0]);
/// assert_eq!(log_j, 2.0f64.ln());
/// let mut x = [0.0; 3];
/// t.unconstrain(&[-1.0, 0.0, 2.0], &mut x).unwrap();
/// assert_eq!(x, [-1.0, 0.0, 2.0f64.ln()]);
/// assert!(t.unconstrain(&[0.0, 0.0, 1.0], &mut x).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderedTransform {
    /// The length `K` of the vector.
    pub k: usize,
}

/// Stan's transform of `K` unconstrained reals onto strictly increasing positive vectors.
///
/// # Formula
///
/// ```text
/// y₁ = e^(x₁),   yₖ = yₖ₋₁ + e^(xₖ)   (k = 2..K)
/// ln J = Σ_k xₖ
/// reverse: x̄ₖ = e^(xₖ) Σ_{j≥k} ȳ_j + l̄
/// inverse: x₁ = ln y₁,   xₖ = ln(yₖ - yₖ₋₁)
/// ```
///
/// Numerics as for [`OrderedTransform`]; `y₁ > 0` until `e^(x₁)` underflows (`x₁ < -745`).
///
/// # Errors
///
/// As for [`OrderedTransform`], and [`Error::OutOfSupport`] when `y₁ ≤ 0`.
///
/// # Examples
///
/// ```
/// use ppl_core::transforms::{PositiveOrderedTransform, VectorTransform};
/// let t = PositiveOrderedTransform { k: 2 };
/// let mut y = [0.0; 2];
/// let log_j: f64 = t.constrain(&[0.0, 0.0], &mut y);
/// assert_eq!((y, log_j), ([1.0, 2.0], 0.0));
/// let mut x = [1.0; 2];
/// t.unconstrain(&y, &mut x).unwrap();
/// assert_eq!(x, [0.0, 0.0]);
/// assert!(t.unconstrain(&[-1.0, 2.0], &mut x).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositiveOrderedTransform {
    /// The length `K` of the vector.
    pub k: usize,
}

/// `y = cumulative sums` of `(first, e^(x₂), …)`; `ln J = Σ_{k≥2} xₖ` (+ `x₁` when positive).
#[inline]
fn constrain_ordered<S: Scalar>(positive: bool, x: &[S], y: &mut [S]) -> S {
    let Some((&x0, rest)) = x.split_first() else {
        return S::zero();
    };
    let mut log_jac = if positive { x0 } else { S::zero() };
    let mut acc = if positive { x0.exp() } else { x0 };
    y[0] = acc;
    for (&xk, yk) in rest.iter().zip(y[1..].iter_mut()) {
        acc += xk.exp();
        *yk = acc;
        log_jac += xk;
    }
    log_jac
}

#[inline]
fn constrain_ordered_vjp<S: Scalar>(
    positive: bool,
    x: &[S],
    y_bar: &[S],
    log_jac_bar: S,
    x_bar: &mut [S],
) {
    let mut suffix = S::zero();
    for k in (0..x.len()).rev() {
        suffix += y_bar[k];
        x_bar[k] += if k == 0 && !positive {
            suffix
        } else {
            x[k].exp() * suffix + log_jac_bar
        };
    }
}

fn unconstrain_ordered(
    what: &'static str,
    positive: bool,
    y: &[f64],
    x: &mut [f64],
    k: usize,
) -> Result<()> {
    check_len(what, "ordered vector", k, y.len())?;
    check_len(what, "unconstrained vector", k, x.len())?;
    let kind = if positive { "positive, " } else { "" };
    let requirement = |problem: String| {
        format!("an ordered vector of length {k} ({kind}strictly increasing, finite); {problem}")
    };
    for (i, &v) in y.iter().enumerate() {
        if !v.is_finite() {
            return Err(Error::OutOfSupport {
                what,
                value: v,
                requirement: requirement(format!("entry {i} is {v}")),
            });
        }
        if i > 0 && v <= y[i - 1] {
            return Err(Error::OutOfSupport {
                what,
                value: v,
                requirement: requirement(format!(
                    "entry {i} = {v} ≤ entry {} = {}",
                    i - 1,
                    y[i - 1]
                )),
            });
        }
    }
    if let Some(&y0) = y.first() {
        if positive && y0 <= 0.0 {
            return Err(Error::OutOfSupport {
                what,
                value: y0,
                requirement: requirement(format!("entry 0 = {y0} ≤ 0")),
            });
        }
        x[0] = if positive { y0.ln() } else { y0 };
    }
    for i in 1..k {
        x[i] = (y[i] - y[i - 1]).ln();
    }
    Ok(())
}

impl OrderedTransform {
    /// Number of unconstrained inputs, `K`.
    pub fn unconstrained_len(&self) -> usize {
        self.k
    }
    /// Number of constrained values, `K`.
    pub fn constrained_len(&self) -> usize {
        self.k
    }
    /// The inverse (see the type docs).
    pub fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        unconstrain_ordered("ordered transform", false, y, x, self.k)
    }
}

impl<S: Scalar> VectorTransform<S> for OrderedTransform {
    fn unconstrained_len(&self) -> usize {
        self.k
    }
    fn constrained_len(&self) -> usize {
        self.k
    }
    fn constrain(&self, x: &[S], y: &mut [S]) -> S {
        debug_assert!(x.len() == self.k && y.len() == self.k);
        constrain_ordered(false, x, y)
    }
    fn constrain_vjp(&self, x: &[S], _y: &[S], y_bar: &[S], log_jac_bar: S, x_bar: &mut [S]) {
        debug_assert!(x.len() == self.k && y_bar.len() == self.k && x_bar.len() == self.k);
        constrain_ordered_vjp(false, x, y_bar, log_jac_bar, x_bar)
    }
    fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        OrderedTransform::unconstrain(self, y, x)
    }
}

impl PositiveOrderedTransform {
    /// Number of unconstrained inputs, `K`.
    pub fn unconstrained_len(&self) -> usize {
        self.k
    }
    /// Number of constrained values, `K`.
    pub fn constrained_len(&self) -> usize {
        self.k
    }
    /// The inverse (see the type docs).
    pub fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        unconstrain_ordered("positive-ordered transform", true, y, x, self.k)
    }
}

impl<S: Scalar> VectorTransform<S> for PositiveOrderedTransform {
    fn unconstrained_len(&self) -> usize {
        self.k
    }
    fn constrained_len(&self) -> usize {
        self.k
    }
    fn constrain(&self, x: &[S], y: &mut [S]) -> S {
        debug_assert!(x.len() == self.k && y.len() == self.k);
        constrain_ordered(true, x, y)
    }
    fn constrain_vjp(&self, x: &[S], _y: &[S], y_bar: &[S], log_jac_bar: S, x_bar: &mut [S]) {
        debug_assert!(x.len() == self.k && y_bar.len() == self.k && x_bar.len() == self.k);
        constrain_ordered_vjp(true, x, y_bar, log_jac_bar, x_bar)
    }
    fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        PositiveOrderedTransform::unconstrain(self, y, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::transform_checks::*;
    use crate::testing::Domain;

    #[test]
    fn ordered_passes_the_transform_checks() {
        for k in 1..=5 {
            check_vector_transform(OrderedTransform { k }, Domain::Interval(-3.0, 3.0));
            check_vector_transform(PositiveOrderedTransform { k }, Domain::Interval(-3.0, 3.0));
        }
    }

    #[test]
    fn ordered_is_stable_at_extreme_arguments() {
        for k in 1..=5 {
            check_vector_extremes(OrderedTransform { k }, &EXTREME_U);
            check_vector_extremes(PositiveOrderedTransform { k }, &EXTREME_U);
        }
        // a gap below half an ulp rounds to equal entries: the closure, documented
        let mut y = [0.0; 2];
        OrderedTransform { k: 2 }.constrain(&[1e3, -40.0], &mut y);
        assert_eq!(y[0], y[1]);
    }

    #[test]
    fn ordered_rejects_unordered_vectors() {
        let mut x = [0.0; 3];
        let t = OrderedTransform { k: 3 };
        let err = t.unconstrain(&[0.0, 1.0, 1.0], &mut x).unwrap_err();
        assert!(
            err.to_string().contains("entry 2 = 1 ≤ entry 1 = 1"),
            "{err}"
        );
        let err = t
            .unconstrain(&[0.0, 1.0, f64::INFINITY], &mut x)
            .unwrap_err();
        assert!(matches!(
            err,
            Error::OutOfSupport {
                what: "ordered transform",
                ..
            }
        ));
        assert!(t.unconstrain(&[-5.0, -1.0, 1.0], &mut x).is_ok());
        let p = PositiveOrderedTransform { k: 3 };
        let err = p.unconstrain(&[-5.0, -1.0, 1.0], &mut x).unwrap_err();
        assert!(err.to_string().contains("entry 0 = -5 ≤ 0"), "{err}");
        let err = p.unconstrain(&[1.0, 0.5, 2.0], &mut x).unwrap_err();
        assert!(matches!(
            err,
            Error::OutOfSupport {
                what: "positive-ordered transform",
                ..
            }
        ));
        let err = p.unconstrain(&[1.0, 2.0], &mut x).unwrap_err();
        assert!(matches!(
            err,
            Error::DimensionMismatch {
                expected: 3,
                found: 2,
                ..
            }
        ));
    }
}
