//! The single mapping from a Support to its transform, used by sample sites.
//!
//! A sample site's distribution reports its [`Support`]; the functions here pick the
//! constraining transform for it, so generated code never matches on supports itself.
//!
//! # The mapping
//!
//! ```text
//! support              transform                        y = c(u)                    ln J
//! Real                 Identity                         u                           0
//! Positive             LowerBound { lo: 0 }             eᵘ                          u
//! LowerBounded(lo)     LowerBound { lo }                lo + eᵘ                     u
//! UpperBounded(hi)     UpperBound { hi }                hi - eᵘ                     u
//! Interval(lo, hi)     IntervalTransform { lo, hi }     lo + (hi-lo) σ(u)           ln(hi-lo) + ln σ(u) + ln σ(-u)
//! UnitInterval         IntervalTransform { 0, 1 }       σ(u)                        ln σ(u) + ln σ(-u)
//! Simplex(K)           StickBreaking { k: K }           K-1 reals → simplex         see StickBreaking
//! Ordered(K)           OrderedTransform { k: K }        cumulative x₁, +e^(xₖ)      Σ_{k≥2} xₖ
//! PositiveOrdered(K)   PositiveOrderedTransform { k }   cumulative e^(x₁), +e^(xₖ)  Σ xₖ
//! CorrCholesky(K)      CorrCholeskyTransform { k: K }   K(K-1)/2 reals → K×K        see CorrCholeskyTransform
//! CovCholesky(K)       CovCholeskyTransform { k: K }    K(K+1)/2 reals → K×K        Σ diagonal x
//! ```
//!
//! Infinite bounds fall back to the one-sided or identity transform, as in Stan:
//! `LowerBounded(-∞)` and `UpperBounded(+∞)` are `Real`, `Interval(lo, +∞)` is
//! `LowerBounded(lo)`, `Interval(-∞, hi)` is `UpperBounded(hi)`, `Interval(-∞, +∞)` is
//! `Real` (the unconstrained dimension stays 1).
//!
//! # Errors
//!
//! A vector support given to a scalar function (or a scalar support to a vector function)
//! and slices of the wrong length are [`Error::DimensionMismatch`]; values outside the
//! support given to the inverses are [`Error::OutOfSupport`], naming the support and the
//! problem. Bounds that make a support empty (`hi ≤ lo`) are not errors of `constrain`:
//! the log-Jacobian is `-∞` so the log density rejects the point.

use crate::ad::Scalar;
use crate::error::{Error, Result};
use crate::transforms::{
    CorrCholeskyTransform, CovCholeskyTransform, IntervalTransform, LowerBound, OrderedTransform,
    PositiveOrderedTransform, ScalarTransform, StickBreaking, Support, UpperBound, VectorTransform,
};

/// Tolerance of the inverses on the defining equalities of a support: a simplex's sum and
/// the unit rows of a correlation Cholesky factor (Stan's `CONSTRAINT_TOLERANCE`, `1e-8`).
pub const CONSTRAINT_TOLERANCE: f64 = 1e-8;

/// `Err(DimensionMismatch)` unless `found == expected`.
pub(crate) fn check_len(what: &str, which: &str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::DimensionMismatch {
            what: format!("{what}: {which}"),
            expected,
            found,
        })
    }
}

/// The identity transform of ℝ (support `Real`).
///
/// # Formula
///
/// ```text
/// y = u    ln J = 0    ∂y/∂u = 1    inverse: u = y (an error unless y is finite)
/// ```
///
/// # Examples
///
/// ```
/// use ppl_core::transforms::{Identity, ScalarTransform};
/// assert_eq!(Identity.constrain(1.5), (1.5, 0.0));
/// assert_eq!(Identity.constrain_vjp(1.5, 2.0, 3.0).0, 2.0);
/// assert!(Identity.unconstrain(f64::NAN).is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Identity;

impl Identity {
    /// The inverse: `y` itself, an error unless `y` is finite.
    pub fn unconstrain(&self, y: f64) -> Result<f64> {
        if y.is_finite() {
            Ok(y)
        } else {
            Err(Error::OutOfSupport {
                what: "identity transform",
                value: y,
                requirement: "(-∞, ∞)".into(),
            })
        }
    }
}

impl<S: Scalar> ScalarTransform<S> for Identity {
    #[inline]
    fn constrain(&self, x: S) -> (S, S) {
        (x, S::zero())
    }
    #[inline]
    fn constrain_vjp(&self, _x: S, y_bar: S, _log_jac_bar: S) -> (S, Self) {
        (y_bar, Identity)
    }
    fn unconstrain(&self, y: f64) -> Result<f64> {
        Identity::unconstrain(self, y)
    }
}

/// The transform of a scalar support (see the module docs for the mapping); its reverse
/// rule returns the bound adjoints in the same variant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScalarSupportTransform<S> {
    /// `Real`, and supports whose bounds are infinite.
    Identity(Identity),
    /// `Positive` and `LowerBounded`.
    LowerBound(LowerBound<S>),
    /// `UpperBounded`.
    UpperBound(UpperBound<S>),
    /// `Interval` and `UnitInterval`.
    Interval(IntervalTransform<S>),
}

