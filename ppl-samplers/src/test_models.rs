//! Hand-written test models implementing `ppl_core::Model` (no macro yet): an iid standard
//! normal, a correlated 2-D Gaussian and the non-centred eight-schools model.
//!
//! Shared by the unit tests (as `crate::test_models`) and the integration tests (included
//! with `#[path]`).
#![allow(dead_code, missing_docs, clippy::needless_range_loop)]

use ppl_core::math::ScalarMath;
use ppl_core::model::check_len;
use ppl_core::{Dual, Error, Model, Result, Scalar, Simulation, SiteLayout, Workspace};
use rand::RngCore;

/// Shared plumbing: a model given by a generic value and a generic hand-written gradient,
/// so JVPs run the value on `Dual` and Hessian-vector products the gradient on `Dual`.
pub trait GenericDensity: Send + Sync {
    fn dim(&self) -> usize;
    fn value<S: Scalar>(&self, x: &[S]) -> S;
    fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S;
}

macro_rules! model_via_generic {
    ($ty:ty) => {
        fn dim(&self) -> usize {
            GenericDensity::dim(self)
        }
        fn log_density_in(&self, x: &[f64], _ws: &mut Workspace) -> Result<f64> {
            check_len("x", GenericDensity::dim(self), x.len())?;
            Ok(self.value(x))
        }
        fn log_density_gradient_in(
            &self,
            x: &[f64],
            grad: &mut [f64],
            _ws: &mut Workspace,
        ) -> Result<f64> {
            check_len("x", GenericDensity::dim(self), x.len())?;
            check_len("grad", GenericDensity::dim(self), grad.len())?;
            Ok(self.gradient(x, grad))
        }
        fn log_density_jvp_in(
            &self,
            x: &[f64],
            v: &[f64],
            _ws: &mut Workspace,
        ) -> Result<(f64, f64)> {
            check_len("x", GenericDensity::dim(self), x.len())?;
            check_len("v", GenericDensity::dim(self), v.len())?;
            let xd: Vec<Dual> = x.iter().zip(v).map(|(&a, &b)| Dual::new(a, b)).collect();
            let y = self.value(&xd);
            Ok((y.v, y.d))
        }
        fn log_density_hvp_in(
            &self,
            x: &[f64],
            v: &[f64],
            out: &mut [f64],
            _ws: &mut Workspace,
        ) -> Result<f64> {
            check_len("x", GenericDensity::dim(self), x.len())?;
            check_len("v", GenericDensity::dim(self), v.len())?;
            check_len("out", GenericDensity::dim(self), out.len())?;
            let xd: Vec<Dual> = x.iter().zip(v).map(|(&a, &b)| Dual::new(a, b)).collect();
            let mut g = vec![Dual::default(); x.len()];
            let y = self.gradient(&xd, &mut g);
            for (o, gi) in out.iter_mut().zip(&g) {
                *o = gi.d;
            }
            Ok(y.v)
        }
        fn unconstrain(&self, values: &[(&str, &[f64])]) -> Result<Vec<f64>> {
            let mut x = vec![0.0; GenericDensity::dim(self)];
            for site in self.layout() {
                let (_, v) = values
                    .iter()
                    .find(|(n, _)| *n == site.name)
                    .ok_or_else(|| Error::MissingParameter(site.name.clone()))?;
                check_len(&site.name, site.unconstrained.len(), v.len())?;
                x[site.unconstrained.clone()].copy_from_slice(v);
            }
            self.unconstrain_fixup(&mut x);
            Ok(x)
        }
        fn simulate(&self, _rng: &mut dyn RngCore, _params: Option<&[f64]>) -> Result<Simulation> {
            Err(Error::ImproperPrior {
                support: "test model without generative mode".into(),
            })
        }
    };
}

/// `x ~ N(0, I_dim)`.
#[derive(Clone, Debug)]
pub struct IidNormal {
    pub dim: usize,
}

impl GenericDensity for IidNormal {
    fn dim(&self) -> usize {
        self.dim
    }
    fn value<S: Scalar>(&self, x: &[S]) -> S {
        x.iter().map(|&xi| xi * xi).sum::<S>() * -0.5
    }
    fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
        for (g, &xi) in grad.iter_mut().zip(x) {
            *g = -xi;
        }
        self.value(x)
    }
}

