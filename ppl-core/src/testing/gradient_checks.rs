//! Gradient checks: value, JVP (on `Dual`), VJP and second-order (VJP on `Dual`) against
//! central finite differences, and `<v, ∇f> = JVP(v)`.
//!
//! # Tolerances
//!
//! * AD vs finite differences: `|ad - fd| ≤ FD_MARGIN · fd.error`, where `fd.error` is the
//!   bound derived in [`finite_diff`](super::finite_diff) (truncation estimate + rounding).
//! * JVP vs `<v, ∇f>` and value vs value: both sides compute the same exact quantity, so
//!   they may differ only by accumulated rounding: `|a - b| ≤ SAME_MATH_REL · Σ|terms|`.

use super::finite_diff::{self, FdEstimate};
use crate::ad::{Dual, Scalar};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How many finite-difference error bounds an AD derivative may miss by.
pub const FD_MARGIN: f64 = 2.0;
/// Relative rounding allowance between two evaluations of the same exact quantity
/// (`2¹² ε ≈ 9e-13`: thousands of roundings in different orders).
pub const SAME_MATH_REL: f64 = 4096.0 * f64::EPSILON;
/// Random points per check.
pub const POINTS: usize = 100;

/// Where random test points are drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Domain {
    /// Uniform on `(lo, hi)`.
    Interval(f64, f64),
    /// Log-uniform on `(lo, hi)`, `0 < lo < hi`: for scales spanning magnitudes.
    LogUniform(f64, f64),
}

impl Domain {
    /// A random point of the domain (never an endpoint).
    pub fn sample(&self, rng: &mut StdRng) -> f64 {
        match *self {
            Domain::Interval(lo, hi) => lo + (hi - lo) * rng.random_range(0.02..0.98),
            Domain::LogUniform(lo, hi) => {
                (lo.ln() + (hi.ln() - lo.ln()) * rng.random_range(0.02..0.98)).exp()
            }
        }
    }
    /// A quarter of the distance from `x` to the domain's edge: the stencil stays inside.
    pub fn max_step(&self, x: f64) -> f64 {
        let (lo, hi) = match *self {
            Domain::Interval(lo, hi) | Domain::LogUniform(lo, hi) => (lo, hi),
        };
        ((x - lo).min(hi - x) / 4.0).max(f64::MIN_POSITIVE)
    }
}

/// A seeded RNG for a named check, so every check is reproducible and independent.
pub fn rng_for(name: &str) -> StdRng {
    let seed = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x1000_0000_01b3)
    });
    StdRng::seed_from_u64(seed)
}

fn assert_fd(name: &str, what: &str, at: &[f64], ad: f64, fd: FdEstimate) {
    assert!(
        fd.value.is_finite(),
        "{name}: finite difference of {what} is not finite at {at:?} (fd = {fd:?})"
    );
    assert!(
        fd.agrees_with(ad, FD_MARGIN),
        "{name}: {what} = {ad:e} but finite differences give {:e} ± {:e} at {at:?}",
        fd.value,
        fd.error
    );
}

fn assert_same(name: &str, what: &str, at: &[f64], a: f64, b: f64, scale: f64) {
    let tol = SAME_MATH_REL * scale.max(a.abs()).max(b.abs()) + f64::MIN_POSITIVE;
    assert!(
        (a - b).abs() <= tol,
        "{name}: {what} differ: {a:e} vs {b:e} (tolerance {tol:e}) at {at:?}"
    );
}

/// Checks a unary primitive: value on `f64` and `Dual` agree; the JVP and the VJP match
/// finite differences and each other; the VJP run on `Dual` (forward over reverse) matches
/// finite differences of the VJP (second derivative).
pub fn check_unary_rule(
    name: &str,
    f: fn(f64) -> f64,
    f_dual: fn(Dual) -> Dual,
    vjp: fn(f64, f64, f64) -> f64,
    vjp_dual: fn(Dual, Dual, Dual) -> Dual,
    domain: Domain,
) {
    let mut rng = rng_for(name);
    for _ in 0..POINTS {
        let x = domain.sample(&mut rng);
        let y = f(x);
        assert!(y.is_finite(), "{name}({x}) = {y} is not finite");
        let yd = f_dual(Dual::new(x, 1.0));
        assert_same(name, "values on f64 and Dual", &[x], y, yd.v, 0.0);
        let fd = finite_diff::derivative(f, x, domain.max_step(x));
        assert_fd(name, "JVP", &[x], yd.d, fd);
        let g = vjp(x, y, 1.0);
        assert_same(name, "JVP and VJP", &[x], yd.d, g, 0.0);
        let second = vjp_dual(Dual::new(x, 1.0), yd, Dual::new(1.0, 0.0)).d;
        let fd2 = finite_diff::derivative(|t| vjp(t, f(t), 1.0), x, domain.max_step(x));
        assert_fd(name, "second derivative (VJP on Dual)", &[x], second, fd2);
    }
}