impl<S: Scalar> ScalarSupportTransform<S> {
    /// The bound adjoints `(lo_bar, hi_bar)` held by the reverse rule's result (zero for a
    /// bound the transform does not have).
    pub fn bounds(&self) -> (S, S) {
        match *self {
            ScalarSupportTransform::Identity(_) => (S::zero(), S::zero()),
            ScalarSupportTransform::LowerBound(t) => (t.lo, S::zero()),
            ScalarSupportTransform::UpperBound(t) => (S::zero(), t.hi),
            ScalarSupportTransform::Interval(t) => (t.lo, t.hi),
        }
    }
}

impl<S: Scalar> ScalarTransform<S> for ScalarSupportTransform<S> {
    #[inline]
    fn constrain(&self, x: S) -> (S, S) {
        match self {
            ScalarSupportTransform::Identity(t) => t.constrain(x),
            ScalarSupportTransform::LowerBound(t) => t.constrain(x),
            ScalarSupportTransform::UpperBound(t) => t.constrain(x),
            ScalarSupportTransform::Interval(t) => t.constrain(x),
        }
    }
    #[inline]
    fn constrain_vjp(&self, x: S, y_bar: S, log_jac_bar: S) -> (S, Self) {
        match self {
            ScalarSupportTransform::Identity(t) => {
                let (xb, tb) = t.constrain_vjp(x, y_bar, log_jac_bar);
                (xb, ScalarSupportTransform::Identity(tb))
            }
            ScalarSupportTransform::LowerBound(t) => {
                let (xb, tb) = t.constrain_vjp(x, y_bar, log_jac_bar);
                (xb, ScalarSupportTransform::LowerBound(tb))
            }
            ScalarSupportTransform::UpperBound(t) => {
                let (xb, tb) = t.constrain_vjp(x, y_bar, log_jac_bar);
                (xb, ScalarSupportTransform::UpperBound(tb))
            }
            ScalarSupportTransform::Interval(t) => {
                let (xb, tb) = t.constrain_vjp(x, y_bar, log_jac_bar);
                (xb, ScalarSupportTransform::Interval(tb))
            }
        }
    }
    fn unconstrain(&self, y: f64) -> Result<f64> {
        match self {
            ScalarSupportTransform::Identity(t) => t.unconstrain(y),
            ScalarSupportTransform::LowerBound(t) => t.unconstrain(y),
            ScalarSupportTransform::UpperBound(t) => t.unconstrain(y),
            ScalarSupportTransform::Interval(t) => t.unconstrain(y),
        }
    }
}

/// `y[i] = c(x[i])` for each `i` through the transform `t`, returning `Σᵢ ln J(x[i])`
/// (over the shorter of the two slices).
#[inline(always)]
fn constrain_each<S: Scalar, T: ScalarTransform<S>>(t: T, x: &[S], y: &mut [S]) -> S {
    let mut log_jac = S::zero();
    for (yi, &xi) in y.iter_mut().zip(x) {
        let (v, l) = t.constrain(xi);
        *yi = v;
        log_jac += l;
    }
    log_jac
}

/// `put(&mut x_bar[i], ∂/∂x[i])` for each `i` through the transform `t`; returns the
/// transform adjoints summed over the elements.
#[inline(always)]
fn constrain_vjp_each<S: Scalar, T: ScalarTransform<S>>(
    t: T,
    x: &[S],
    y_bar: &[S],
    log_jac_bar: S,
    x_bar: &mut [S],
    put: impl Fn(&mut S, S),
    mut add: impl FnMut(&mut (S, S), T),
) -> (S, S) {
    let mut bounds = (S::zero(), S::zero());
    for ((xb, &xi), &yb) in x_bar.iter_mut().zip(x).zip(y_bar) {
        let (b, tb) = t.constrain_vjp(xi, yb, log_jac_bar);
        put(xb, b);
        add(&mut bounds, tb);
    }
    bounds
}

impl<S: Scalar> ScalarSupportTransform<S> {
    /// The transform applied to every element: `y[i] = c(x[i])`, returning `Σᵢ ln J(x[i])`.
    /// Matches on the transform once, so each variant's loop is tight (the identity is a
    /// copy). Works over the shorter of the two slices.
    ///
    /// ```
    /// use ppl_core::transforms::{scalar_transform, Support};
    /// let t = scalar_transform(Support::<f64>::Positive).unwrap();
    /// let mut y = [0.0; 2];
    /// let log_jac = t.constrain_slice(&[0.0, 1.0], &mut y);
    /// assert_eq!((y, log_jac), ([1.0, 1f64.exp()], 1.0));
    /// ```
    #[inline]
    pub fn constrain_slice(&self, x: &[S], y: &mut [S]) -> S {
        match *self {
            ScalarSupportTransform::Identity(_) => {
                let n = x.len().min(y.len());
                y[..n].copy_from_slice(&x[..n]);
                S::zero()
            }
            ScalarSupportTransform::LowerBound(t) => constrain_each(t, x, y),
            ScalarSupportTransform::UpperBound(t) => constrain_each(t, x, y),
            ScalarSupportTransform::Interval(t) => constrain_each(t, x, y),
        }
    }

