//! Traits of constraining transforms: from unconstrained reals to a support, with the
//! log |Jacobian| and reverse rules; the JVP of each comes from running it on `Dual`.

use crate::ad::Scalar;
use crate::error::Result;

/// A transform of one unconstrained real `x` to one constrained value `y = c(x)`.
///
/// Its bounds are fields of the implementing type and may be parameters, so the
/// reverse rule returns their adjoints too (packed in `Self`).
pub trait ScalarTransform<S: Scalar>: Copy {
    /// `(y, log |dy/dx|)`.
    fn constrain(&self, x: S) -> (S, S);

    /// Reverse rule of [`ScalarTransform::constrain`]: given `x` and the adjoints of `y`
    /// and of the log-Jacobian, `(x_bar, bound adjoints)`.
    fn constrain_vjp(&self, x: S, y_bar: S, log_jac_bar: S) -> (S, Self);

    /// The inverse `x = c⁻¹(y)`; an error naming the support when `y` is outside it.
    fn unconstrain(&self, y: f64) -> Result<f64>;
}

/// A transform of `unconstrained_len()` reals to a vector of `constrained_len()` values
/// (simplex, ordered, Cholesky factors stored row-major).
pub trait VectorTransform<S: Scalar> {
    /// Number of unconstrained inputs.
    fn unconstrained_len(&self) -> usize;
    /// Number of constrained outputs.
    fn constrained_len(&self) -> usize;
    /// Writes `y = c(x)` into `y` and returns `log |det J|` (the log volume element of the
    /// map onto the manifold of the support, as Stan defines it for each transform).
    fn constrain(&self, x: &[S], y: &mut [S]) -> S;
    /// Reverse rule: accumulates into `x_bar` the adjoint of `x`, given `y = c(x)` and the
    /// adjoints `y_bar` and `log_jac_bar`. Allocates nothing.
    fn constrain_vjp(&self, x: &[S], y: &[S], y_bar: &[S], log_jac_bar: S, x_bar: &mut [S]);
    /// The inverse, writing into `x`; an error naming the support when `y` is outside it.
    fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> Result<()>;
}