/// Checks a binary primitive as [`check_unary_rule`] does, for both partials and the
/// mixed second derivatives along random directions.
#[allow(clippy::type_complexity)]
pub fn check_binary_rule(
    name: &str,
    f: fn(f64, f64) -> f64,
    f_dual: fn(Dual, Dual) -> Dual,
    vjp: fn(f64, f64, f64, f64) -> (f64, f64),
    vjp_dual: fn(Dual, Dual, Dual, Dual) -> (Dual, Dual),
    da: Domain,
    db: Domain,
) {
    let mut rng = rng_for(name);
    for _ in 0..POINTS {
        let (a, b) = (da.sample(&mut rng), db.sample(&mut rng));
        let at = [a, b];
        let y = f(a, b);
        assert!(y.is_finite(), "{name}({a}, {b}) = {y} is not finite");
        let (ga, gb) = vjp(a, b, y, 1.0);
        let fa = finite_diff::derivative(|t| f(t, b), a, da.max_step(a));
        let fb = finite_diff::derivative(|t| f(a, t), b, db.max_step(b));
        assert_fd(name, "∂/∂a (VJP)", &at, ga, fa);
        assert_fd(name, "∂/∂b (VJP)", &at, gb, fb);
        let (va, vb) = (rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0));
        let yd = f_dual(Dual::new(a, va), Dual::new(b, vb));
        assert_same(name, "values on f64 and Dual", &at, y, yd.v, 0.0);
        assert_same(
            name,
            "JVP and <v, VJP>",
            &at,
            yd.d,
            va * ga + vb * gb,
            (va * ga).abs() + (vb * gb).abs(),
        );
        let (ha, hb) = vjp_dual(Dual::new(a, va), Dual::new(b, vb), yd, Dual::new(1.0, 0.0));
        let step = da.max_step(a) / va.abs().max(1e-3);
        let step = step.min(db.max_step(b) / vb.abs().max(1e-3));
        let fda = finite_diff::derivative(
            |t| vjp(a + t * va, b + t * vb, f(a + t * va, b + t * vb), 1.0).0,
            0.0,
            step,
        );
        let fdb = finite_diff::derivative(
            |t| vjp(a + t * va, b + t * vb, f(a + t * va, b + t * vb), 1.0).1,
            0.0,
            step,
        );
        assert_fd(name, "Hessian row a along v", &at, ha.d, fda);
        assert_fd(name, "Hessian row b along v", &at, hb.d, fdb);
    }
}

/// Checks a unary rule defined with [`unary_primitive!`](crate::unary_primitive):
/// `check_unary!("exp", exp, exp_vjp, Domain::Interval(-4.0, 4.0))`.
#[macro_export]
macro_rules! check_unary {
    ($name:expr, $f:ident, $vjp:ident, $domain:expr) => {
        $crate::testing::check_unary_rule(
            $name,
            $f::<f64>,
            $f::<$crate::ad::Dual>,
            $vjp::<f64>,
            $vjp::<$crate::ad::Dual>,
            $domain,
        )
    };
}

/// Checks a binary rule defined with [`binary_primitive!`](crate::binary_primitive).
#[macro_export]
macro_rules! check_binary {
    ($name:expr, $f:ident, $vjp:ident, $da:expr, $db:expr) => {
        $crate::testing::check_binary_rule(
            $name,
            $f::<f64>,
            $f::<$crate::ad::Dual>,
            $vjp::<f64>,
            $vjp::<$crate::ad::Dual>,
            $da,
            $db,
        )
    };
}

