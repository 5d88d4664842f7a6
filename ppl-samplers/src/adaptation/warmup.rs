//! The warm-up strategy interface and Stan's strategy: dual averaging every iteration,
//! metric re-estimated at the end of each slow window.

use super::{DualAverage, DualAverageOptions, WelfordCovariance, WelfordVariance};
use super::{WindowOptions, WindowSchedule};
use crate::dynamics::{DenseMetric, DiagonalMetric, Metric};

/// Which metric a chain uses (and adapts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MetricKind {
    /// Diagonal inverse mass matrix (default; Stan's `diag_e`).
    #[default]
    Diagonal,
    /// Dense inverse mass matrix (Stan's `dense_e`).
    Dense,
}

/// What a warm-up strategy asks for after a warm-up iteration.
#[derive(Clone, Debug, PartialEq)]
pub struct AdaptUpdate {
    /// Step size for the next iteration.
    pub step_size: f64,
    /// A new metric, if one was estimated. The runner then re-runs the initial step-size
    /// heuristic under it and reports the result with
    /// [`WarmupStrategy::restart_step_size`].
    pub metric: Option<Metric>,
}

/// A warm-up adaptation: sees every warm-up transition and tunes step size and metric.
///
/// One value per chain. The runner calls [`adapt`](WarmupStrategy::adapt) after each
/// warm-up transition and [`final_step_size`](WarmupStrategy::final_step_size) once at
/// the end of warm-up.
pub trait WarmupStrategy: Send {
    /// Learns from one warm-up transition: its acceptance statistic and the new position
    /// (unconstrained).
    fn adapt(&mut self, accept_stat: f64, position: &[f64]) -> AdaptUpdate;
    /// The step size found by the heuristic after a metric update; restarts the step-size
    /// adaptation from it.
    fn restart_step_size(&mut self, step_size: f64);
    /// The step size to sample with after warm-up.
    fn final_step_size(&self) -> f64;
}

enum Estimator {
    Diagonal(WelfordVariance),
    Dense(WelfordCovariance),
}

/// Stan's warm-up (`adapt_diag_e_nuts` / `adapt_dense_e_nuts`): dual averaging of the step
/// size at every iteration; in each slow window of the [`WindowSchedule`] the draws feed a
/// Welford estimator whose regularised estimate becomes the inverse metric at the window's
/// end.
pub struct StanWarmup {
    step_size: DualAverage,
    schedule: WindowSchedule,
    estimator: Estimator,
    dim: usize,
}

impl StanWarmup {
    /// A strategy for `num_warmup` iterations in `dim` dimensions. The dual averaging
    /// starts from `μ = log(10 ε₀)` with the user's initial step size `ε₀` (default 1), as
    /// Stan's services do.
    pub fn new(
        dim: usize,
        num_warmup: usize,
        kind: MetricKind,
        step_size: DualAverageOptions,
        windows: WindowOptions,
        initial_step_size: f64,
    ) -> Self {
        let estimator = match kind {
            MetricKind::Diagonal => Estimator::Diagonal(WelfordVariance::new(dim)),
            MetricKind::Dense => Estimator::Dense(WelfordCovariance::new(dim)),
        };
        Self {
            step_size: DualAverage::new(step_size, initial_step_size),
            schedule: WindowSchedule::new(num_warmup, windows),
            estimator,
            dim,
        }
    }

    fn estimate(&mut self) -> Option<Metric> {
        let metric = match &mut self.estimator {
            Estimator::Diagonal(w) => {
                let mut v = vec![0.0; self.dim];
                w.regularized_variance(&mut v);
                w.restart();
                DiagonalMetric::new(v).ok().map(Metric::Diagonal)
            }
            Estimator::Dense(w) => {
                let mut c = vec![0.0; self.dim * self.dim];
                w.regularized_covariance(&mut c);
                w.restart();
                DenseMetric::new(self.dim, c).ok().map(Metric::Dense)
            }
        };
        // An unusable estimate (cannot happen for finite draws thanks to the shrinkage)
        // keeps the previous metric.
        metric
    }
}

impl WarmupStrategy for StanWarmup {
    fn adapt(&mut self, accept_stat: f64, position: &[f64]) -> AdaptUpdate {
        let step_size = self.step_size.learn(accept_stat);
        if self.schedule.in_slow_window() {
            match &mut self.estimator {
                Estimator::Diagonal(w) => w.add(position),
                Estimator::Dense(w) => w.add(position),
            }
        }
        let metric = if self.schedule.ends_slow_window() {
            self.estimate()
        } else {
            None
        };
        self.schedule.advance();
        AdaptUpdate { step_size, metric }
    }

    fn restart_step_size(&mut self, step_size: f64) {
        self.step_size.set_mu_from(step_size);
        self.step_size.restart();
    }

    fn final_step_size(&self) -> f64 {
        self.step_size.final_step_size()
    }
}
