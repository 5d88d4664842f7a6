//! The `Model` trait: what a sampler needs from a model, and what `#[model]` generates.
//!
//! # Contract
//!
//! A model is a log density `log p(x)` on the unconstrained space `ℝ^dim`, log-Jacobians of
//! the constraining transforms included. Every evaluation method comes in two forms: one
//! that takes a reusable [`Workspace`] (`*_in`; samplers keep one per chain, so gradient
//! calls allocate nothing after warm-up) and a convenience form without it.
//!
//! Return values:
//!
//! * `Ok(v)` with `v` finite, or `Ok(-∞)` when a parameter is outside a distribution's
//!   domain (the point has zero density: a sampler rejects it);
//! * `Err(Error::NonFinite { site, .. })` when a term is NaN or `+∞`, naming its site;
//! * `Err(Error::DimensionMismatch { .. })` when `x` or an output has the wrong length.

use crate::ad::Workspace;
use crate::error::{Error, Result};
use rand::RngCore;

/// A draw from the generative mode: parameters and the observations simulated from them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Simulation {
    /// The parameters on the unconstrained space (a point `x` for the log density).
    pub unconstrained: Vec<f64>,
    /// Constrained parameters and deterministics, in [`Model::param_names`] order.
    pub constrained: Vec<f64>,
    /// Each observe site's simulated values, by site name, in program order.
    pub observations: Vec<(String, Vec<f64>)>,
}

/// One sample site's place in the unconstrained vector and in the constrained output.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteLayout {
    /// The site's name (`sample("tau", ...)` gives `tau`).
    pub name: String,
    /// Range of its coordinates in the unconstrained vector `x`.
    pub unconstrained: std::ops::Range<usize>,
    /// Range of its values in the constrained output of [`Model::constrain`].
    pub constrained: std::ops::Range<usize>,
}

/// A differentiable log density on an unconstrained space.
pub trait Model: Send + Sync {
    /// Dimension of the unconstrained space.
    fn dim(&self) -> usize;

    /// Names of the constrained outputs of [`Model::constrain`]: parameters element by
    /// element (`theta_tilde[0]`), then deterministics.
    fn param_names(&self) -> Vec<String>;

    /// Which coordinates of `x` belong to which sample site.
    fn layout(&self) -> Vec<SiteLayout>;

    /// `log p(x)`.
    fn log_density_in(&self, x: &[f64], ws: &mut Workspace) -> Result<f64>;

    /// `log p(x)`, writing `∇ log p(x)` into `grad` (reverse mode).
    fn log_density_gradient_in(
        &self,
        x: &[f64],
        grad: &mut [f64],
        ws: &mut Workspace,
    ) -> Result<f64>;

    /// `(log p(x), ∇ log p(x) · v)` (forward mode).
    fn log_density_jvp_in(&self, x: &[f64], v: &[f64], ws: &mut Workspace) -> Result<(f64, f64)>;

    /// `log p(x)`, writing the Hessian-vector product `∇² log p(x) · v` into `out`
    /// (forward over reverse).
    fn log_density_hvp_in(
        &self,
        x: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut Workspace,
    ) -> Result<f64>;

    /// Constrained parameters and deterministics at `x`, in [`Model::param_names`] order.
    fn constrain(&self, x: &[f64], out: &mut Vec<f64>) -> Result<()>;

    /// The unconstrained point of user-given constrained values, one entry per sample
    /// site: `(name, values)` with the values flattened as in [`Model::param_names`].
    fn unconstrain(&self, values: &[(&str, &[f64])]) -> Result<Vec<f64>>;

    /// Generative mode: draws parameters from the priors (or uses the unconstrained
    /// `params` given) and observations given them.
    fn simulate(&self, rng: &mut dyn RngCore, params: Option<&[f64]>) -> Result<Simulation>;

    /// Names of the unconstrained coordinates (`tau[unconstrained]`, ...), from the layout.
    fn unconstrained_names(&self) -> Vec<String> {
        let mut names = vec![String::new(); self.dim()];
        for site in self.layout() {
            let len = site.unconstrained.len();
            for (k, i) in site.unconstrained.clone().enumerate() {
                if let Some(slot) = names.get_mut(i) {
                    *slot = if len == 1 {
                        site.name.clone()
                    } else {
                        format!("{}[{k}]", site.name)
                    };
                }
            }
        }
        names
    }

    /// `log p(x)` with a fresh workspace.
    fn log_density(&self, x: &[f64]) -> Result<f64> {
        self.log_density_in(x, &mut Workspace::new())
    }
    /// `log p(x)` and its gradient, with a fresh workspace.
    fn log_density_gradient(&self, x: &[f64], grad: &mut [f64]) -> Result<f64> {
        self.log_density_gradient_in(x, grad, &mut Workspace::new())
    }
    /// `(log p(x), ∇ log p(x) · v)` with a fresh workspace.
    fn log_density_jvp(&self, x: &[f64], v: &[f64]) -> Result<(f64, f64)> {
        self.log_density_jvp_in(x, v, &mut Workspace::new())
    }
    /// Hessian-vector product with a fresh workspace.
    fn log_density_hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<f64> {
        self.log_density_hvp_in(x, v, out, &mut Workspace::new())
    }
}

/// Checks that a slice has the length a model needs.
#[inline]
pub fn check_len(what: &str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(len_error(what, expected, found))
    }
}

