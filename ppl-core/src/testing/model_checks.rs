//! `check_gradients(&model)`: a model's gradient, JVP and Hessian-vector product against
//! central finite differences of its log density, at seeded random points.
//!
//! Users call it in their own (property) tests:
//!
//! ```ignore
//! let report = ppl::testing::check_gradients(&model).unwrap();   // Err names the worst coordinate
//! assert!(report.points_checked > 0);
//! ```

use super::finite_diff;
use super::gradient_checks::{rng_for, FD_MARGIN, SAME_MATH_REL};
use crate::ad::Workspace;
use crate::model::Model;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::fmt;

/// Options of [`check_gradients_with`].
#[derive(Clone, Debug)]
pub struct GradientCheckOptions {
    /// Random points checked (default 20).
    pub points: usize,
    /// Seed of the points (default: derived from the string "check_gradients").
    pub seed: Option<u64>,
    /// Points are uniform on `(-radius, radius)` in every unconstrained coordinate
    /// (default 2, as sampler initialisation).
    pub radius: f64,
}

impl Default for GradientCheckOptions {
    fn default() -> Self {
        GradientCheckOptions {
            points: 20,
            seed: None,
            radius: 2.0,
        }
    }
}

/// What was compared and where the worst agreement was.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GradientReport {
    /// Points at which every check ran.
    pub points_checked: usize,
    /// Worst `|ad - fd| / fd.error` over all gradient coordinates (≤ FD_MARGIN passes).
    pub worst_ratio: f64,
    /// The unconstrained coordinate of the worst ratio, named by its site.
    pub worst_coordinate: String,
}

/// A failed check: which quantity, where, and by how much.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientMismatch {
    /// What disagreed, e.g. `gradient`, `JVP`, `Hessian-vector product`.
    pub quantity: &'static str,
    /// The unconstrained coordinate (named by its sample site), if one.
    pub coordinate: String,
    /// The point.
    pub x: Vec<f64>,
    /// The AD value.
    pub ad: f64,
    /// The reference value (finite differences, or the other mode).
    pub reference: f64,
    /// The allowed error.
    pub tolerance: f64,
}

impl fmt::Display for GradientMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of `{}` = {:e} but the reference gives {:e} (allowed error {:e}) at x = {:?}",
            self.quantity, self.coordinate, self.ad, self.reference, self.tolerance, self.x
        )
    }
}

/// Why a gradient check could not pass.
#[derive(Clone, Debug, PartialEq)]
pub enum GradientCheckError {
    /// A derivative disagreed with its reference.
    Mismatch(GradientMismatch),
    /// The model returned an error (or a non-finite value) at a point.
    Model {
        /// The point.
        x: Vec<f64>,
        /// The model's message.
        message: String,
    },
}

impl fmt::Display for GradientCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GradientCheckError::Mismatch(m) => m.fmt(f),
            GradientCheckError::Model { x, message } => {
                write!(f, "the model failed at x = {x:?}: {message}")
            }
        }
    }
}

impl std::error::Error for GradientCheckError {}

/// [`check_gradients_with`] with default options.
pub fn check_gradients<M: Model>(model: &M) -> Result<GradientReport, GradientCheckError> {
    check_gradients_with(model, &GradientCheckOptions::default())
}

fn model_err<T>(x: &[f64], r: crate::Result<T>) -> Result<T, GradientCheckError> {
    r.map_err(|e| GradientCheckError::Model {
        x: x.to_vec(),
        message: e.to_string(),
    })
}

