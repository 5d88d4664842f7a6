//! The settings a run was made with, kept in the [`Fit`](crate::Fit) for the Stan CSV
//! header and the diagnostics (which need the maximum tree depth).

use crate::adaptation::{DualAverageOptions, MetricKind, WindowOptions};

/// The transition kernel of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// NUTS with this maximum tree depth.
    Nuts {
        /// Maximum number of tree doublings.
        max_depth: usize,
    },
    /// Static HMC with this number of leapfrog steps.
    Hmc {
        /// Leapfrog steps per transition.
        n_steps: usize,
    },
}

/// The settings of a run, as given to the sampler builder.
///
/// # Examples
///
/// ```no_run
/// # fn f(fit: &ppl_samplers::Fit) {
/// let s = fit.settings();
/// println!("{} chains of {} draws, seed {}", s.chains, s.draws, s.seed);
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RunSettings {
    /// The model's name: the one given to `.model_name(..)`, else the model's Rust type
    /// name without its path and generic arguments.
    pub model_name: String,
    /// NUTS or static HMC.
    pub algorithm: Algorithm,
    /// Number of chains.
    pub chains: usize,
    /// Warm-up iterations per chain.
    pub warmup: usize,
    /// Kept draws per chain.
    pub draws: usize,
    /// Whether warm-up draws were kept.
    pub save_warmup: bool,
    /// The seed.
    pub seed: u64,
    /// Diagonal or dense metric.
    pub metric: MetricKind,
    /// Initial step size.
    pub initial_step_size: f64,
    /// Dual-averaging constants.
    pub dual_averaging: DualAverageOptions,
    /// Warm-up window sizes.
    pub windows: WindowOptions,
    /// Whether a custom [`WarmupStrategy`](crate::WarmupStrategy) replaced Stan's (then
    /// `dual_averaging` and `windows` were not used).
    pub custom_warmup: bool,
    /// Half-width of the box of initial points.
    pub init_radius: f64,
    /// Energy error above which a trajectory is divergent.
    pub max_energy_error: f64,
}

impl RunSettings {
    /// The maximum tree depth of NUTS, `None` for static HMC.
    pub fn max_depth(&self) -> Option<usize> {
        match self.algorithm {
            Algorithm::Nuts { max_depth } => Some(max_depth),
            Algorithm::Hmc { .. } => None,
        }
    }
}

/// The short name of a model type: `a::b::Model<T>` → `Model`.
pub(crate) fn short_type_name(full: &str) -> String {
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_type_names() {
        assert_eq!(short_type_name("a::b::EightSchools"), "EightSchools");
        assert_eq!(short_type_name("a::Wrap<b::C, d::E>"), "Wrap");
        assert_eq!(short_type_name("Plain"), "Plain");
        assert_eq!(short_type_name("dyn ppl_core::model::Model"), "Model");
    }
}