impl IidNormal {
    fn unconstrain_fixup(&self, _x: &mut [f64]) {}
}

impl Model for IidNormal {
    model_via_generic!(IidNormal);
    fn param_names(&self) -> Vec<String> {
        (0..self.dim).map(|i| format!("x[{i}]")).collect()
    }
    fn layout(&self) -> Vec<SiteLayout> {
        vec![SiteLayout {
            name: "x".into(),
            unconstrained: 0..self.dim,
            constrained: 0..self.dim,
        }]
    }
    fn constrain(&self, x: &[f64], out: &mut Vec<f64>) -> Result<()> {
        check_len("x", self.dim, x.len())?;
        out.clear();
        out.extend_from_slice(x);
        Ok(())
    }
}

/// [`IidNormal`] that runs `hook` before every gradient evaluation (to observe the run, or
/// to fail it: an error from the hook is the evaluation's error). Everything else
/// delegates.
pub struct HookedIidNormal<F> {
    pub inner: IidNormal,
    pub hook: F,
}

impl<F: Fn() -> Result<()> + Send + Sync> Model for HookedIidNormal<F> {
    fn dim(&self) -> usize {
        Model::dim(&self.inner)
    }
    fn param_names(&self) -> Vec<String> {
        self.inner.param_names()
    }
    fn layout(&self) -> Vec<SiteLayout> {
        self.inner.layout()
    }
    fn log_density_in(&self, x: &[f64], ws: &mut Workspace) -> Result<f64> {
        self.inner.log_density_in(x, ws)
    }
    fn log_density_gradient_in(&self, x: &[f64], g: &mut [f64], ws: &mut Workspace) -> Result<f64> {
        (self.hook)()?;
        self.inner.log_density_gradient_in(x, g, ws)
    }
    fn log_density_jvp_in(&self, x: &[f64], v: &[f64], ws: &mut Workspace) -> Result<(f64, f64)> {
        self.inner.log_density_jvp_in(x, v, ws)
    }
    fn log_density_hvp_in(
        &self,
        x: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut Workspace,
    ) -> Result<f64> {
        self.inner.log_density_hvp_in(x, v, out, ws)
    }
    fn constrain(&self, x: &[f64], out: &mut Vec<f64>) -> Result<()> {
        self.inner.constrain(x, out)
    }
    fn unconstrain(&self, values: &[(&str, &[f64])]) -> Result<Vec<f64>> {
        self.inner.unconstrain(values)
    }
    fn simulate(&self, rng: &mut dyn RngCore, params: Option<&[f64]>) -> Result<Simulation> {
        self.inner.simulate(rng, params)
    }
}

/// A 2-D Gaussian with mean `MEAN`, standard deviations `SD` and correlation `RHO`.
///
/// ```text
/// Σ = [[s₀², ρ s₀ s₁], [ρ s₀ s₁, s₁²]],   P = Σ⁻¹ = 1/(1−ρ²) [[1/s₀², −ρ/(s₀s₁)], [−ρ/(s₀s₁), 1/s₁²]]
/// log π(x) = −½ (x − m)ᵀ P (x − m),   ∇ log π(x) = −P (x − m)
/// ```
#[derive(Clone, Debug)]
pub struct Correlated2d;

impl Correlated2d {
    pub const MEAN: [f64; 2] = [1.0, -2.0];
    pub const SD: [f64; 2] = [1.0, 10.0];
    pub const RHO: f64 = 0.95;
    pub fn precision() -> [f64; 4] {
        let [s0, s1] = Self::SD;
        let c = 1.0 / (1.0 - Self::RHO * Self::RHO);
        let off = -Self::RHO / (s0 * s1) * c;
        [c / (s0 * s0), off, off, c / (s1 * s1)]
    }
    pub fn covariance() -> [f64; 4] {
        let [s0, s1] = Self::SD;
        let off = Self::RHO * s0 * s1;
        [s0 * s0, off, off, s1 * s1]
    }
    fn unconstrain_fixup(&self, _x: &mut [f64]) {}
}

