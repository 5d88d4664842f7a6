//! What a chain records besides its draws: where divergences started, how the warm-up
//! adapted, and how long each phase took.

use crate::dynamics::{Divergence, Metric};
use std::time::Duration;

/// A divergent transition and the point where it diverged.
///
/// The point is the first one of the trajectory whose energy error `H − H₀` exceeded the
/// limit, or at which the model failed numerically: NUTS stops building the tree there,
/// so it is where the integrator left the region the step size can follow (for static
/// HMC, whose energy error is checked at the end, it is the end of the trajectory unless
/// the model failed earlier). Plotting these points against the draws shows where the
/// posterior's geometry is too hard (e.g. the neck of a funnel).
///
/// Equality is bitwise on the numbers (a NaN inside a model's error message equals
/// itself), so that two identical runs compare equal.
#[derive(Clone, Debug)]
pub struct DivergentTransition {
    /// Iteration, 0-based, warm-up included (warm-up iterations are `< num_warmup`).
    pub iteration: usize,
    /// Whether it happened during warm-up.
    pub warmup: bool,
    /// Why the trajectory diverged (energy error, non-finite density, model error).
    pub reason: Divergence,
    /// The unconstrained position of the point.
    pub unconstrained: Vec<f64>,
    /// The constrained values there, in [`Fit::param_names`](crate::Fit::param_names)
    /// order; `None` when the model could not constrain the point (e.g. it is not finite).
    pub constrained: Option<Vec<f64>>,
}

impl PartialEq for DivergentTransition {
    fn eq(&self, other: &Self) -> bool {
        fn same_bits(a: &[f64], b: &[f64]) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
        }
        let same_reason = match (&self.reason, &other.reason) {
            (Divergence::EnergyError(a), Divergence::EnergyError(b)) => a.to_bits() == b.to_bits(),
            (Divergence::NonFinite, Divergence::NonFinite) => true,
            // Errors may carry the offending NaN: compare their printed form too.
            (Divergence::Model(a), Divergence::Model(b)) => {
                a == b || format!("{a:?}") == format!("{b:?}")
            }
            _ => false,
        };
        let same_constrained = match (&self.constrained, &other.constrained) {
            (Some(a), Some(b)) => same_bits(a, b),
            (None, None) => true,
            _ => false,
        };
        self.iteration == other.iteration
            && self.warmup == other.warmup
            && same_reason
            && same_bits(&self.unconstrained, &other.unconstrained)
            && same_constrained
    }
}

/// A metric update of the warm-up (the end of a slow window, for Stan's warm-up).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricUpdate {
    /// The warm-up iteration (0-based) after which the metric was updated.
    pub iteration: usize,
    /// The step size that the adaptation had reached at the end of the window, before
    /// the update.
    pub step_size: f64,
    /// The new metric.
    pub metric: Metric,
    /// The step size found by the initial-step-size heuristic under the new metric, from
    /// which the step-size adaptation restarted.
    pub restart_step_size: f64,
}

/// How the warm-up adapted the step size and the metric. Empty without warm-up.
///
/// The step size of iteration `i` is `step_sizes[i]` (also `warmup_stats[i].step_size`);
/// the step size at the end of any window is the entry of its last iteration, and the
/// metric of each slow window is in [`metric_updates`](WarmupReport::metric_updates).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WarmupReport {
    /// Step size from the heuristic at the initial point, used by the first iteration.
    pub initial_step_size: f64,
    /// Step size proposed by the adaptation after each warm-up iteration (the one the
    /// next iteration uses unless a metric update restarts it).
    pub step_sizes: Vec<f64>,
    /// Each metric update, in order.
    pub metric_updates: Vec<MetricUpdate>,
    /// The step size used after warm-up (the averaged iterate of dual averaging).
    pub final_step_size: f64,
}

/// Wall-clock time of a chain's phases.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ChainTiming {
    /// Initialisation and warm-up.
    pub warmup: Duration,
    /// Sampling after warm-up.
    pub sampling: Duration,
}