/// A function `f: ℝⁿ → ℝ` with a hand-written reverse rule, generic over [`Scalar`] so the
/// check can run its value on `Dual` (JVP) and its gradient on `Dual` (Hessian-vector).
///
/// Tests of vector rules, distributions (w.r.t. every argument and the value) and
/// transforms (including the log-Jacobian) are written as implementations of this trait.
pub trait GradientFunction {
    /// A short name for messages.
    fn name(&self) -> String;
    /// Number of inputs.
    fn dim(&self) -> usize;
    /// A random input where the function is smooth.
    fn sample_point(&self, rng: &mut StdRng) -> Vec<f64>;
    /// Largest finite-difference step for coordinate `i` at `x` (keeps the stencil in the domain).
    fn max_step(&self, _x: &[f64], _i: usize) -> f64 {
        f64::INFINITY
    }
    /// `f(x)`.
    fn value<S: Scalar>(&self, x: &[S]) -> S;
    /// `f(x)`, writing `∇f(x)` into `grad` (overwriting it) through the reverse rules.
    fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S;
}

/// Runs every check of the module docs on `f` at [`POINTS`] random points.
pub fn check_function<F: GradientFunction>(f: &F) {
    let name = f.name();
    let mut rng = rng_for(&name);
    let n = f.dim();
    let mut grad = vec![0.0; n];
    let mut grad_d = vec![Dual::default(); n];
    for _ in 0..POINTS {
        let x = f.sample_point(&mut rng);
        assert_eq!(x.len(), n, "{name}: sample_point has the wrong length");
        let value = f.value(&x);
        assert!(
            value.is_finite(),
            "{name}: value {value} is not finite at {x:?}"
        );
        let value_g = f.gradient(&x, &mut grad);
        assert_same(&name, "value and gradient's value", &x, value, value_g, 0.0);
        for i in 0..n {
            let mut buf = x.clone();
            let h = f.max_step(&x, i);
            let fd = finite_diff::derivative(
                |t| {
                    buf[i] = t;
                    f.value(&buf)
                },
                x[i],
                h,
            );
            assert_fd(&name, &format!("∂f/∂x[{i}]"), &x, grad[i], fd);
        }
        let v: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let xd: Vec<Dual> = x.iter().zip(&v).map(|(&a, &b)| Dual::new(a, b)).collect();
        let jvp = f.value(&xd);
        let dot: f64 = grad.iter().zip(&v).map(|(g, vi)| g * vi).sum();
        let scale: f64 = grad.iter().zip(&v).map(|(g, vi)| (g * vi).abs()).sum();
        assert_same(&name, "JVP and <v, ∇f>", &x, jvp.d, dot, scale);
        f.gradient(&xd, &mut grad_d);
        let step = (0..n)
            .map(|i| f.max_step(&x, i) / v[i].abs().max(1e-3))
            .fold(f64::INFINITY, f64::min);
        // Steps along v scale with the point's size (see `derivative_at_scale`).
        let scale = x.iter().fold(0.0f64, |m, xi| m.max(xi.abs()));
        for i in 0..n {
            let mut g = vec![0.0; n];
            let mut buf = x.clone();
            let fd = finite_diff::derivative_at_scale(
                |t| {
                    for k in 0..n {
                        buf[k] = x[k] + t * v[k];
                    }
                    f.gradient(&buf, &mut g);
                    g[i]
                },
                0.0,
                scale,
                step,
            );
            assert_fd(
                &name,
                &format!("(H v)[{i}] (gradient on Dual)"),
                &x,
                grad_d[i].d,
                fd,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::ScalarMath;

    fn sin_ok<S: Scalar>(x: S) -> S {
        x.sin()
    }
    fn sin_bad_vjp<S: Scalar>(x: S, _y: S, y_bar: S) -> S {
        y_bar * x.cos() * (1.0 + 1e-7)
    }
    fn sin_bad_second_vjp<S: Scalar>(x: S, _y: S, y_bar: S) -> S {
        // Right value at f64, wrong second derivative: the tangent of `x` is dropped.
        y_bar * S::cst(x.value().cos())
    }

    #[test]
    #[should_panic(expected = "JVP and VJP differ")]
    fn a_wrong_first_derivative_fails() {
        crate::check_unary!("bad sin", sin_ok, sin_bad_vjp, Domain::Interval(-2.0, 2.0));
    }

    #[test]
    #[should_panic(expected = "second derivative")]
    fn a_wrong_second_derivative_fails() {
        crate::check_unary!(
            "bad sin 2",
            sin_ok,
            sin_bad_second_vjp,
            Domain::Interval(-2.0, 2.0)
        );
    }
}