impl GenericDensity for Correlated2d {
    fn dim(&self) -> usize {
        2
    }
    fn value<S: Scalar>(&self, x: &[S]) -> S {
        let p = Self::precision();
        let d0 = x[0] - Self::MEAN[0];
        let d1 = x[1] - Self::MEAN[1];
        (d0 * d0 * p[0] + d0 * d1 * (2.0 * p[1]) + d1 * d1 * p[3]) * -0.5
    }
    fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
        let p = Self::precision();
        let d0 = x[0] - Self::MEAN[0];
        let d1 = x[1] - Self::MEAN[1];
        grad[0] = -(d0 * p[0] + d1 * p[1]);
        grad[1] = -(d0 * p[2] + d1 * p[3]);
        self.value(x)
    }
}

impl Model for Correlated2d {
    model_via_generic!(Correlated2d);
    fn param_names(&self) -> Vec<String> {
        vec!["x[0]".into(), "x[1]".into()]
    }
    fn layout(&self) -> Vec<SiteLayout> {
        vec![SiteLayout {
            name: "x".into(),
            unconstrained: 0..2,
            constrained: 0..2,
        }]
    }
    fn constrain(&self, x: &[f64], out: &mut Vec<f64>) -> Result<()> {
        check_len("x", 2, x.len())?;
        out.clear();
        out.extend_from_slice(x);
        Ok(())
    }
}

/// The non-centred eight-schools model (posteriordb `eight_schools_noncentered`):
///
/// ```text
/// theta_trans_j ~ N(0, 1),  mu ~ N(0, 5),  tau ~ HalfCauchy(0, 5),
/// y_j ~ N(mu + tau·theta_trans_j, sigma_j),   theta_j = mu + tau·theta_trans_j
/// ```
///
/// Unconstrained `x = (theta_trans[0..8], mu, u)` with `tau = eᵘ` (log-Jacobian `+u`).
/// Dropping constants, with `r_j = (y_j − mu − tau t_j) / sigma_j²`:
///
/// ```text
/// log π = −½ Σ t_j² − mu²/50 − log(1 + tau²/25) + u − ½ Σ (y_j − mu − tau t_j)² / sigma_j²
/// ∂/∂t_j = −t_j + tau r_j
/// ∂/∂mu  = −mu/25 + Σ r_j
/// ∂/∂u   = tau (Σ r_j t_j − (2 tau/25) / (1 + tau²/25)) + 1
/// ```
#[derive(Clone, Debug)]
pub struct EightSchools {
    pub y: [f64; 8],
    pub sigma: [f64; 8],
}

impl Default for EightSchools {
    fn default() -> Self {
        Self {
            y: [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0],
            sigma: [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0],
        }
    }
}

impl EightSchools {
    fn unconstrain_fixup(&self, x: &mut [f64]) {
        x[9] = x[9].ln();
    }
}

impl GenericDensity for EightSchools {
    fn dim(&self) -> usize {
        10
    }
    fn value<S: Scalar>(&self, x: &[S]) -> S {
        let (t, mu, u) = (&x[..8], x[8], x[9]);
        let tau = u.exp();
        let mut lp = mu * mu * (-1.0 / 50.0) - (tau * tau / 25.0).ln_1p() + u;
        for j in 0..8 {
            let r = (mu + tau * t[j] - self.y[j]) / self.sigma[j];
            lp -= (t[j] * t[j] + r * r) * 0.5;
        }
        lp
    }
    fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
        let (t, mu, u) = (&x[..8], x[8], x[9]);
        let tau = u.exp();
        let mut sum_r = S::zero();
        let mut sum_rt = S::zero();
        for j in 0..8 {
            let r = (mu + tau * t[j] - self.y[j]) * (-1.0 / (self.sigma[j] * self.sigma[j]));
            grad[j] = tau * r - t[j];
            sum_r += r;
            sum_rt += r * t[j];
        }
        grad[8] = sum_r - mu / 25.0;
        let a = tau * tau / 25.0;
        grad[9] = tau * (sum_rt - tau * (2.0 / 25.0) / (a + 1.0)) + 1.0;
        self.value(x)
    }
}

