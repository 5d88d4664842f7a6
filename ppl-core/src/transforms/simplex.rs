//! Stick-breaking transform onto the probability simplex.

use crate::ad::Scalar;
use crate::error::{Error, Result};
use crate::transforms::for_support::{check_len, CONSTRAINT_TOLERANCE};
use crate::transforms::interval::{log_logistic_pair_sum, logistic_pair, softplus};
use crate::transforms::VectorTransform;

/// Stan's stick-breaking transform of `K - 1` unconstrained reals onto the open simplex of
/// dimension `K` (`yₖ > 0`, `Σ yₖ = 1`).
///
/// # Formula
///
/// With 1-based `k = 1..K-1` and `σ` the logistic function:
///
/// ```text
/// aₖ = xₖ - ln(K - k)                    (the offset makes x = 0 map to the centre 1/K)
/// zₖ = σ(aₖ)                             (fraction of the remaining stick broken off)
/// rₖ = 1 - Σ_{j<k} y_j = Π_{j<k} (1 - z_j)      (remaining stick; r₁ = 1)
/// yₖ = rₖ zₖ,   y_K = r_K
/// ln J = Σ_{k<K} [ ln zₖ + ln(1 - zₖ) + ln rₖ ]
/// ```
///
/// `J` is the Jacobian of `x ↦ (y₁, …, y_{K-1})`, the free coordinates of the simplex
/// (`y_K = 1 - Σ` the others), as in Stan.
///
/// Reverse rule (with `r̄` the adjoint of the remaining stick, `r̄_K = ȳ_K`, swept
/// `k = K-1 … 1`):
///
/// ```text
/// āₖ = (ȳₖ - r̄ₖ₊₁) zₖ rₖ₊₁ + l̄ · (1 - 2zₖ - (K-1-k) zₖ)
/// r̄ₖ = ȳₖ zₖ + r̄ₖ₊₁ (1 - zₖ)
/// ```
///
/// where `rₖ₊₁ = Σ_{j>k} y_j` is read from the output as a suffix sum (no scratch).
///
/// Inverse: `xₖ = ln yₖ - ln(Σ_{j>k} y_j) + ln(K - k)` (that is `logit(yₖ / rₖ)` plus the
/// offset, with the remaining stick as a sum of positive terms rather than `1 - Σ`).
///
/// # Numerics
///
/// The stick is broken multiplicatively (`rₖ₊₁ = rₖ σ(-aₖ)`, both `σ(±a)` to full relative
/// precision), so every `yₖ` is accurate to a few ulps relative and stays `> 0` until it
/// underflows (products of `σ(-a) ≈ e^(-a)` below `1e-308`); the sum is 1 to rounding. The
/// log-Jacobian is accumulated in log space (`ln(1 - zₖ) = -softplus(aₖ)`), finite for
/// all finite `x`.
///
/// # Errors
///
/// `unconstrain` returns [`Error::DimensionMismatch`] for slices of the wrong length and
/// [`Error::OutOfSupport`] when an entry is not finite or not `> 0`, or when the entries do
/// not sum to 1 within [`CONSTRAINT_TOLERANCE`] (`1e-8`, Stan's tolerance).
///
/// # Examples
///
/// ```
/// use ppl_core::transforms::{StickBreaking, VectorTransform};
/// let t = StickBreaking { k: 3 };
/// let mut y = [0.0; 3];
/// let log_j: f64 = t.constrain(&[0.0, 0.0], &mut y);
/// for yk in y {
///     assert!((yk - 1.0 / 3.0).abs() < 1e-15);          // x = 0 is the centre
/// }
/// // ln J = ln(⅓·⅔·1) + ln(½·½·⅔)
/// assert!((log_j - (2.0f64 / 9.0).ln() - (1.0f64 / 6.0).ln()).abs() < 1e-14);
/// let mut x = [1.0; 2];
/// t.unconstrain(&y, &mut x).unwrap();
/// assert!(x[0].abs() < 1e-15 && x[1].abs() < 1e-15);
/// assert!(t.unconstrain(&[0.5, 0.6, -0.1], &mut x).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StickBreaking {
    /// The dimension `K` of the simplex (number of constrained values).
    pub k: usize,
}

