//! Transform onto Cholesky factors of covariance matrices.

use crate::ad::Scalar;
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::for_support::check_len;
use crate::transforms::VectorTransform;

/// Stan's transform (`cholesky_factor_cov` with `M = N = K`) of `K(K+1)/2` unconstrained
/// reals onto lower-triangular `K × K` matrices with a positive diagonal, stored row-major
/// as `K²` values (strict upper triangle zero).
///
/// # Formula
///
/// The inputs fill the lower triangle row by row, each row's off-diagonal entries first
/// and then its diagonal (`(0,0), (1,0), (1,1), (2,0), (2,1), (2,2), …`):
///
/// ```text
/// L_ij = x       (j < i)          L_ii = eˣ
/// ln J = Σ_i x_(i,i)              (the unconstrained diagonal entries)
/// reverse: x̄_(i,j) = L̄_ij,   x̄_(i,i) = L̄_ii L_ii + l̄
/// inverse: x_(i,j) = L_ij,   x_(i,i) = ln L_ii
/// ```
///
/// `J` is the Jacobian of `x ↦ (L_ij)_{j≤i}`. The diagonal is `> 0` until `eˣ` underflows
/// (`x < -745`) and overflows above `x ≈ 709.78`.
///
/// # Errors
///
/// `unconstrain`: [`Error::DimensionMismatch`] for slices of the wrong length,
/// [`Error::OutOfSupport`] when an entry is not finite, the strict upper triangle is not
/// zero, or a diagonal entry is not `> 0`.
///
/// # Examples
///
/// ```
/// use ppl_core::transforms::{CovCholeskyTransform, VectorTransform};
/// let t = CovCholeskyTransform { k: 2 };
/// let mut l = [0.0; 4];
/// let log_j: f64 = t.constrain(&[0.0, -0.5, 2.0f64.ln()], &mut l);
/// assert_eq!(l, [1.0, 0.0, -0.5, 2.0]);
/// assert_eq!(log_j, 2.0f64.ln());
/// let mut x = [0.0; 3];
/// t.unconstrain(&l, &mut x).unwrap();
/// assert_eq!(x, [0.0, -0.5, 2.0f64.ln()]);
/// assert!(t.unconstrain(&[1.0, 0.0, -0.5, -2.0], &mut x).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CovCholeskyTransform {
    /// The size `K` of the matrix.
    pub k: usize,
}

const WHAT: &str = "covariance Cholesky factor transform";

impl CovCholeskyTransform {
    /// Number of unconstrained inputs.
    pub fn unconstrained_len(&self) -> usize {
        self.k * (self.k + 1) / 2
    }

    /// Number of constrained values, `K²`.
    pub fn constrained_len(&self) -> usize {
        self.k * self.k
    }

    /// The inverse (see the type docs), reading the row-major `K × K` factor `y`.
    pub fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        let k = self.k;
        check_len(WHAT, "matrix (row-major K²)", k * k, y.len())?;
        check_len(WHAT, "unconstrained vector", k * (k + 1) / 2, x.len())?;
        let fail = |value: f64, problem: String| Error::OutOfSupport {
            what: WHAT,
            value,
            requirement: format!(
                "the Cholesky factor of a {k}×{k} covariance matrix (lower triangular, \
                 finite, positive diagonal); {problem}"
            ),
        };
        let mut pos = 0;
        for i in 0..k {
            let row = &y[i * k..(i + 1) * k];
            for (j, &v) in row.iter().enumerate() {
                if !v.is_finite() {
                    return Err(fail(v, format!("entry ({i}, {j}) is {v}")));
                }
                if j > i && v != 0.0 {
                    return Err(fail(
                        v,
                        format!("entry ({i}, {j}) above the diagonal is {v}"),
                    ));
                }
            }
            if row[i] <= 0.0 {
                return Err(fail(
                    row[i],
                    format!("diagonal entry ({i}, {i}) is {}", row[i]),
                ));
            }
            x[pos..pos + i].copy_from_slice(&row[..i]);
            pos += i;
            x[pos] = row[i].ln();
            pos += 1;
        }
        Ok(())
    }
}

impl<S: Scalar> VectorTransform<S> for CovCholeskyTransform {
    fn unconstrained_len(&self) -> usize {
        CovCholeskyTransform::unconstrained_len(self)
    }

    fn constrained_len(&self) -> usize {
        self.k * self.k
    }

    fn constrain(&self, x: &[S], y: &mut [S]) -> S {
        let k = self.k;
        debug_assert!(x.len() == k * (k + 1) / 2 && y.len() == k * k);
        let mut log_jac = S::zero();
        let mut pos = 0;
        for i in 0..k {
            let row = &mut y[i * k..(i + 1) * k];
            row[..i].copy_from_slice(&x[pos..pos + i]);
            pos += i;
            row[i] = x[pos].exp();
            log_jac += x[pos];
            pos += 1;
            for v in row[i + 1..].iter_mut() {
                *v = S::zero();
            }
        }
        log_jac
    }

    fn constrain_vjp(&self, _x: &[S], y: &[S], y_bar: &[S], log_jac_bar: S, x_bar: &mut [S]) {
        let k = self.k;
        debug_assert!(y.len() == k * k && y_bar.len() == k * k && x_bar.len() == k * (k + 1) / 2);
        let mut pos = 0;
        for i in 0..k {
            for (xb, &yb) in x_bar[pos..pos + i].iter_mut().zip(&y_bar[i * k..i * k + i]) {
                *xb += yb;
            }
            pos += i;
            x_bar[pos] += y_bar[i * k + i] * y[i * k + i] + log_jac_bar;
            pos += 1;
        }
    }

    fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        CovCholeskyTransform::unconstrain(self, y, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::transform_checks::*;
    use crate::testing::Domain;

    #[test]
    fn cov_cholesky_passes_the_transform_checks() {
        for k in 1..=5 {
            check_vector_transform(CovCholeskyTransform { k }, Domain::Interval(-3.0, 3.0));
        }
    }

    #[test]
    fn cov_cholesky_is_stable_at_extreme_arguments() {
        for k in 1..=5 {
            check_vector_extremes(CovCholeskyTransform { k }, &EXTREME_U);
        }
    }

    #[test]
    fn cov_cholesky_rejects_invalid_factors() {
        let t = CovCholeskyTransform { k: 2 };
        let mut x = [0.0; 3];
        for (l, needle) in [
            ([1.0, 0.1, 0.5, 1.0], "above the diagonal"),
            ([1.0, 0.0, 0.5, 0.0], "diagonal entry (1, 1) is 0"),
            ([-1.0, 0.0, 0.5, 1.0], "diagonal entry (0, 0) is -1"),
            ([1.0, 0.0, f64::INFINITY, 1.0], "entry (1, 0) is inf"),
        ] {
            let err = t.unconstrain(&l, &mut x).unwrap_err();
            assert!(
                matches!(err, Error::OutOfSupport { what: WHAT, .. }),
                "{err}"
            );
            assert!(err.to_string().contains(needle), "{err}");
        }
        let err = t
            .unconstrain(&[1.0, 0.0, 0.0, 1.0], &mut [0.0; 2])
            .unwrap_err();
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