    /// The constrained values of `x` and `Σᵢ ln J(x[i])`: `x` itself for the identity (no
    /// copy), else `buf` filled by [`ScalarSupportTransform::constrain_slice`]. Works over
    /// the shorter of the two slices.
    ///
    /// ```
    /// use ppl_core::transforms::{scalar_transform, Support};
    /// let mut buf = [0.0; 2];
    /// let real = scalar_transform(Support::<f64>::Real).unwrap();
    /// assert_eq!(real.constrained_values(&[0.5, -1.0], &mut buf), (&[0.5, -1.0][..], 0.0));
    /// let positive = scalar_transform(Support::<f64>::Positive).unwrap();
    /// let (y, log_jac) = positive.constrained_values(&[0.0, 1.0], &mut buf);
    /// assert_eq!((y, log_jac), (&[1.0, 1f64.exp()][..], 1.0));
    /// ```
    #[inline]
    pub fn constrained_values<'a>(&self, x: &'a [S], buf: &'a mut [S]) -> (&'a [S], S) {
        let n = x.len().min(buf.len());
        match *self {
            ScalarSupportTransform::Identity(_) => (&x[..n], S::zero()),
            _ => {
                let log_jac = self.constrain_slice(x, buf);
                (&buf[..n], log_jac)
            }
        }
    }

    /// Reverse rule of [`ScalarSupportTransform::constrain_slice`]: `x_bar[i] +=` the
    /// adjoint of `x[i]` given `y_bar[i]` and the adjoint `log_jac_bar` of the summed
    /// log-Jacobian; returns the bound adjoints `(lo_bar, hi_bar)` summed over the elements
    /// (zero for a bound the transform does not have).
    ///
    /// ```
    /// use ppl_core::transforms::{scalar_transform, Support};
    /// let t = scalar_transform(Support::LowerBounded(1.0)).unwrap();
    /// let mut x_bar = [0.0; 2];
    /// let (lo_bar, hi_bar) = t.constrain_vjp_slice(&[0.0, 0.0], &[2.0, 3.0], 1.0, &mut x_bar);
    /// assert_eq!((x_bar, lo_bar, hi_bar), ([3.0, 4.0], 5.0, 0.0));
    /// ```
    #[inline]
    pub fn constrain_vjp_slice(
        &self,
        x: &[S],
        y_bar: &[S],
        log_jac_bar: S,
        x_bar: &mut [S],
    ) -> (S, S) {
        self.vjp_slice_with(x, y_bar, log_jac_bar, x_bar, |xb, b| *xb += b)
    }

    /// [`ScalarSupportTransform::constrain_vjp_slice`] writing `x_bar[i] =` the adjoint
    /// instead of adding it: for a caller whose `x_bar` receives nothing else (a gradient's
    /// coordinates of one sample site), which then need not be zeroed first.
    ///
    /// ```
    /// use ppl_core::transforms::{scalar_transform, Support};
    /// let t = scalar_transform(Support::LowerBounded(1.0)).unwrap();
    /// let mut x_bar = [7.0; 2];
    /// let (lo_bar, _) = t.constrain_vjp_slice_set(&[0.0, 0.0], &[2.0, 3.0], 1.0, &mut x_bar);
    /// assert_eq!((x_bar, lo_bar), ([3.0, 4.0], 5.0));
    /// ```
    #[inline]
    pub fn constrain_vjp_slice_set(
        &self,
        x: &[S],
        y_bar: &[S],
        log_jac_bar: S,
        x_bar: &mut [S],
    ) -> (S, S) {
        self.vjp_slice_with(x, y_bar, log_jac_bar, x_bar, |xb, b| *xb = b)
    }

    /// The reverse rule over slices, each element's adjoint handed to `put`.
    #[inline(always)]
    fn vjp_slice_with(
        &self,
        x: &[S],
        y_bar: &[S],
        log_jac_bar: S,
        x_bar: &mut [S],
        put: impl Fn(&mut S, S),
    ) -> (S, S) {
        match *self {
            ScalarSupportTransform::Identity(_) => {
                for (xb, &yb) in x_bar.iter_mut().zip(y_bar).take(x.len()) {
                    put(xb, yb);
                }
                (S::zero(), S::zero())
            }
            ScalarSupportTransform::LowerBound(t) => {
                constrain_vjp_each(t, x, y_bar, log_jac_bar, x_bar, put, |b, tb| b.0 += tb.lo)
            }
            ScalarSupportTransform::UpperBound(t) => {
                constrain_vjp_each(t, x, y_bar, log_jac_bar, x_bar, put, |b, tb| b.1 += tb.hi)
            }
            ScalarSupportTransform::Interval(t) => {
                constrain_vjp_each(t, x, y_bar, log_jac_bar, x_bar, put, |b, tb| {
                    b.0 += tb.lo;
                    b.1 += tb.hi;
                })
            }
        }
    }
}

