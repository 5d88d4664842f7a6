//! Gradient checking against finite differences: the harness every rule, distribution,
//! transform and model is tested with, public so users can check their own models.

pub mod distribution_checks;
pub mod finite_diff;
pub mod gradient_checks;
pub mod model_checks;
pub mod transform_checks;

pub use finite_diff::{derivative, derivative_at_scale, directional, partial, FdEstimate};
pub use gradient_checks::{
    check_binary_rule, check_function, check_unary_rule, rng_for, Domain, GradientFunction,
    FD_MARGIN, POINTS, SAME_MATH_REL,
};
pub use model_checks::{
    check_gradients, check_gradients_with, GradientCheckError, GradientCheckOptions,
    GradientMismatch, GradientReport,
};