/// The error of [`check_len`] (out of line: generated code calls the check on every
/// evaluation, and only the comparison should be inlined there).
#[cold]
#[inline(never)]
fn len_error(what: &str, expected: usize, found: usize) -> Error {
    Error::DimensionMismatch {
        what: what.to_string(),
        expected,
        found,
    }
}

/// Turns a log-density term into an error naming its site when it is NaN or `+∞`
/// (`-∞` is a legitimate zero density and passes through).
#[inline(always)]
pub fn check_term(site: &str, value: f64) -> Result<f64> {
    if value.is_nan() || value == f64::INFINITY {
        Err(term_error(site, value))
    } else {
        Ok(value)
    }
}

/// The error of [`check_term`] (out of line, see [`len_error`]).
#[cold]
#[inline(never)]
fn term_error(site: &str, value: f64) -> Error {
    Error::NonFinite {
        site: site.to_string(),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_checks_name_the_site() {
        assert_eq!(check_term("y", -1.0), Ok(-1.0));
        assert_eq!(check_term("y", f64::NEG_INFINITY), Ok(f64::NEG_INFINITY));
        assert!(
            matches!(check_term("y", f64::NAN), Err(Error::NonFinite { site, .. }) if site == "y")
        );
        assert!(check_len("x", 3, 3).is_ok());
        assert_eq!(
            check_len("x", 3, 2).unwrap_err().to_string(),
            "x: expected length 3, found 2"
        );
    }
}

/// What a model run records besides its log density: constrained site values,
/// deterministics and (in the generative mode) observations, in program order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    /// Constrained values of the sample sites, flattened in program order.
    pub sites: Vec<f64>,
    /// Names of the deterministics recorded (`theta[0]`, `theta[1]`, ... for repeats).
    pub deterministic_names: Vec<String>,
    /// Values of the deterministics recorded.
    pub deterministics: Vec<f64>,
    /// Observations drawn, by site name, merged across repeated calls of the same site.
    pub observations: Vec<(String, Vec<f64>)>,
    counts: Vec<(String, usize)>,
    /// Whether deterministics are recorded without their names (see [`Trace::values_only`]).
    values_only: bool,
}

impl Trace {
    /// An empty trace.
    pub fn new() -> Self {
        Self::default()
    }
    /// A trace that records values only, for [`Model::constrain`] on every draw:
    /// deterministics are not named (no string formatting), and room is reserved for
    /// `capacity` values.
    pub fn values_only(capacity: usize) -> Self {
        Self {
            sites: Vec::with_capacity(capacity),
            deterministics: Vec::with_capacity(capacity),
            values_only: true,
            ..Self::default()
        }
    }
    /// Records a constrained site value.
    pub fn site(&mut self, v: f64) {
        self.sites.push(v);
    }
    /// Records a deterministic; repeated names get indices `name[0]`, `name[1]`, ...
    pub fn deterministic(&mut self, name: &str, v: f64) {
        self.deterministics.push(v);
        if self.values_only {
            return;
        }
        let k = match self.counts.iter_mut().find(|(n, _)| n == name) {
            Some((_, c)) => {
                *c += 1;
                *c - 1
            }
            None => {
                self.counts.push((name.to_string(), 1));
                0
            }
        };
        self.deterministic_names.push(format!("{name}[{k}]"));
    }
    /// Records observations of a site, appended to earlier ones of the same name.
    pub fn observation(&mut self, name: &str, values: Vec<f64>) {
        match self.observations.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => v.extend(values),
            None => self.observations.push((name.to_string(), values)),
        }
    }
    /// Empties the trace, keeping capacity.
    pub fn clear(&mut self) {
        self.sites.clear();
        self.deterministic_names.clear();
        self.deterministics.clear();
        self.observations.clear();
        self.counts.clear();
    }
    /// Deterministic names with single-use names written without an index (`mu_sum`
    /// rather than `mu_sum[0]`).
    pub fn tidy_deterministic_names(&self) -> Vec<String> {
        self.deterministic_names
            .iter()
            .map(|n| {
                let base = n.rsplit_once('[').map_or(n.as_str(), |(b, _)| b);
                match self.counts.iter().find(|(c, _)| c == base) {
                    Some((_, 1)) => base.to_string(),
                    _ => n.clone(),
                }
            })
            .collect()
    }
}

/// Draws one value from a distribution with a type-erased RNG (for generated code).
pub fn draw<D: crate::distributions::Sample>(d: &D, rng: &mut dyn RngCore) -> Result<D::Value> {
    d.sample(rng)
}

#[cfg(test)]
mod trace_tests {
    use super::*;

    #[test]
    fn deterministics_are_indexed_and_observations_merged() {
        let mut t = Trace::new();
        t.deterministic("theta", 1.0);
        t.deterministic("theta", 2.0);
        t.deterministic("s", 3.0);
        assert_eq!(t.deterministic_names, ["theta[0]", "theta[1]", "s[0]"]);
        assert_eq!(t.tidy_deterministic_names(), ["theta[0]", "theta[1]", "s"]);
        let mut values = Trace::values_only(3);
        values.deterministic("theta", 1.0);
        values.deterministic("theta", 2.0);
        assert_eq!(values.deterministics, [1.0, 2.0]);
        assert!(values.deterministic_names.is_empty());
        t.observation("y", vec![1.0]);
        t.observation("y", vec![2.0]);
        assert_eq!(t.observations, vec![("y".to_string(), vec![1.0, 2.0])]);
        t.clear();
        assert!(t.sites.is_empty() && t.deterministics.is_empty());
    }
}