/// The transform of a scalar support; [`Error::DimensionMismatch`] for a vector support.
///
/// ```
/// use ppl_core::transforms::{scalar_transform, ScalarTransform, Support};
/// let t = scalar_transform(Support::Interval(0.0, f64::INFINITY)).unwrap();
/// assert_eq!(t.constrain(0.0), (1.0, 0.0));            // Interval(0, ∞) is Positive
/// assert!(scalar_transform(Support::<f64>::Simplex(3)).is_err());
/// ```
#[inline]
pub fn scalar_transform<S: Scalar>(support: Support<S>) -> Result<ScalarSupportTransform<S>> {
    let neg_inf = |b: S| b.value() == f64::NEG_INFINITY;
    let pos_inf = |b: S| b.value() == f64::INFINITY;
    Ok(match support {
        Support::Real => ScalarSupportTransform::Identity(Identity),
        Support::Positive => ScalarSupportTransform::LowerBound(LowerBound::positive()),
        Support::LowerBounded(lo) if neg_inf(lo) => ScalarSupportTransform::Identity(Identity),
        Support::LowerBounded(lo) => ScalarSupportTransform::LowerBound(LowerBound::new(lo)),
        Support::UpperBounded(hi) if pos_inf(hi) => ScalarSupportTransform::Identity(Identity),
        Support::UpperBounded(hi) => ScalarSupportTransform::UpperBound(UpperBound::new(hi)),
        Support::Interval(lo, hi) => match (neg_inf(lo), pos_inf(hi)) {
            (true, true) => ScalarSupportTransform::Identity(Identity),
            (true, false) => ScalarSupportTransform::UpperBound(UpperBound::new(hi)),
            (false, true) => ScalarSupportTransform::LowerBound(LowerBound::new(lo)),
            (false, false) => ScalarSupportTransform::Interval(IntervalTransform::new(lo, hi)),
        },
        Support::UnitInterval => ScalarSupportTransform::Interval(IntervalTransform::unit()),
        Support::Simplex(_)
        | Support::Ordered(_)
        | Support::PositiveOrdered(_)
        | Support::CorrCholesky(_)
        | Support::CovCholesky(_) => return Err(not_scalar(support)),
    })
}

/// The error of [`scalar_transform`] for a vector support (out of line: the hot path of
/// the lookup stays small enough to inline).
#[cold]
#[inline(never)]
fn not_scalar<S: Scalar>(support: Support<S>) -> Error {
    Error::DimensionMismatch {
        what: format!(
            "a scalar transform was asked for the vector support `{}`",
            support.describe()
        ),
        expected: 1,
        found: support.constrained_len(),
    }
}

/// The transform of a vector support (see the module docs for the mapping).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VectorSupportTransform {
    /// `Simplex(K)`.
    Simplex(StickBreaking),
    /// `Ordered(K)`.
    Ordered(OrderedTransform),
    /// `PositiveOrdered(K)`.
    PositiveOrdered(PositiveOrderedTransform),
    /// `CorrCholesky(K)`.
    CorrCholesky(CorrCholeskyTransform),
    /// `CovCholesky(K)`.
    CovCholesky(CovCholeskyTransform),
}

macro_rules! dispatch_vector {
    ($self:expr, $t:ident => $body:expr) => {
        match $self {
            VectorSupportTransform::Simplex($t) => $body,
            VectorSupportTransform::Ordered($t) => $body,
            VectorSupportTransform::PositiveOrdered($t) => $body,
            VectorSupportTransform::CorrCholesky($t) => $body,
            VectorSupportTransform::CovCholesky($t) => $body,
        }
    };
}

impl VectorSupportTransform {
    /// Number of unconstrained inputs.
    pub fn unconstrained_len(&self) -> usize {
        dispatch_vector!(self, t => t.unconstrained_len())
    }
    /// Number of constrained values.
    pub fn constrained_len(&self) -> usize {
        dispatch_vector!(self, t => t.constrained_len())
    }
    /// The inverse of the chosen transform.
    pub fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        dispatch_vector!(self, t => t.unconstrain(y, x))
    }
}

impl<S: Scalar> VectorTransform<S> for VectorSupportTransform {
    fn unconstrained_len(&self) -> usize {
        VectorSupportTransform::unconstrained_len(self)
    }
    fn constrained_len(&self) -> usize {
        VectorSupportTransform::constrained_len(self)
    }
    #[inline]
    fn constrain(&self, x: &[S], y: &mut [S]) -> S {
        dispatch_vector!(self, t => t.constrain(x, y))
    }
    #[inline]
    fn constrain_vjp(&self, x: &[S], y: &[S], y_bar: &[S], log_jac_bar: S, x_bar: &mut [S]) {
        dispatch_vector!(self, t => t.constrain_vjp(x, y, y_bar, log_jac_bar, x_bar))
    }
    fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        VectorSupportTransform::unconstrain(self, y, x)
    }
}

