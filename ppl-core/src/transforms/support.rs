//! The `Support` of a distribution: the set its values live in, which chooses the
//! constraining transform of a sample site.

use crate::ad::Scalar;

/// The support of a parameter, with its bounds (which may be parameters themselves).
///
/// The variants double as the arguments of `Flat(support)`: `Flat(Positive)`,
/// `Flat(Interval(0.0, 1.0 - alpha1))`, `Flat(PositiveOrdered(2))`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Support<S> {
    /// All of ℝ (identity transform).
    Real,
    /// `(0, ∞)` (`x = exp(u)`).
    Positive,
    /// `(lo, ∞)` (`x = lo + exp(u)`).
    LowerBounded(S),
    /// `(-∞, hi)` (`x = hi - exp(u)`).
    UpperBounded(S),
    /// `(lo, hi)` (`x = lo + (hi - lo) · logistic(u)`).
    Interval(S, S),
    /// `(0, 1)` (`x = logistic(u)`).
    UnitInterval,
    /// The probability simplex of dimension `K` (`K - 1` unconstrained reals, stick-breaking).
    Simplex(usize),
    /// Strictly increasing vectors of length `K`.
    Ordered(usize),
    /// Strictly increasing positive vectors of length `K`.
    PositiveOrdered(usize),
    /// Cholesky factors of `K × K` correlation matrices (`K(K-1)/2` unconstrained reals),
    /// stored row-major as `K²` values.
    CorrCholesky(usize),
    /// Cholesky factors of `K × K` covariance matrices (`K(K+1)/2` unconstrained reals),
    /// stored row-major as `K²` values.
    CovCholesky(usize),
}

impl<S: Scalar> Support<S> {
    /// Number of unconstrained reals one value with this support takes.
    pub fn unconstrained_len(&self) -> usize {
        match *self {
            Support::Simplex(k) => k.saturating_sub(1),
            Support::Ordered(k) | Support::PositiveOrdered(k) => k,
            Support::CorrCholesky(k) => k * k.saturating_sub(1) / 2,
            Support::CovCholesky(k) => k * (k + 1) / 2,
            _ => 1,
        }
    }

    /// Number of constrained reals one value with this support takes.
    pub fn constrained_len(&self) -> usize {
        match *self {
            Support::Simplex(k) | Support::Ordered(k) | Support::PositiveOrdered(k) => k,
            Support::CorrCholesky(k) | Support::CovCholesky(k) => k * k,
            _ => 1,
        }
    }

    /// `true` for supports of a single real.
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Support::Real
                | Support::Positive
                | Support::LowerBounded(_)
                | Support::UpperBounded(_)
                | Support::Interval(..)
                | Support::UnitInterval
        )
    }

    /// `true` when the scalar `y` lies in this (scalar) support; vector supports answer
    /// `false` (check them with their transform).
    pub fn contains(&self, y: f64) -> bool {
        match *self {
            Support::Real => y.is_finite(),
            Support::Positive => y > 0.0 && y < f64::INFINITY,
            Support::LowerBounded(lo) => y > lo.value() && y < f64::INFINITY,
            Support::UpperBounded(hi) => y < hi.value() && y > f64::NEG_INFINITY,
            Support::Interval(lo, hi) => y > lo.value() && y < hi.value(),
            Support::UnitInterval => y > 0.0 && y < 1.0,
            _ => false,
        }
    }

    /// The support with its bounds read as plain values.
    pub fn to_f64(&self) -> Support<f64> {
        match *self {
            Support::Real => Support::Real,
            Support::Positive => Support::Positive,
            Support::LowerBounded(lo) => Support::LowerBounded(lo.value()),
            Support::UpperBounded(hi) => Support::UpperBounded(hi.value()),
            Support::Interval(lo, hi) => Support::Interval(lo.value(), hi.value()),
            Support::UnitInterval => Support::UnitInterval,
            Support::Simplex(k) => Support::Simplex(k),
            Support::Ordered(k) => Support::Ordered(k),
            Support::PositiveOrdered(k) => Support::PositiveOrdered(k),
            Support::CorrCholesky(k) => Support::CorrCholesky(k),
            Support::CovCholesky(k) => Support::CovCholesky(k),
        }
    }

    /// A short description for messages and model displays, e.g. `(0, ∞)`.
    pub fn describe(&self) -> String {
        match *self {
            Support::Real => "(-∞, ∞)".into(),
            Support::Positive => "(0, ∞)".into(),
            Support::LowerBounded(lo) => format!("({}, ∞)", lo.value()),
            Support::UpperBounded(hi) => format!("(-∞, {})", hi.value()),
            Support::Interval(lo, hi) => format!("({}, {})", lo.value(), hi.value()),
            Support::UnitInterval => "(0, 1)".into(),
            Support::Simplex(k) => format!("simplex of dimension {k}"),
            Support::Ordered(k) => format!("ordered vector of length {k}"),
            Support::PositiveOrdered(k) => format!("positive ordered vector of length {k}"),
            Support::CorrCholesky(k) => format!("Cholesky factor of a {k}×{k} correlation matrix"),
            Support::CovCholesky(k) => format!("Cholesky factor of a {k}×{k} covariance matrix"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_and_membership() {
        let s: Support<f64> = Support::Simplex(4);
        assert_eq!((s.unconstrained_len(), s.constrained_len()), (3, 4));
        let c: Support<f64> = Support::CorrCholesky(3);
        assert_eq!((c.unconstrained_len(), c.constrained_len()), (3, 9));
        let v: Support<f64> = Support::CovCholesky(3);
        assert_eq!(v.unconstrained_len(), 6);
        assert!(Support::Interval(0.0, 1.0).contains(0.5));
        assert!(!Support::Interval(0.0, 1.0).contains(1.0));
        assert!(!Support::<f64>::Positive.contains(0.0));
        assert!(Support::<f64>::Real.is_scalar() && !s.is_scalar());
        assert_eq!(Support::Interval(0.0, 2.0).describe(), "(0, 2)");
    }
}