const WHAT: &str = "stick-breaking simplex transform";

impl StickBreaking {
    /// Number of unconstrained inputs, `K - 1`.
    pub fn unconstrained_len(&self) -> usize {
        self.k.saturating_sub(1)
    }

    /// Number of constrained values, `K`.
    pub fn constrained_len(&self) -> usize {
        self.k
    }

    /// The inverse (see the type docs), writing `K - 1` values into `x`.
    pub fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        let k = self.k;
        check_len(WHAT, "simplex", k, y.len())?;
        check_len(WHAT, "unconstrained vector", k.saturating_sub(1), x.len())?;
        let requirement = |problem: String| {
            format!(
                "a simplex of dimension {k}: entries finite and > 0 summing to 1 \
                 (within {CONSTRAINT_TOLERANCE:e}); {problem}"
            )
        };
        for (i, &v) in y.iter().enumerate() {
            if !(v > 0.0 && v.is_finite()) {
                return Err(Error::OutOfSupport {
                    what: WHAT,
                    value: v,
                    requirement: requirement(format!("entry {i} is {v}")),
                });
            }
        }
        let sum: f64 = y.iter().sum();
        if (sum - 1.0).abs() > CONSTRAINT_TOLERANCE {
            return Err(Error::OutOfSupport {
                what: WHAT,
                value: sum,
                requirement: requirement(format!("the entries sum to {sum}")),
            });
        }
        if k < 2 {
            return Ok(());
        }
        let mut rest = y[k - 1];
        for i in (0..k - 1).rev() {
            x[i] = y[i].ln() - rest.ln() + ((k - 1 - i) as f64).ln();
            rest += y[i];
        }
        Ok(())
    }
}

impl<S: Scalar> VectorTransform<S> for StickBreaking {
    fn unconstrained_len(&self) -> usize {
        StickBreaking::unconstrained_len(self)
    }

    fn constrained_len(&self) -> usize {
        self.k
    }

    fn constrain(&self, x: &[S], y: &mut [S]) -> S {
        let k = self.k;
        debug_assert!(x.len() == k.saturating_sub(1) && y.len() == k);
        if k == 0 {
            return S::zero();
        }
        let mut rest = S::one();
        let mut log_rest = S::zero();
        let mut log_jac = S::zero();
        for (i, (&xi, yi)) in x.iter().zip(y.iter_mut()).enumerate() {
            let a = xi - ((k - 1 - i) as f64).ln();
            let (z, one_minus_z) = logistic_pair(a);
            *yi = rest * z;
            log_jac += log_logistic_pair_sum(a) + log_rest;
            rest *= one_minus_z;
            log_rest -= softplus(a);
        }
        y[k - 1] = rest;
        log_jac
    }

    fn constrain_vjp(&self, x: &[S], y: &[S], y_bar: &[S], log_jac_bar: S, x_bar: &mut [S]) {
        let k = self.k;
        debug_assert!(x.len() == k.saturating_sub(1) && y.len() == k && y_bar.len() == k);
        if k < 2 {
            return;
        }
        let mut rest_bar = y_bar[k - 1];
        let mut rest = y[k - 1];
        for i in (0..k - 1).rev() {
            let a = x[i] - ((k - 1 - i) as f64).ln();
            let (z, one_minus_z) = logistic_pair(a);
            let later = (k - 2 - i) as f64;
            x_bar[i] +=
                (y_bar[i] - rest_bar) * z * rest + log_jac_bar * (one_minus_z - z - z * later);
            rest_bar = y_bar[i] * z + rest_bar * one_minus_z;
            rest += y[i];
        }
    }

    fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        StickBreaking::unconstrain(self, y, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::Dual;
    use crate::testing::transform_checks::*;
    use crate::testing::Domain;

    #[test]
    fn simplex_passes_the_transform_checks() {
        for k in 1..=5 {
            check_vector_transform(StickBreaking { k }, Domain::Interval(-3.0, 3.0));
        }
    }

    #[test]
    fn simplex_is_stable_at_extreme_arguments() {
        for k in 1..=5 {
            check_vector_extremes(StickBreaking { k }, &EXTREME_U);
        }
        let mut y = [0.0; 4];
        let lj = StickBreaking { k: 4 }.constrain(&[30.0, -30.0, 30.0], &mut y);
        assert!(lj.is_finite() && y.iter().all(|&v| v > 0.0), "{y:?} {lj}");
    }

    #[test]
    fn simplex_matches_stan_values() {
        // Stan's definition evaluated naively (subtractive stick, ln of the products).
        let x = [0.5, -1.0, 2.0];
        let mut y = [0.0; 4];
        let lj = StickBreaking { k: 4 }.constrain(&x, &mut y);
        let mut rest = 1.0f64;
        let mut lj_ref = 0.0;
        for (i, &xi) in x.iter().enumerate() {
            let z = 1.0 / (1.0 + (-(xi - (3.0 - i as f64).ln())).exp());
            assert!((y[i] - rest * z).abs() < 1e-15);
            lj_ref += (z * (1.0 - z) * rest).ln();
            rest -= rest * z;
        }
        assert!((y[3] - rest).abs() < 1e-15);
        assert!((lj - lj_ref).abs() < 1e-13);
    }

    /// Reference values from mpmath at 50 digits of Stan's definition at an extreme point,
    /// where the subtractive stick `1 - Σ y` would lose every digit of the small entries.
    #[test]
    fn simplex_matches_high_precision_references() {
        let mut y = [0.0; 4];
        let lj = StickBreaking { k: 4 }.constrain(&[25.0, -20.0, 3.0], &mut y);
        let y_ref = [
            0.999_999_999_958_336_2,
            4.293_777_866_220_127_6e-20,
            3.968_788_795_902_624_5e-11,
            1.975_943_591_192_163_7e-12,
        ];
        for (a, b) in y.iter().zip(&y_ref) {
            assert!((a - b).abs() <= 1e-14 * b, "{y:?}");
        }
        let lj_ref = -95.494_485_020_961_49;
        assert!((lj - lj_ref).abs() <= 1e-14 * lj_ref.abs(), "{lj}");
    }

    #[test]
    fn simplex_rejects_non_simplices() {
        let t = StickBreaking { k: 3 };
        let mut x = [0.0; 2];
        for (y, needle) in [
            ([0.5, 0.5, 0.0], "entry 2 is 0"),
            ([0.5, 0.6, -0.1], "entry 2 is -0.1"),
            ([0.5, 0.6, 0.1], "sum to 1.2"),
            ([0.5, f64::NAN, 0.5], "entry 1 is NaN"),
        ] {
            let err = t.unconstrain(&y, &mut x).unwrap_err();
            assert!(
                matches!(err, Error::OutOfSupport { what: WHAT, .. }),
                "{err}"
            );
            assert!(err.to_string().contains(needle), "{err}");
        }
        // within Stan's tolerance is accepted (and normalised by the suffix sums)
        assert!(t.unconstrain(&[0.2, 0.3, 0.5 + 1e-9], &mut x).is_ok());
        let err = t.unconstrain(&[0.5, 0.5], &mut x).unwrap_err();
        assert!(matches!(
            err,
            Error::DimensionMismatch {
                expected: 3,
                found: 2,
                ..
            }
        ));
        let err = t.unconstrain(&[0.2, 0.3, 0.5], &mut [0.0; 3]).unwrap_err();
        assert!(matches!(
            err,
            Error::DimensionMismatch {
                expected: 2,
                found: 3,
                ..
            }
        ));
    }

    #[test]
    fn degenerate_dimensions() {
        let mut y = [Dual::default(); 1];
        let lj = StickBreaking { k: 1 }.constrain(&[], &mut y);
        assert_eq!((y[0].v, lj.v), (1.0, 0.0));
        let lj = StickBreaking { k: 0 }.constrain(&[], &mut [] as &mut [f64]);
        assert_eq!(lj, 0.0);
        assert!(StickBreaking { k: 1 }.unconstrain(&[1.0], &mut []).is_ok());
    }
}