/// The transform of a vector support; [`Error::DimensionMismatch`] for a scalar support.
///
/// ```
/// use ppl_core::transforms::{vector_transform, Support};
/// let t = vector_transform(Support::<f64>::Simplex(3)).unwrap();
/// assert_eq!(t.unconstrained_len(), 2);
/// assert!(vector_transform(Support::<f64>::Positive).is_err());
/// ```
pub fn vector_transform<S: Scalar>(support: Support<S>) -> Result<VectorSupportTransform> {
    Ok(match support {
        Support::Simplex(k) => VectorSupportTransform::Simplex(StickBreaking { k }),
        Support::Ordered(k) => VectorSupportTransform::Ordered(OrderedTransform { k }),
        Support::PositiveOrdered(k) => {
            VectorSupportTransform::PositiveOrdered(PositiveOrderedTransform { k })
        }
        Support::CorrCholesky(k) => {
            VectorSupportTransform::CorrCholesky(CorrCholeskyTransform { k })
        }
        Support::CovCholesky(k) => VectorSupportTransform::CovCholesky(CovCholeskyTransform { k }),
        Support::Real
        | Support::Positive
        | Support::LowerBounded(_)
        | Support::UpperBounded(_)
        | Support::Interval(..)
        | Support::UnitInterval => {
            return Err(Error::DimensionMismatch {
                what: format!(
                    "a vector transform was asked for the scalar support `{}` \
                     (constrain each element with the scalar transform)",
                    support.describe()
                ),
                expected: 1,
                found: 1,
            })
        }
    })
}

/// `(y, ln J)` for one unconstrained real of a scalar support.
///
/// # Examples
///
/// ```
/// use ppl_core::transforms::{constrain_scalar, Support};
/// let (y, log_j) = constrain_scalar(Support::LowerBounded(1.0), 0.0).unwrap();
/// assert_eq!((y, log_j), (2.0, 0.0));
/// let (y, _) = constrain_scalar(Support::<f64>::UnitInterval, 0.0).unwrap();
/// assert_eq!(y, 0.5);
/// assert!(constrain_scalar(Support::<f64>::Ordered(2), 0.0).is_err());
/// ```
#[inline(always)]
pub fn constrain_scalar<S: Scalar>(support: Support<S>, x: S) -> Result<(S, S)> {
    Ok(scalar_transform(support)?.constrain(x))
}

/// `ln y` of the value `y` that [`constrain_scalar`] gives for `x`, when the transform has
/// it without a logarithm: `Some(x)` for [`Support::Positive`] (`y = eˣ`), else `None`.
/// Sample sites pass it to
/// [`lpdf_grad_ln`](crate::distributions::ContinuousDistribution::lpdf_grad_ln).
///
/// ```
/// use ppl_core::transforms::{constrain_scalar, known_ln_value, Support};
/// let (y, _) = constrain_scalar(Support::Positive, 0.3).unwrap();
/// assert_eq!(known_ln_value(Support::Positive, 0.3), Some(0.3));
/// assert!((y.ln() - 0.3).abs() < 1e-15);
/// assert_eq!(known_ln_value(Support::LowerBounded(1.0), 0.3), None);
/// ```
#[inline(always)]
pub fn known_ln_value<S: Scalar>(support: Support<S>, x: S) -> Option<S> {
    match support {
        Support::Positive => Some(x),
        _ => None,
    }
}

/// Reverse rule of [`constrain_scalar`]: `(x_bar, lo_bar, hi_bar)` given the adjoints of
/// `y` and of `ln J`; a bound the support does not have gets `0` (so does a bound that is
/// infinite).
///
/// ```
/// use ppl_core::transforms::{constrain_scalar_vjp, Support};
/// let (xb, lo_b, hi_b) = constrain_scalar_vjp(Support::Interval(0.0, 2.0), 0.0, 1.0, 0.0).unwrap();
/// assert_eq!((xb, lo_b, hi_b), (0.5, 0.5, 0.5));    // 2·¼, σ(-0), σ(0)
/// ```
#[inline(always)]
pub fn constrain_scalar_vjp<S: Scalar>(
    support: Support<S>,
    x: S,
    y_bar: S,
    log_jac_bar: S,
) -> Result<(S, S, S)> {
    let (x_bar, t_bar) = scalar_transform(support)?.constrain_vjp(x, y_bar, log_jac_bar);
    let (lo_bar, hi_bar) = t_bar.bounds();
    Ok((x_bar, lo_bar, hi_bar))
}

/// The unconstrained value of `y`; [`Error::OutOfSupport`] when `y` is outside the support.
///
/// ```
/// use ppl_core::transforms::{unconstrain_scalar, Support};
/// assert_eq!(unconstrain_scalar(Support::Positive, 1.0).unwrap(), 0.0);
/// assert!(unconstrain_scalar(Support::Positive, -1.0).is_err());
/// ```
pub fn unconstrain_scalar(support: Support<f64>, y: f64) -> Result<f64> {
    scalar_transform(support)?.unconstrain(y)
}