impl Model for EightSchools {
    model_via_generic!(EightSchools);
    fn param_names(&self) -> Vec<String> {
        // 0-based element names, as the `#[model]` macro writes them (Stan's theta[1] is
        // theta[0] here).
        let mut names: Vec<String> = (0..8).map(|j| format!("theta_trans[{j}]")).collect();
        names.push("mu".into());
        names.push("tau".into());
        names.extend((0..8).map(|j| format!("theta[{j}]")));
        names
    }
    fn layout(&self) -> Vec<SiteLayout> {
        vec![
            SiteLayout {
                name: "theta_trans".into(),
                unconstrained: 0..8,
                constrained: 0..8,
            },
            SiteLayout {
                name: "mu".into(),
                unconstrained: 8..9,
                constrained: 8..9,
            },
            SiteLayout {
                name: "tau".into(),
                unconstrained: 9..10,
                constrained: 9..10,
            },
        ]
    }
    fn constrain(&self, x: &[f64], out: &mut Vec<f64>) -> Result<()> {
        check_len("x", 10, x.len())?;
        out.clear();
        out.extend_from_slice(&x[..9]);
        let tau = x[9].exp();
        out.push(tau);
        out.extend(x[..8].iter().map(|t| x[8] + tau * t));
        Ok(())
    }
}

/// A model whose log density is a fatal error (dimension mismatch) once
/// `x[0] > fail_above`, and a recoverable `NonFinite` error for `x[0] < -1.9` or
/// everywhere when `fail_above = +∞`; it panics when `fail_above` is NaN. For the
/// error-handling tests.
#[derive(Clone, Debug)]
pub struct Faulty {
    pub fail_above: f64,
}

impl Model for Faulty {
    fn dim(&self) -> usize {
        1
    }
    fn param_names(&self) -> Vec<String> {
        vec!["x".into()]
    }
    fn layout(&self) -> Vec<SiteLayout> {
        vec![SiteLayout {
            name: "x".into(),
            unconstrained: 0..1,
            constrained: 0..1,
        }]
    }
    fn log_density_in(&self, x: &[f64], ws: &mut Workspace) -> Result<f64> {
        let mut g = [0.0];
        self.log_density_gradient_in(x, &mut g, ws)
    }
    fn log_density_gradient_in(
        &self,
        x: &[f64],
        grad: &mut [f64],
        _: &mut Workspace,
    ) -> Result<f64> {
        if x[0] > self.fail_above {
            return Err(Error::DimensionMismatch {
                what: "faulty test model".into(),
                expected: 1,
                found: 2,
            });
        }
        if self.fail_above.is_nan() {
            panic!("the faulty test model panics when fail_above is NaN");
        }
        if x[0] < -1.9 || self.fail_above == f64::INFINITY {
            return Err(Error::NonFinite {
                site: "x".into(),
                value: f64::NAN,
            });
        }
        grad[0] = -x[0];
        Ok(-0.5 * x[0] * x[0])
    }
    fn log_density_jvp_in(&self, x: &[f64], v: &[f64], ws: &mut Workspace) -> Result<(f64, f64)> {
        let mut g = [0.0];
        let lp = self.log_density_gradient_in(x, &mut g, ws)?;
        Ok((lp, g[0] * v[0]))
    }
    fn log_density_hvp_in(
        &self,
        x: &[f64],
        v: &[f64],
        out: &mut [f64],
        ws: &mut Workspace,
    ) -> Result<f64> {
        out[0] = -v[0];
        self.log_density_in(x, ws)
    }
    fn constrain(&self, x: &[f64], out: &mut Vec<f64>) -> Result<()> {
        out.clear();
        out.extend_from_slice(x);
        Ok(())
    }
    fn unconstrain(&self, values: &[(&str, &[f64])]) -> Result<Vec<f64>> {
        Ok(values.first().map(|v| v.1.to_vec()).unwrap_or_default())
    }
    fn simulate(&self, _rng: &mut dyn RngCore, _params: Option<&[f64]>) -> Result<Simulation> {
        Err(Error::ImproperPrior {
            support: "test".into(),
        })
    }
}