/// Checks, at each random point `x`: the gradient against finite differences of
/// `log_density` coordinate by coordinate; the value of every mode against
/// `log_density`; the JVP along a random `v` against `<v, ∇>`; and the Hessian-vector
/// product against finite differences of the gradient along `v`. Tolerances are those of
/// [`gradient_checks`](super::gradient_checks) (derived finite-difference error bounds).
pub fn check_gradients_with<M: Model>(
    model: &M,
    options: &GradientCheckOptions,
) -> Result<GradientReport, GradientCheckError> {
    let n = model.dim();
    let names = model.unconstrained_names();
    let mut rng = options
        .seed
        .map_or_else(|| rng_for("check_gradients"), StdRng::seed_from_u64);
    let mut ws = Workspace::new();
    let mut grad = vec![0.0; n];
    let mut hv = vec![0.0; n];
    let mut report = GradientReport::default();
    let mismatch = |quantity, i: Option<usize>, x: &[f64], ad, reference, tolerance| {
        GradientCheckError::Mismatch(GradientMismatch {
            quantity,
            coordinate: i.map_or_else(|| "-".to_string(), |i| names[i].clone()),
            x: x.to_vec(),
            ad,
            reference,
            tolerance,
        })
    };
    for _ in 0..options.points {
        let x: Vec<f64> = (0..n)
            .map(|_| rng.random_range(-options.radius..options.radius))
            .collect();
        let lp = model_err(&x, model.log_density_in(&x, &mut ws))?;
        if !lp.is_finite() {
            return Err(GradientCheckError::Model {
                x,
                message: format!("log density is {lp}"),
            });
        }
        let lp_g = model_err(&x, model.log_density_gradient_in(&x, &mut grad, &mut ws))?;
        let tol = SAME_MATH_REL * lp.abs().max(1.0);
        if (lp - lp_g).abs() > tol {
            return Err(mismatch(
                "value of the gradient call",
                None,
                &x,
                lp_g,
                lp,
                tol,
            ));
        }
        let mut buf = x.clone();
        for i in 0..n {
            let fd = finite_diff::derivative(
                |t| {
                    buf[i] = t;
                    model
                        .log_density_in(&buf, &mut Workspace::new())
                        .unwrap_or(f64::NAN)
                },
                x[i],
                f64::INFINITY,
            );
            buf[i] = x[i];
            let ratio = (grad[i] - fd.value).abs() / fd.error;
            if !(ratio <= FD_MARGIN) {
                return Err(mismatch(
                    "gradient",
                    Some(i),
                    &x,
                    grad[i],
                    fd.value,
                    FD_MARGIN * fd.error,
                ));
            }
            if ratio > report.worst_ratio || report.worst_coordinate.is_empty() {
                report.worst_ratio = ratio;
                report.worst_coordinate = names[i].clone();
            }
        }
        let v: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let (lp_j, jvp) = model_err(&x, model.log_density_jvp_in(&x, &v, &mut ws))?;
        if (lp - lp_j).abs() > tol {
            return Err(mismatch("value of the JVP call", None, &x, lp_j, lp, tol));
        }
        let dot: f64 = grad.iter().zip(&v).map(|(g, vi)| g * vi).sum();
        let scale: f64 = grad.iter().zip(&v).map(|(g, vi)| (g * vi).abs()).sum();
        let tol_dot = SAME_MATH_REL * scale.max(f64::MIN_POSITIVE);
        if (jvp - dot).abs() > tol_dot {
            return Err(mismatch(
                "JVP vs <v, gradient>",
                None,
                &x,
                jvp,
                dot,
                tol_dot,
            ));
        }
        model_err(&x, model.log_density_hvp_in(&x, &v, &mut hv, &mut ws))?;
        let mut g = vec![0.0; n];
        for i in 0..n {
            let fd = finite_diff::directional(
                |y| {
                    model
                        .log_density_gradient_in(y, &mut g, &mut Workspace::new())
                        .map_or(f64::NAN, |_| g[i])
                },
                &x,
                &v,
            );
            if !fd.agrees_with(hv[i], FD_MARGIN) {
                return Err(mismatch(
                    "Hessian-vector product",
                    Some(i),
                    &x,
                    hv[i],
                    fd.value,
                    FD_MARGIN * fd.error,
                ));
            }
        }
        report.points_checked += 1;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ad::{Dual, Scalar};
    use crate::math::ScalarMath;
    use crate::model::{Simulation, SiteLayout};
    use crate::{Error, Result};
    use rand::RngCore;

    /// `log p(a, u) = -½a² - ½(eᵘ - 1)² + u + sin(a)·eᵘ`; `wrong` breaks ∂/∂u on purpose.
    struct Toy {
        wrong: bool,
    }

    impl Toy {
        fn lp<S: Scalar>(x: &[S]) -> S {
            let (a, u) = (x[0], x[1]);
            let s = u.exp();
            -(a * a * 0.5) - (s - 1.0) * (s - 1.0) * 0.5 + u + a.sin() * s
        }
        fn grad<S: Scalar>(&self, x: &[S], g: &mut [S]) -> S {
            let (a, u) = (x[0], x[1]);
            let s = u.exp();
            g[0] = -a + a.cos() * s;
            g[1] = -((s - 1.0) * s) + 1.0 + a.sin() * s;
            if self.wrong {
                g[1] += a * 1e-6;
            }
            Self::lp(x)
        }
    }

    impl Model for Toy {
        fn dim(&self) -> usize {
            2
        }
        fn param_names(&self) -> Vec<String> {
            vec!["a".into(), "s".into()]
        }
        fn layout(&self) -> Vec<SiteLayout> {
            vec![
                SiteLayout {
                    name: "a".into(),
                    unconstrained: 0..1,
                    constrained: 0..1,
                },
                SiteLayout {
                    name: "s".into(),
                    unconstrained: 1..2,
                    constrained: 1..2,
                },
            ]
        }
        fn log_density_in(&self, x: &[f64], _ws: &mut Workspace) -> Result<f64> {
            Ok(Self::lp(x))
        }
        fn log_density_gradient_in(
            &self,
            x: &[f64],
            grad: &mut [f64],
            _ws: &mut Workspace,
        ) -> Result<f64> {
            Ok(self.grad(x, grad))
        }
        fn log_density_jvp_in(
            &self,
            x: &[f64],
            v: &[f64],
            _ws: &mut Workspace,
        ) -> Result<(f64, f64)> {
            let xd: Vec<Dual> = x.iter().zip(v).map(|(&a, &b)| Dual::new(a, b)).collect();
            let r = Self::lp(&xd);
            Ok((r.v, r.d))
        }
        fn log_density_hvp_in(
            &self,
            x: &[f64],
            v: &[f64],
            out: &mut [f64],
            _ws: &mut Workspace,
        ) -> Result<f64> {
            let xd: Vec<Dual> = x.iter().zip(v).map(|(&a, &b)| Dual::new(a, b)).collect();
            let mut g = vec![Dual::default(); 2];
            let r = self.grad(&xd, &mut g);
            for (o, gi) in out.iter_mut().zip(&g) {
                *o = gi.d;
            }
            Ok(r.v)
        }
        fn constrain(&self, x: &[f64], out: &mut Vec<f64>) -> Result<()> {
            out.clear();
            out.extend([x[0], x[1].exp()]);
            Ok(())
        }
        fn unconstrain(&self, _values: &[(&str, &[f64])]) -> Result<Vec<f64>> {
            Err(Error::MissingParameter("a".into()))
        }
        fn simulate(&self, _rng: &mut dyn RngCore, _params: Option<&[f64]>) -> Result<Simulation> {
            Err(Error::MissingParameter("a".into()))
        }
    }

    #[test]
    fn a_correct_model_passes_and_reports_its_worst_coordinate() {
        let report = check_gradients(&Toy { wrong: false }).unwrap();
        assert_eq!(report.points_checked, 20);
        assert!(report.worst_ratio <= FD_MARGIN);
        assert!(["a", "s"].contains(&report.worst_coordinate.as_str()));
    }

    #[test]
    fn a_wrong_gradient_is_caught_and_named() {
        let err = check_gradients(&Toy { wrong: true }).unwrap_err();
        match &err {
            GradientCheckError::Mismatch(m) => {
                assert_eq!(m.quantity, "gradient");
                assert_eq!(m.coordinate, "s");
            }
            other => panic!("expected a mismatch, got {other}"),
        }
        assert!(err.to_string().starts_with("gradient of `s`"));
    }
}
