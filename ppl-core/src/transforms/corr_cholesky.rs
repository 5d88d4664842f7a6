//! Transform onto Cholesky factors of correlation matrices.

use crate::ad::Scalar;
use crate::error::{Error, Result};
use crate::math::ScalarMath;
use crate::transforms::for_support::{check_len, CONSTRAINT_TOLERANCE};
use crate::transforms::interval::log1m_tanh_sq;
use crate::transforms::VectorTransform;

/// Stan's transform of `K(K-1)/2` unconstrained reals onto lower-triangular `K × K`
/// Cholesky factors `w` of correlation matrices (unit rows, positive diagonal), stored
/// row-major as `K²` values (strict upper triangle zero).
///
/// # Formula
///
/// The inputs fill the strict lower triangle row by row (`(1,0), (2,0), (2,1), (3,0), …`,
/// 0-based). Each becomes a canonical partial correlation `z = tanh x ∈ (-1, 1)`, and row
/// `i` is built from its `z`s:
///
/// ```text
/// w₀₀ = 1
/// w_ij = z_ij · √(1 - Σ_{j'<j} w_ij'²)     (j < i)
/// w_ii = √(1 - Σ_{j<i} w_ij²)
/// ```
///
/// With `L_ij = ln(1 - z_ij²)`, the remaining squared norm is a product,
/// `1 - Σ_{j'<j} w_ij'² = Π_{j'<j} (1 - z_ij'²)`, so
///
/// ```text
/// w_ij = z_ij · exp(½ Σ_{j'<j} L_ij')      w_ii = exp(½ Σ_{j<i} L_ij)
/// ln J = Σ_{i, j<i} [ L_ij + ½ Σ_{j'<j} L_ij' ] = Σ_{i, j<i} L_ij · (i + 1 - j)/2
/// ```
///
/// `J` is the Jacobian of `x ↦ (w_ij)_{j<i}`, the free (strictly lower) entries, as Stan
/// defines it (`ln(1 - z²)` from the `tanh`, `½ ln(1 - Σ_{j'<j} w²)` from each scaling).
///
/// Reverse rule, per row `i`, with `c_j = ½ Σ_{j'<j} L_ij'`, swept `j = i-1 … 0`:
///
/// ```text
/// c̄_j = w̄_ij w_ij (and c̄_i = w̄_ii w_ii)        L̄_j = ½ Σ_{j''>j} c̄_j'' + l̄ (i + 1 - j)/2
/// x̄_ij = w̄_ij e^(c_j) (1 - z_ij²) - 2 z_ij L̄_j
/// ```
///
/// where `e^(c_j) = √(Σ_{j'≥j} w_ij'²)` is read from the output as a suffix sum (no
/// scratch, no cancellation).
///
/// Inverse: `z_ij = w_ij / √(Σ_{j'≥j} w_ij'²)`, `x = atanh z`.
///
/// # Numerics
///
/// `L = ln 4 - 2|x| - 2 ln(1 + e^(-2|x|))` is computed in log space, so where `tanh x`
/// rounds to ±1 (`|x| ≳ 19`) the diagonal is still positive (`w_ii ≈ e^(-Σ|x|)`) and the
/// log-Jacobian finite for every finite `x`; rows have unit norm to rounding.
///
/// # Errors
///
/// `unconstrain`: [`Error::DimensionMismatch`] for slices of the wrong length,
/// [`Error::OutOfSupport`] when an entry is not finite, the strict upper triangle is not
/// zero, a diagonal entry is not `> 0`, a row's squared norm differs from 1 by more than
/// [`CONSTRAINT_TOLERANCE`], or a partial correlation rounds to ±1 (numerically singular).
///
/// # Examples
///
/// ```
/// use ppl_core::transforms::{CorrCholeskyTransform, VectorTransform};
/// let t = CorrCholeskyTransform { k: 2 };
/// let mut w = [0.0; 4];
/// let x = 0.5f64.atanh();                         // correlation 0.5
/// let log_j: f64 = t.constrain(&[x], &mut w);
/// assert!((w[2] - 0.5).abs() < 1e-15 && (w[3] - 0.75f64.sqrt()).abs() < 1e-15);
/// assert_eq!((w[0], w[1]), (1.0, 0.0));
/// assert!((log_j - 0.75f64.ln()).abs() < 1e-15);  // ln(1 - z²)
/// let mut back = [0.0];
/// t.unconstrain(&w, &mut back).unwrap();
/// assert!((back[0] - x).abs() < 1e-15);
/// assert!(t.unconstrain(&[1.0, 0.0, 0.5, 0.5], &mut back).is_err()); // row 1 not unit
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CorrCholeskyTransform {
    /// The size `K` of the matrix.
    pub k: usize,
}