/// Writes `y = c(x)` for a vector support and returns `ln J`; [`Error::DimensionMismatch`]
/// for slices of the wrong length or a scalar support.
///
/// ```
/// use ppl_core::transforms::{constrain_vector, Support};
/// let mut y = [0.0; 2];
/// let log_j = constrain_vector(Support::Ordered(2), &[1.0, 0.0], &mut y).unwrap();
/// assert_eq!((y, log_j), ([1.0, 2.0], 0.0));
/// assert!(constrain_vector(Support::Ordered(2), &[1.0], &mut y).is_err());
/// ```
#[inline]
pub fn constrain_vector<S: Scalar>(support: Support<S>, x: &[S], y: &mut [S]) -> Result<S> {
    let t = vector_transform(support)?;
    let what = "constrain_vector";
    check_len(
        what,
        "unconstrained input",
        support.unconstrained_len(),
        x.len(),
    )?;
    check_len(
        what,
        "constrained output",
        support.constrained_len(),
        y.len(),
    )?;
    Ok(t.constrain(x, y))
}

/// Reverse rule of [`constrain_vector`]: accumulates the adjoint of `x` into `x_bar`,
/// given `y = c(x)` and the adjoints `y_bar` and `log_jac_bar`. Allocates nothing.
///
/// ```
/// use ppl_core::transforms::{constrain_vector_vjp, Support};
/// let mut x_bar = [0.0; 2];
/// constrain_vector_vjp(Support::Ordered(2), &[1.0, 0.0], &[1.0, 2.0], &[0.0, 1.0], 1.0, &mut x_bar)
///     .unwrap();
/// assert_eq!(x_bar, [1.0, 2.0]);   // ∂y₂/∂x₁ = 1; ∂y₂/∂x₂ = e⁰, plus ∂lnJ/∂x₂ = 1
/// ```
#[inline]
pub fn constrain_vector_vjp<S: Scalar>(
    support: Support<S>,
    x: &[S],
    y: &[S],
    y_bar: &[S],
    log_jac_bar: S,
    x_bar: &mut [S],
) -> Result<()> {
    let t = vector_transform(support)?;
    let (n, m) = (support.unconstrained_len(), support.constrained_len());
    let what = "constrain_vector_vjp";
    check_len(what, "unconstrained input", n, x.len())?;
    check_len(what, "constrained value", m, y.len())?;
    check_len(what, "adjoint of the constrained value", m, y_bar.len())?;
    check_len(what, "adjoint of the unconstrained input", n, x_bar.len())?;
    t.constrain_vjp(x, y, y_bar, log_jac_bar, x_bar);
    Ok(())
}

