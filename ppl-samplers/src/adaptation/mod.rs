//! Warm-up adaptation: dual-averaging step size, Welford metric estimators, Stan's window
//! schedule, and the strategy that combines them behind the [`WarmupStrategy`] trait.

mod metric_estimator;
mod step_size;
mod warmup;
mod windows;

pub use metric_estimator::{WelfordCovariance, WelfordVariance};
pub use step_size::{DualAverage, DualAverageOptions};
pub use warmup::{AdaptUpdate, MetricKind, StanWarmup, WarmupStrategy};
pub use windows::{WindowOptions, WindowSchedule};
