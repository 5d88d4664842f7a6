//! Hamiltonian dynamics: Euclidean metrics, phase-space points and the leapfrog integrator.

mod leapfrog;
mod metric;
mod metric_dense;
mod metric_diagonal;
pub(crate) mod point;

pub use leapfrog::{evaluate, leapfrog, Divergence, LeapfrogOutcome};
pub use metric::Metric;
pub use metric_dense::DenseMetric;
pub use metric_diagonal::DiagonalMetric;
pub use point::Point;