/// Writes the unconstrained values of `y` into `x`; [`Error::OutOfSupport`] naming the
/// problem when `y` is outside the support, [`Error::DimensionMismatch`] for wrong lengths.
///
/// ```
/// use ppl_core::transforms::{unconstrain_vector, Support};
/// let mut x = [0.0; 2];
/// unconstrain_vector(Support::PositiveOrdered(2), &[1.0, 2.0], &mut x).unwrap();
/// assert_eq!(x, [0.0, 0.0]);
/// assert!(unconstrain_vector(Support::Simplex(3), &[0.5, 0.5, 0.5], &mut x).is_err());
/// ```
pub fn unconstrain_vector(support: Support<f64>, y: &[f64], x: &mut [f64]) -> Result<()> {
    vector_transform(support)?.unconstrain(y, x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::testing::transform_checks::*;
    use crate::testing::Domain;

    /// `Support::Interval(lo, hi)` through the mapping, as a transform family.
    struct SupportInterval;

    impl ScalarTransformFamily for SupportInterval {
        type Of<S: Scalar> = ScalarSupportTransform<S>;
        const NAME: &'static str = "Support::Interval via scalar_transform";
        const N_BOUNDS: usize = 2;
        fn with_bounds<S: Scalar>(bounds: &[S]) -> ScalarSupportTransform<S> {
            scalar_transform(Support::Interval(bounds[0], bounds[1])).unwrap()
        }
        fn bounds<S: Scalar>(t: &ScalarSupportTransform<S>) -> Vec<S> {
            let (lo, hi) = t.bounds();
            vec![lo, hi]
        }
        fn support(bounds: &[f64]) -> Support<f64> {
            Support::Interval(bounds[0], bounds[1])
        }
    }

    #[test]
    fn the_mapping_passes_the_transform_checks() {
        let u = Domain::Interval(-5.0, 5.0);
        check_scalar_transform::<SupportInterval>(
            &[Domain::Interval(-2.0, -1.0), Domain::Interval(1.0, 3.0)],
            u,
        );
        for support in [
            Support::<f64>::Simplex(4),
            Support::Ordered(3),
            Support::PositiveOrdered(3),
            Support::CorrCholesky(3),
            Support::CovCholesky(3),
        ] {
            let t = vector_transform(support).unwrap();
            check_vector_transform(t, Domain::Interval(-2.0, 2.0));
        }
    }

    #[test]
    fn identity_passes_the_transform_checks() {
        check_scalar_transform::<Identity>(&[], Domain::Interval(-50.0, 50.0));
        check_scalar_extremes::<Identity>(&[], &EXTREME_U);
        assert!(Identity.unconstrain(f64::NEG_INFINITY).is_err());
    }

    #[test]
    fn scalar_supports_map_to_their_transforms() {
        let x = 0.3;
        let cases: [(Support<f64>, (f64, f64)); 9] = [
            (Support::Real, (x, 0.0)),
            (Support::Positive, (x.exp(), x)),
            (Support::LowerBounded(2.0), (2.0 + x.exp(), x)),
            (Support::UpperBounded(2.0), (2.0 - x.exp(), x)),
            (Support::LowerBounded(f64::NEG_INFINITY), (x, 0.0)),
            (Support::UpperBounded(f64::INFINITY), (x, 0.0)),
            (
                Support::Interval(f64::NEG_INFINITY, 1.0),
                (1.0 - x.exp(), x),
            ),
            (Support::Interval(-1.0, f64::INFINITY), (-1.0 + x.exp(), x)),
            (
                Support::Interval(f64::NEG_INFINITY, f64::INFINITY),
                (x, 0.0),
            ),
        ];
        for (support, expected) in cases {
            assert_eq!(
                constrain_scalar(support, x).unwrap(),
                expected,
                "{support:?}"
            );
            let back = unconstrain_scalar(support, expected.0).unwrap();
            assert!((back - x).abs() < 1e-15, "{support:?}");
        }
        let direct = IntervalTransform::new(-1.0, 4.0).constrain(x);
        assert_eq!(
            constrain_scalar(Support::Interval(-1.0, 4.0), x).unwrap(),
            direct
        );
        let unit = IntervalTransform::<f64>::unit().constrain(x);
        assert_eq!(constrain_scalar(Support::UnitInterval, x).unwrap(), unit);
    }

    #[test]
    fn slice_forms_match_the_elementwise_rules() {
        let x = [0.3, -1.2, 2.5, 0.0, -0.7];
        let (yb, lb) = ([0.7, -0.2, 1.3, 0.4, -2.0], -0.3);
        for support in [
            Support::Real,
            Support::Positive,
            Support::LowerBounded(2.0),
            Support::UpperBounded(-1.0),
            Support::Interval(-1.0, 4.0),
            Support::UnitInterval,
        ] {
            let t = scalar_transform(support).unwrap();
            let mut y = [9.0; 5];
            let log_jac = t.constrain_slice(&x, &mut y);
            let mut x_bar = [1.0; 5];
            let (lo_bar, hi_bar) = t.constrain_vjp_slice(&x, &yb, lb, &mut x_bar);
            let (mut lj, mut lo, mut hi) = (0.0, 0.0, 0.0);
            for k in 0..x.len() {
                let (v, l) = constrain_scalar(support, x[k]).unwrap();
                assert_eq!(y[k], v, "{support:?}");
                lj += l;
                let (xb, l_b, h_b) = constrain_scalar_vjp(support, x[k], yb[k], lb).unwrap();
                assert_eq!(x_bar[k], 1.0 + xb, "{support:?}");
                lo += l_b;
                hi += h_b;
            }
            assert_eq!((log_jac, lo_bar, hi_bar), (lj, lo, hi), "{support:?}");
        }
        // On Dual: the same rules, tangents included.
        let t = scalar_transform(Support::Interval(Dual::new(-1.0, 1.0), Dual::cst(2.0))).unwrap();
        let xd = [Dual::new(0.3, 1.0), Dual::new(-0.5, 0.0)];
        let mut y = [Dual::cst(0.0); 2];
        let log_jac = t.constrain_slice(&xd, &mut y);
        let (v0, l0) = t.constrain(xd[0]);
        let (v1, l1) = t.constrain(xd[1]);
        assert_eq!((y[0], y[1], log_jac), (v0, v1, l0 + l1));
    }

    #[test]
    fn scalar_reverse_rule_places_the_bound_adjoints() {
        let (x, yb, lb) = (0.4, 0.7, -0.3);
        let (xb, lo_b, hi_b) = constrain_scalar_vjp(Support::LowerBounded(1.0), x, yb, lb).unwrap();
        assert_eq!((xb, lo_b, hi_b), (yb * x.exp() + lb, yb, 0.0));
        let (xb, lo_b, hi_b) = constrain_scalar_vjp(Support::UpperBounded(1.0), x, yb, lb).unwrap();
        assert_eq!((xb, lo_b, hi_b), (lb - yb * x.exp(), 0.0, yb));
        let (xb, t) = IntervalTransform::new(-1.0, 2.0).constrain_vjp(x, yb, lb);
        let got = constrain_scalar_vjp(Support::Interval(-1.0, 2.0), x, yb, lb).unwrap();
        assert_eq!(got, (xb, t.lo, t.hi));
        let got = constrain_scalar_vjp(Support::Interval(-1.0, f64::INFINITY), x, yb, lb).unwrap();
        assert_eq!(got, (yb * x.exp() + lb, yb, 0.0));
        assert_eq!(
            constrain_scalar_vjp(Support::Real, x, yb, lb).unwrap(),
            (yb, 0.0, 0.0)
        );
        // on Dual (second order)
        let s = Support::Interval(Dual::new(-1.0, 1.0), Dual::new(2.0, 0.0));
        let (xb, _, _) =
            constrain_scalar_vjp(s, Dual::new(x, 1.0), Dual::cst(1.0), Dual::cst(0.0)).unwrap();
        assert!(xb.v.is_finite() && xb.d.is_finite());
    }

    #[test]
    fn vector_supports_map_to_their_transforms() {
        let x = [0.2, -0.4, 0.9];
        let mut y = [0.0; 4];
        let mut y_direct = [0.0; 4];
        let lj = constrain_vector(Support::Simplex(4), &x, &mut y).unwrap();
        let lj_direct = StickBreaking { k: 4 }.constrain(&x, &mut y_direct);
        assert_eq!((y, lj), (y_direct, lj_direct));
        let mut xb = [0.0; 3];
        let yb = [1.0, -2.0, 0.5, 0.3];
        constrain_vector_vjp(Support::Simplex(4), &x, &y, &yb, 0.7, &mut xb).unwrap();
        let mut xb_direct = [0.0; 3];
        StickBreaking { k: 4 }.constrain_vjp(&x, &y, &yb, 0.7, &mut xb_direct);
        assert_eq!(xb, xb_direct);
        let mut back = [0.0; 3];
        unconstrain_vector(Support::Simplex(4), &y, &mut back).unwrap();
        for (a, b) in back.iter().zip(&x) {
            assert!((a - b).abs() < 1e-14);
        }
        let mut y9 = [0.0; 9];
        constrain_vector(Support::CorrCholesky(3), &x, &mut y9).unwrap();
        assert_eq!(y9[0], 1.0);
        let mut x6 = [0.1; 6];
        constrain_vector(Support::CovCholesky(3), &[0.0; 6], &mut y9).unwrap();
        assert_eq!(y9, [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
        unconstrain_vector(Support::CovCholesky(3), &y9, &mut x6).unwrap();
        assert_eq!(x6, [0.0; 6]);
    }

    #[test]
    fn kinds_and_lengths_are_checked() {
        let err = constrain_scalar(Support::<f64>::Simplex(3), 0.0).unwrap_err();
        assert!(
            matches!(
                err,
                Error::DimensionMismatch {
                    expected: 1,
                    found: 3,
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("simplex of dimension 3"), "{err}");
        assert!(constrain_scalar_vjp(Support::<f64>::CorrCholesky(2), 0.0, 1.0, 1.0).is_err());
        assert!(unconstrain_scalar(Support::CovCholesky(2), 1.0).is_err());
        let mut y = [0.0; 2];
        let err = constrain_vector(Support::Positive, &[0.0], &mut y[..1]).unwrap_err();
        assert!(err.to_string().contains("scalar support `(0, ∞)`"), "{err}");
        assert!(unconstrain_vector(Support::Real, &[0.0], &mut [0.0]).is_err());
        let mut xb = [0.0; 2];
        assert!(constrain_vector_vjp(
            Support::Interval(0.0, 1.0),
            &[0.0],
            &[0.5],
            &[1.0],
            0.0,
            &mut xb[..1]
        )
        .is_err());
        let err = constrain_vector(Support::Simplex(3), &[0.0; 3], &mut [0.0; 3]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::DimensionMismatch {
                    expected: 2,
                    found: 3,
                    ..
                }
            ),
            "{err}"
        );
        let err = constrain_vector(Support::Simplex(3), &[0.0; 2], &mut y).unwrap_err();
        assert!(
            matches!(
                err,
                Error::DimensionMismatch {
                    expected: 3,
                    found: 2,
                    ..
                }
            ),
            "{err}"
        );
        let err = constrain_vector_vjp(
            Support::Ordered(2),
            &[0.0; 2],
            &[0.0, 1.0],
            &[1.0],
            0.0,
            &mut xb,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("adjoint of the constrained value"),
            "{err}"
        );
        let err = unconstrain_vector(Support::Simplex(2), &[0.5, 0.5], &mut [0.0; 2]).unwrap_err();
        assert!(
            matches!(
                err,
                Error::DimensionMismatch {
                    expected: 1,
                    found: 2,
                    ..
                }
            ),
            "{err}"
        );
        let err = unconstrain_scalar(Support::Interval(0.0, 1.0), 1.5).unwrap_err();
        assert!(matches!(err, Error::OutOfSupport { .. }) && err.to_string().contains("(0, 1)"));
        assert!(unconstrain_scalar(Support::Real, f64::INFINITY).is_err());
    }
}