const WHAT: &str = "correlation Cholesky factor transform";

impl CorrCholeskyTransform {
    /// Number of unconstrained inputs.
    pub fn unconstrained_len(&self) -> usize {
        self.k * self.k.saturating_sub(1) / 2
    }

    /// Number of constrained values, `K²`.
    pub fn constrained_len(&self) -> usize {
        self.k * self.k
    }

    /// The inverse (see the type docs), reading the row-major `K × K` factor `y`.
    pub fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        let k = self.k;
        check_len(WHAT, "matrix (row-major K²)", k * k, y.len())?;
        check_len(
            WHAT,
            "unconstrained vector",
            k * k.saturating_sub(1) / 2,
            x.len(),
        )?;
        let fail = |value: f64, problem: String| Error::OutOfSupport {
            what: WHAT,
            value,
            requirement: format!(
                "the Cholesky factor of a {k}×{k} correlation matrix (lower triangular, \
                 positive diagonal, rows of unit norm within {CONSTRAINT_TOLERANCE:e}); {problem}"
            ),
        };
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
            let norm2: f64 = row[..=i].iter().map(|v| v * v).sum();
            if (norm2 - 1.0).abs() > CONSTRAINT_TOLERANCE {
                return Err(fail(norm2, format!("row {i} has squared norm {norm2}")));
            }
        }
        for i in 1..k {
            let base = i * (i - 1) / 2;
            let mut rest = y[i * k + i] * y[i * k + i];
            for j in (0..i).rev() {
                let w = y[i * k + j];
                rest += w * w;
                let z = w / rest.sqrt();
                if z.abs() >= 1.0 {
                    return Err(fail(
                        w,
                        format!("entry ({i}, {j}) makes the factor numerically singular"),
                    ));
                }
                x[base + j] = z.atanh();
            }
        }
        Ok(())
    }
}

impl<S: Scalar> VectorTransform<S> for CorrCholeskyTransform {
    fn unconstrained_len(&self) -> usize {
        CorrCholeskyTransform::unconstrained_len(self)
    }

    fn constrained_len(&self) -> usize {
        self.k * self.k
    }

    fn constrain(&self, x: &[S], y: &mut [S]) -> S {
        let k = self.k;
        debug_assert!(x.len() == k * k.saturating_sub(1) / 2 && y.len() == k * k);
        for v in y.iter_mut() {
            *v = S::zero();
        }
        if k == 0 {
            return S::zero();
        }
        y[0] = S::one();
        let mut log_jac = S::zero();
        let mut pos = 0;
        for i in 1..k {
            let mut half_log_rest = S::zero();
            for j in 0..i {
                let xv = x[pos];
                let l = log1m_tanh_sq(xv);
                y[i * k + j] = xv.tanh() * half_log_rest.exp();
                log_jac += l * ((i + 1 - j) as f64 * 0.5);
                half_log_rest += l * 0.5;
                pos += 1;
            }
            y[i * k + i] = half_log_rest.exp();
        }
        log_jac
    }

    fn constrain_vjp(&self, x: &[S], y: &[S], y_bar: &[S], log_jac_bar: S, x_bar: &mut [S]) {
        let k = self.k;
        debug_assert!(x.len() == k * k.saturating_sub(1) / 2 && y.len() == k * k);
        for i in 1..k {
            let base = i * (i - 1) / 2;
            let diag = y[i * k + i];
            let mut rest = diag * diag;
            let mut c_bar_later = y_bar[i * k + i] * diag;
            for j in (0..i).rev() {
                let w = y[i * k + j];
                let w_bar = y_bar[i * k + j];
                rest += w * w;
                let xv = x[base + j];
                let z = xv.tanh();
                let one_minus_z2 = log1m_tanh_sq(xv).exp();
                let l_bar = c_bar_later * 0.5 + log_jac_bar * ((i + 1 - j) as f64 * 0.5);
                x_bar[base + j] += w_bar * rest.sqrt() * one_minus_z2 - z * l_bar * 2.0;
                c_bar_later += w_bar * w;
            }
        }
    }

    fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()> {
        CorrCholeskyTransform::unconstrain(self, y, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::transform_checks::*;
    use crate::testing::Domain;

    #[test]
    fn corr_cholesky_passes_the_transform_checks() {
        for k in 1..=5 {
            check_vector_transform(CorrCholeskyTransform { k }, Domain::Interval(-2.0, 2.0));
        }
    }

    #[test]
    fn corr_cholesky_is_stable_at_extreme_arguments() {
        for k in 1..=5 {
            check_vector_extremes(CorrCholeskyTransform { k }, &EXTREME_U);
        }
        let mut w = [0.0; 9];
        let lj = CorrCholeskyTransform { k: 3 }.constrain(&[30.0, -30.0, 30.0], &mut w);
        assert!(lj.is_finite() && w[4] > 0.0 && w[8] > 0.0, "{w:?} {lj}");
    }

    #[test]
    fn corr_cholesky_matches_stans_construction() {
        // Stan's loop (sum of squares, 0.5·log1m(sum_sqs)), evaluated naively.
        let k = 4;
        let x = [0.3, -0.7, 1.1, 0.2, -1.5, 0.9];
        let mut w = [0.0; 16];
        let lj = CorrCholeskyTransform { k }.constrain(&x, &mut w);
        let mut lj_ref = 0.0;
        let mut pos = 0;
        for i in 1..k {
            let mut sum_sqs = 0.0f64;
            for j in 0..i {
                let z = f64::tanh(x[pos]);
                lj_ref += (1.0 - z * z).ln();
                if j > 0 {
                    lj_ref += 0.5 * (1.0 - sum_sqs).ln();
                }
                let wij = z * (1.0 - sum_sqs).sqrt();
                assert!((w[i * k + j] - wij).abs() < 1e-15, "({i},{j})");
                sum_sqs += wij * wij;
                pos += 1;
            }
            assert!((w[i * k + i] - (1.0 - sum_sqs).sqrt()).abs() < 1e-15);
        }
        assert!((lj - lj_ref).abs() < 1e-13, "{lj} vs {lj_ref}");
    }

    /// Reference values from mpmath at 50 digits of Stan's construction where `tanh x` rounds
    /// to ±1 in double precision: the diagonal stays positive and accurate in log space.
    #[test]
    fn corr_cholesky_matches_high_precision_references() {
        let mut w = [0.0; 9];
        let lj = CorrCholeskyTransform { k: 3 }.constrain(&[20.0, -3.0, 18.0], &mut w);
        let w_ref = [
            1.0,
            0.0,
            0.0,
            0.999_999_999_999_999_991_5,
            4.122_307_244_877_116e-9,
            0.0,
            -0.995_054_753_686_730_5,
            0.099_327_927_419_433_17,
            3.025_524_645_364_507e-9,
        ];
        for (a, b) in w.iter().zip(&w_ref) {
            assert!((a - b).abs() <= 1e-14 * b.abs(), "{w:?}");
        }
        let lj_ref = -80.155_396_791_493_57;
        assert!((lj - lj_ref).abs() <= 1e-14 * lj_ref.abs(), "{lj}");
    }

    #[test]
    fn corr_cholesky_rejects_invalid_factors() {
        let t = CorrCholeskyTransform { k: 2 };
        let mut x = [0.0];
        for (w, needle) in [
            ([1.0, 0.1, 0.5, 0.75f64.sqrt()], "above the diagonal"),
            ([1.0, 0.0, 0.5, -(0.75f64.sqrt())], "diagonal entry (1, 1)"),
            ([1.0, 0.0, 0.5, 0.5], "row 1 has squared norm 0.5"),
            ([0.5, 0.0, 0.0, 1.0], "row 0 has squared norm 0.25"),
            ([1.0, 0.0, f64::NAN, 1.0], "entry (1, 0) is NaN"),
            ([1.0, 0.0, 1.0, 1e-300], "numerically singular"),
        ] {
            let err = t.unconstrain(&w, &mut x).unwrap_err();
            assert!(
                matches!(err, Error::OutOfSupport { what: WHAT, .. }),
                "{err}"
            );
            assert!(err.to_string().contains(needle), "{err}");
        }
        let err = t.unconstrain(&[1.0, 0.0, 1.0], &mut x).unwrap_err();
        assert!(matches!(
            err,
            Error::DimensionMismatch {
                expected: 4,
                found: 3,
                ..
            }
        ));
        let err = t.unconstrain(&[1.0, 0.0, 0.0, 1.0], &mut []).unwrap_err();
        assert!(matches!(
            err,
            Error::DimensionMismatch {
                expected: 1,
                found: 0,
                ..
            }
        ));
    }
}
