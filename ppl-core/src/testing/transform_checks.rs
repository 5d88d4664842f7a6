//! Checks every transform passes: round trip, lands in support, log-Jacobian vs numerical Jacobian, reverse rule vs finite differences.
//!
//! # What is checked
//!
//! [`check_scalar_transform`] (a family of scalar transforms, bounds drawn from domains)
//! and [`check_vector_transform`], at [`POINTS`] random points:
//!
//! * (a) **round trip**: `unconstrain(constrain(x)) = x` within the tolerance below;
//! * (b) **support**: `constrain(x)` lies in the (open) support, checked by [`in_support`],
//!   written independently of the transforms' own inverses;
//! * (c) **log-Jacobian**: `ln J` returned by `constrain` equals `ln |det|` of the Jacobian
//!   of `x ↦` the *free coordinates* of `y` (see [`free_coordinates`]), computed twice: from
//!   exact JVPs on [`Dual`] (catches any error above rounding) and from central finite
//!   differences ([`finite_diff::derivative`]) of `constrain` on `f64` (independent of AD);
//! * (d) **reverse rule**: the functional `Σ wᵢ yᵢ + c · ln J` with fixed random `w`, `c`
//!   goes through [`check_function`]: its gradient by `constrain_vjp` against finite
//!   differences, the JVP on `Dual` against `<v, ∇>`, and the reverse rule run on `Dual`
//!   (second order) against finite differences of the gradient. For scalar transforms the
//!   bounds are inputs too, so their adjoints are checked.
//!
//! [`check_scalar_extremes`] and [`check_vector_extremes`] run the transforms at extreme
//! arguments ([`EXTREME_U`], and random mixtures of them for vectors): `y` and `ln J` are
//! finite, `y` lies in the closure of the support, and the JVP, the VJP and the VJP on
//! `Dual` are finite; scalar transforms also pass the round trip there when `y` is inside.
//!
//! # Free coordinates
//!
//! A simplex or a correlation Cholesky factor lives on a manifold of lower dimension than
//! its `K` or `K²` stored values; like Stan, `ln J` is the log-determinant of the map to the
//! coordinates that parameterise it: the first `K - 1` entries of a simplex, the strictly
//! lower entries of a correlation Cholesky factor, the lower triangle (with diagonal) of a
//! covariance Cholesky factor, and every entry otherwise.
//!
//! # Tolerances
//!
//! With `J` the exact Jacobian of the free coordinates (from JVPs) and `J⁻¹` its inverse:
//!
//! * round trip: `|x̃ᵢ - xᵢ| ≤ ROUND_TRIP_REL · (|xᵢ| + Σⱼ |J⁻¹ᵢⱼ| mⱼ)` — the first-order
//!   propagation through the inverse of rounding errors of relative size `ROUND_TRIP_REL`
//!   in `x` and of absolute size `ROUND_TRIP_REL · mⱼ` in `yⱼ`, with `mⱼ` the magnitude of
//!   the terms `yⱼ` is computed from: `max(|y|, |lo|, |hi|)` for scalar transforms (a sum
//!   with the bounds), `maxₖ |yₖ|` for (positive-)ordered vectors (cumulative sums), and
//!   `|yⱼ|` for the others (products, relative accuracy). This is the condition of the
//!   map at `x`: large where the transform saturates (e.g. `1/(σ(u)σ(-u))` for an interval).
//! * `ln J` vs exact Jacobian: `|ln|det J| - ln J| ≤ SAME_MATH_REL · (Σₐᵦ |J⁻¹ᵦₐ Jₐᵦ| + |ln J|)`
//!   (rounding of each entry of `J`, propagated by `δ ln|det J| = tr(J⁻¹ δJ)`).
//! * `ln J` vs finite differences: `FD_MARGIN · Σₐᵦ |J⁻¹ᵦₐ| errₐᵦ` plus the rounding term
//!   above, `errₐᵦ` being the derived error bound of each finite-difference entry (the
//!   first-order perturbation bound; the test requires `Σ |J⁻¹ᵦₐ| errₐᵦ < 0.1` so the
//!   second-order remainder is covered by the margin).
//! * support equalities (simplex sum, unit rows of a correlation factor):
//!   `|Σ - 1| ≤ SUPPORT_REL · max(K, 1)`.
//! * (d): as documented in [`gradient_checks`](super::gradient_checks).

use super::finite_diff::{self, FdEstimate};
use super::gradient_checks::{
    check_function, rng_for, Domain, GradientFunction, FD_MARGIN, POINTS, SAME_MATH_REL,
};
use crate::ad::{Dual, Scalar};
use crate::transforms::{
    CorrCholeskyTransform, CovCholeskyTransform, Identity, IntervalTransform, LowerBound,
    OrderedTransform, PositiveOrderedTransform, ScalarTransform, StickBreaking, Support,
    UpperBound, VectorSupportTransform, VectorTransform,
};
use rand::rngs::StdRng;
use rand::Rng;
use std::marker::PhantomData;

/// Relative rounding allowed in a round trip, before propagation through the inverse's
/// condition (`64 ε`).
pub const ROUND_TRIP_REL: f64 = 64.0 * f64::EPSILON;
/// Relative rounding allowed per entry in the equalities defining a support.
pub const SUPPORT_REL: f64 = 16.0 * f64::EPSILON;
/// Extreme unconstrained arguments every transform must survive without NaN.
pub const EXTREME_U: [f64; 5] = [-30.0, -12.0, 0.0, 12.0, 30.0];
/// Random mixtures of extreme arguments tried per vector transform.
pub const EXTREME_TRIALS: usize = 200;

/// A scalar transform whose bounds (possibly none) are given as a slice, at any scalar
/// type: the marker `LowerBound<()>` stands for `LowerBound<S>` for every `S`.
pub trait ScalarTransformFamily {
    /// The transform with bounds of type `S`.
    type Of<S: Scalar>: ScalarTransform<S>;
    /// A short name for messages.
    const NAME: &'static str;
    /// Number of bounds.
    const N_BOUNDS: usize;
    /// The transform with these bounds (`N_BOUNDS` of them, in the order of the type).
    fn with_bounds<S: Scalar>(bounds: &[S]) -> Self::Of<S>;
    /// The bounds held by a transform (the bound adjoints of a reverse rule's result).
    fn bounds<S: Scalar>(t: &Self::Of<S>) -> Vec<S>;
    /// The support of the transform with these bounds.
    fn support(bounds: &[f64]) -> Support<f64>;
}

/// A vector transform usable at any scalar type, with the support it maps onto.
pub trait VectorTransformFamily: Copy {
    /// The transform at scalar type `S`.
    type Of<S: Scalar>: VectorTransform<S>;
    /// The transform at scalar type `S`.
    fn at<S: Scalar>(&self) -> Self::Of<S>;
    /// The support of its values.
    fn support(&self) -> Support<f64>;
    /// A short name for messages (and the seed of the check's random points).
    fn name(&self) -> String {
        format!("transform onto the {}", self.support().describe())
    }
}

impl ScalarTransformFamily for Identity {
    type Of<S: Scalar> = Identity;
    const NAME: &'static str = "identity";
    const N_BOUNDS: usize = 0;
    fn with_bounds<S: Scalar>(_bounds: &[S]) -> Identity {
        Identity
    }
    fn bounds<S: Scalar>(_t: &Identity) -> Vec<S> {
        Vec::new()
    }
    fn support(_bounds: &[f64]) -> Support<f64> {
        Support::Real
    }
}

impl ScalarTransformFamily for LowerBound<()> {
    type Of<S: Scalar> = LowerBound<S>;
    const NAME: &'static str = "lower-bound";
    const N_BOUNDS: usize = 1;
    fn with_bounds<S: Scalar>(bounds: &[S]) -> LowerBound<S> {
        LowerBound::new(bounds[0])
    }
    fn bounds<S: Scalar>(t: &LowerBound<S>) -> Vec<S> {
        vec![t.lo]
    }
    fn support(bounds: &[f64]) -> Support<f64> {
        Support::LowerBounded(bounds[0])
    }
}

impl ScalarTransformFamily for UpperBound<()> {
    type Of<S: Scalar> = UpperBound<S>;
    const NAME: &'static str = "upper-bound";
    const N_BOUNDS: usize = 1;
    fn with_bounds<S: Scalar>(bounds: &[S]) -> UpperBound<S> {
        UpperBound::new(bounds[0])
    }
    fn bounds<S: Scalar>(t: &UpperBound<S>) -> Vec<S> {
        vec![t.hi]
    }
    fn support(bounds: &[f64]) -> Support<f64> {
        Support::UpperBounded(bounds[0])
    }
}

impl ScalarTransformFamily for IntervalTransform<()> {
    type Of<S: Scalar> = IntervalTransform<S>;
    const NAME: &'static str = "interval";
    const N_BOUNDS: usize = 2;
    fn with_bounds<S: Scalar>(bounds: &[S]) -> IntervalTransform<S> {
        IntervalTransform::new(bounds[0], bounds[1])
    }
    fn bounds<S: Scalar>(t: &IntervalTransform<S>) -> Vec<S> {
        vec![t.lo, t.hi]
    }
    fn support(bounds: &[f64]) -> Support<f64> {
        Support::Interval(bounds[0], bounds[1])
    }
}

macro_rules! vector_family {
    ($($t:ident => $variant:ident),*) => {$(
        impl VectorTransformFamily for $t {
            type Of<S: Scalar> = $t;
            fn at<S: Scalar>(&self) -> $t {
                *self
            }
            fn support(&self) -> Support<f64> {
                Support::$variant(self.k)
            }
        }
    )*};
}

vector_family!(
    StickBreaking => Simplex,
    OrderedTransform => Ordered,
    PositiveOrderedTransform => PositiveOrdered,
    CorrCholeskyTransform => CorrCholesky,
    CovCholeskyTransform => CovCholesky
);

impl VectorTransformFamily for VectorSupportTransform {
    type Of<S: Scalar> = VectorSupportTransform;
    fn at<S: Scalar>(&self) -> VectorSupportTransform {
        *self
    }
    fn support(&self) -> Support<f64> {
        match *self {
            VectorSupportTransform::Simplex(t) => t.support(),
            VectorSupportTransform::Ordered(t) => t.support(),
            VectorSupportTransform::PositiveOrdered(t) => t.support(),
            VectorSupportTransform::CorrCholesky(t) => t.support(),
            VectorSupportTransform::CovCholesky(t) => t.support(),
        }
    }
    fn name(&self) -> String {
        format!("mapping onto the {}", self.support().describe())
    }
}

/// `Ok` when `y` lies in the support (in its closure when `closure`), else what is wrong.
///
/// Written independently of the transforms: scalar supports by their bounds, a simplex by
/// positive entries summing to 1, ordered vectors by strictly increasing entries (and a
/// positive first one), Cholesky factors by a zero strict upper triangle and a positive
/// diagonal (plus unit rows for a correlation factor). Equalities hold within
/// [`SUPPORT_REL`]` · max(K, 1)`; every entry must be finite.
pub fn in_support(support: Support<f64>, y: &[f64], closure: bool) -> Result<(), String> {
    let m = support.constrained_len();
    if y.len() != m {
        return Err(format!("{} values for a support of {m}", y.len()));
    }
    if let Some((i, v)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(format!("entry {i} = {v} is not finite"));
    }
    let above = |a: f64, b: f64| if closure { a >= b } else { a > b };
    let unit = |s: f64, k: usize| (s - 1.0).abs() <= SUPPORT_REL * (k.max(1) as f64);
    let inside = |ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(format!("{y:?} is outside {}", support.describe()))
        }
    };
    match support {
        Support::Real => Ok(()),
        Support::Positive => inside(above(y[0], 0.0)),
        Support::LowerBounded(lo) => inside(above(y[0], lo)),
        Support::UpperBounded(hi) => inside(above(hi, y[0])),
        Support::Interval(lo, hi) => inside(above(y[0], lo) && above(hi, y[0])),
        Support::UnitInterval => inside(above(y[0], 0.0) && above(1.0, y[0])),
        Support::Simplex(k) => {
            if let Some((i, v)) = y.iter().enumerate().find(|(_, &v)| !above(v, 0.0)) {
                return Err(format!("simplex entry {i} = {v} in {y:?}"));
            }
            let sum: f64 = y.iter().sum();
            if k > 0 && !unit(sum, k) {
                return Err(format!("simplex entries sum to {sum} in {y:?}"));
            }
            Ok(())
        }
        Support::Ordered(_) | Support::PositiveOrdered(_) => {
            let positive = matches!(support, Support::PositiveOrdered(_));
            if positive && !y.is_empty() && !above(y[0], 0.0) {
                return Err(format!("first entry {} not positive in {y:?}", y[0]));
            }
            match (1..y.len()).find(|&i| !above(y[i], y[i - 1])) {
                Some(i) => Err(format!("entry {i} not above entry {} in {y:?}", i - 1)),
                None => Ok(()),
            }
        }
        Support::CorrCholesky(k) | Support::CovCholesky(k) => {
            for i in 0..k {
                let row = &y[i * k..(i + 1) * k];
                if let Some(j) = (i + 1..k).find(|&j| row[j] != 0.0) {
                    return Err(format!("entry ({i}, {j}) = {} above the diagonal", row[j]));
                }
                if !above(row[i], 0.0) {
                    return Err(format!("diagonal entry ({i}, {i}) = {}", row[i]));
                }
                if matches!(support, Support::CorrCholesky(_)) {
                    let norm2: f64 = row.iter().map(|v| v * v).sum();
                    if !unit(norm2, k) {
                        return Err(format!("row {i} has squared norm {norm2}"));
                    }
                }
            }
            Ok(())
        }
    }
}

/// Indices of the free coordinates of a value of the support (see the module docs), in the
/// order of the unconstrained inputs.
pub fn free_coordinates(support: Support<f64>) -> Vec<usize> {
    match support {
        Support::Simplex(k) => (0..k.saturating_sub(1)).collect(),
        Support::Ordered(k) | Support::PositiveOrdered(k) => (0..k).collect(),
        Support::CorrCholesky(k) => (0..k)
            .flat_map(|i| (0..i).map(move |j| i * k + j))
            .collect(),
        Support::CovCholesky(k) => (0..k)
            .flat_map(|i| (0..=i).map(move |j| i * k + j))
            .collect(),
        _ => vec![0],
    }
}

/// `(ln |det a|, a⁻¹)` of the row-major `n × n` matrix `a` by Gauss–Jordan elimination with
/// partial pivoting; `None` when a pivot is zero or not finite.
fn invert(a: &[f64], n: usize) -> Option<(f64, Vec<f64>)> {
    let mut m = a.to_vec();
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        inv[i * n + i] = 1.0;
    }
    let mut log_det = 0.0;
    for col in 0..n {
        let p = (col..n).max_by(|&r, &s| m[r * n + col].abs().total_cmp(&m[s * n + col].abs()))?;
        let pivot = m[p * n + col];
        if pivot == 0.0 || !pivot.is_finite() {
            return None;
        }
        for c in 0..n {
            m.swap(col * n + c, p * n + c);
            inv.swap(col * n + c, p * n + c);
        }
        log_det += pivot.abs().ln();
        for c in 0..n {
            m[col * n + c] /= pivot;
            inv[col * n + c] /= pivot;
        }
        for r in (0..n).filter(|&r| r != col) {
            let f = m[r * n + col];
            if f != 0.0 {
                for c in 0..n {
                    m[r * n + c] -= f * m[col * n + c];
                    inv[r * n + c] -= f * inv[col * n + c];
                }
            }
        }
    }
    Some((log_det, inv))
}

/// (c): `ln J` against the exact Jacobian and the finite-difference one.
fn check_log_det(
    name: &str,
    at: &[f64],
    n: usize,
    log_jac: f64,
    jac: &[f64],
    jac_fd: &[FdEstimate],
) {
    let Some((log_det, inv)) = invert(jac, n) else {
        panic!("{name}: the Jacobian {jac:?} is singular at {at:?}");
    };
    let mut cond = 0.0;
    let mut fd_err = 0.0;
    for a in 0..n {
        for b in 0..n {
            cond += (inv[b * n + a] * jac[a * n + b]).abs();
            fd_err += inv[b * n + a].abs() * jac_fd[a * n + b].error;
        }
    }
    let rounding = SAME_MATH_REL * (cond + log_jac.abs()) + f64::MIN_POSITIVE;
    assert!(
        (log_det - log_jac).abs() <= rounding,
        "{name}: ln J = {log_jac:e} but ln|det J| of the exact Jacobian is {log_det:e} \
         (tolerance {rounding:e}) at {at:?}"
    );
    assert!(
        fd_err < 0.1,
        "{name}: finite-difference Jacobian too inaccurate to test (Σ|J⁻¹| err = {fd_err:e}) at {at:?}"
    );
    let fd_values: Vec<f64> = jac_fd.iter().map(|e| e.value).collect();
    let Some((log_det_fd, _)) = invert(&fd_values, n) else {
        panic!("{name}: the finite-difference Jacobian {fd_values:?} is singular at {at:?}");
    };
    let tol = FD_MARGIN * fd_err + rounding;
    assert!(
        (log_det_fd - log_jac).abs() <= tol,
        "{name}: ln J = {log_jac:e} but finite differences give ln|det J| = {log_det_fd:e} \
         (tolerance {tol:e}) at {at:?}"
    );
}

/// (a): `back` against `x` within the propagated rounding of `y` (magnitudes `mags`).
fn check_round_trip(name: &str, at: &[f64], x: &[f64], back: &[f64], inv: &[f64], mags: &[f64]) {
    let n = x.len();
    for i in 0..n {
        let spread: f64 = (0..n).map(|j| inv[i * n + j].abs() * mags[j]).sum();
        let tol = ROUND_TRIP_REL * (x[i].abs() + spread) + f64::MIN_POSITIVE;
        assert!(
            (back[i] - x[i]).abs() <= tol,
            "{name}: round trip of x[{i}] = {:e} gives {:e} (tolerance {tol:e}) at {at:?}",
            x[i],
            back[i]
        );
    }
}

fn random_weights(name: &str, m: usize) -> (Vec<f64>, f64) {
    let mut rng = rng_for(&format!("{name} weights"));
    let w = (0..m).map(|_| rng.random_range(-1.0..1.0)).collect();
    (w, rng.random_range(-1.0..1.0))
}

/// `w · y + c · ln J` of a scalar transform, inputs `(u, bounds…)`.
struct ScalarFunctional<'a, F> {
    bounds: &'a [Domain],
    u: Domain,
    w: f64,
    c: f64,
    _f: PhantomData<F>,
}

impl<F: ScalarTransformFamily> GradientFunction for ScalarFunctional<'_, F> {
    fn name(&self) -> String {
        format!(
            "{} transform: w·y + c·ln J, u in {:?}, bounds in {:?}",
            F::NAME,
            self.u,
            self.bounds
        )
    }
    fn dim(&self) -> usize {
        1 + F::N_BOUNDS
    }
    fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
        std::iter::once(&self.u)
            .chain(self.bounds)
            .map(|d| d.sample(rng))
            .collect()
    }
    fn max_step(&self, x: &[f64], i: usize) -> f64 {
        if i == 0 {
            f64::INFINITY
        } else {
            self.bounds[i - 1].max_step(x[i])
        }
    }
    fn value<S: Scalar>(&self, x: &[S]) -> S {
        let (y, lj) = F::with_bounds(&x[1..]).constrain(x[0]);
        y * self.w + lj * self.c
    }
    fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
        let t = F::with_bounds(&x[1..]);
        let (y, lj) = t.constrain(x[0]);
        let (x_bar, t_bar) = t.constrain_vjp(x[0], S::cst(self.w), S::cst(self.c));
        grad[0] = x_bar;
        let bounds_bar = F::bounds(&t_bar);
        assert_eq!(bounds_bar.len(), F::N_BOUNDS, "{}: bounds()", F::NAME);
        grad[1..].copy_from_slice(&bounds_bar);
        y * self.w + lj * self.c
    }
}

/// Runs checks (a)–(d) of the module docs on a scalar transform family, `u` and each bound
/// drawn from its domain (the bound domains must keep the support non-empty, e.g.
/// `lo ∈ (-3, -1)`, `hi ∈ (0, 4)`).
///
/// ```
/// use ppl_core::testing::transform_checks::check_scalar_transform;
/// use ppl_core::testing::Domain;
/// use ppl_core::transforms::LowerBound;
/// check_scalar_transform::<LowerBound<()>>(&[Domain::Interval(-2.0, 2.0)], Domain::Interval(-4.0, 4.0));
/// ```
pub fn check_scalar_transform<F: ScalarTransformFamily>(bounds: &[Domain], u: Domain) {
    assert_eq!(
        bounds.len(),
        F::N_BOUNDS,
        "{}: one domain per bound",
        F::NAME
    );
    let name = format!("{} transform, u in {u:?}, bounds in {bounds:?}", F::NAME);
    let mut rng = rng_for(&name);
    for _ in 0..POINTS {
        let b: Vec<f64> = bounds.iter().map(|d| d.sample(&mut rng)).collect();
        let x = u.sample(&mut rng);
        let at: Vec<f64> = std::iter::once(x).chain(b.iter().copied()).collect();
        let t = F::with_bounds(&b);
        let (y, lj) = t.constrain(x);
        assert!(
            y.is_finite() && lj.is_finite(),
            "{name}: (y, ln J) = ({y}, {lj}) at {at:?}"
        );
        if let Err(e) = in_support(F::support(&b), &[y], false) {
            panic!("{name}: constrain leaves the support at {at:?}: {e}");
        }
        let bd: Vec<Dual> = b.iter().map(|&v| Dual::cst(v)).collect();
        let (yd, ljd) = F::with_bounds(&bd).constrain(Dual::new(x, 1.0));
        assert!(
            yd.v == y && ljd.v == lj,
            "{name}: values on f64 and Dual differ at {at:?}"
        );
        let Some((_, inv)) = invert(&[yd.d], 1) else {
            panic!("{name}: dy/du = {} at {at:?}", yd.d);
        };
        let back = t
            .unconstrain(y)
            .unwrap_or_else(|e| panic!("{name}: unconstrain({y}) failed at {at:?}: {e}"));
        let mag = b.iter().fold(y.abs(), |m, v| m.max(v.abs()));
        check_round_trip(&name, &at, &[x], &[back], &inv, &[mag]);
        let fd = finite_diff::derivative(|s| t.constrain(s).0, x, f64::INFINITY);
        check_log_det(&name, &at, 1, lj, &[yd.d], &[fd]);
    }
    let (w, c) = random_weights(&name, 1);
    check_function(&ScalarFunctional::<F> {
        bounds,
        u,
        w: w[0],
        c,
        _f: PhantomData,
    });
}

/// Runs a scalar transform with the given bounds at each of `us` (e.g. [`EXTREME_U`]): `y`
/// and `ln J` finite, `y` in the closure of the support, JVP and VJP (on `f64` and `Dual`)
/// finite, and the round trip within its tolerance wherever `y` is strictly inside.
pub fn check_scalar_extremes<F: ScalarTransformFamily>(bounds: &[f64], us: &[f64]) {
    assert_eq!(
        bounds.len(),
        F::N_BOUNDS,
        "{}: one value per bound",
        F::NAME
    );
    let name = format!("{} transform with bounds {bounds:?}", F::NAME);
    let support = F::support(bounds);
    let t = F::with_bounds(bounds);
    let fixed: Vec<Dual> = bounds.iter().map(|&v| Dual::cst(v)).collect();
    let moving: Vec<Dual> = bounds.iter().map(|&v| Dual::new(v, 0.5)).collect();
    let finite = |d: Dual| d.v.is_finite() && d.d.is_finite();
    for &u in us {
        let (y, lj) = t.constrain(u);
        assert!(
            y.is_finite() && lj.is_finite(),
            "{name}: (y, ln J) = ({y}, {lj}) at u = {u}"
        );
        if let Err(e) = in_support(support, &[y], true) {
            panic!("{name}: y = {y} outside the closure of the support at u = {u}: {e}");
        }
        let (x_bar, t_bar) = t.constrain_vjp(u, 0.7, -0.3);
        assert!(
            x_bar.is_finite() && F::bounds(&t_bar).iter().all(|v| v.is_finite()),
            "{name}: reverse rule not finite at u = {u}"
        );
        let td = F::with_bounds(&moving);
        let (yd, ljd) = td.constrain(Dual::new(u, 1.0));
        assert!(
            finite(yd) && finite(ljd),
            "{name}: JVP not finite at u = {u}"
        );
        let (xbd, tbd) = td.constrain_vjp(Dual::new(u, 1.0), Dual::cst(0.7), Dual::cst(-0.3));
        assert!(
            finite(xbd) && F::bounds(&tbd).into_iter().all(finite),
            "{name}: reverse rule on Dual not finite at u = {u}"
        );
        if in_support(support, &[y], false).is_ok() {
            let slope = F::with_bounds(&fixed).constrain(Dual::new(u, 1.0)).0.d;
            if let Some((_, inv)) = invert(&[slope], 1) {
                let back = t
                    .unconstrain(y)
                    .unwrap_or_else(|e| panic!("{name}: unconstrain({y}) failed at u = {u}: {e}"));
                let mag = bounds.iter().fold(y.abs(), |m, v| m.max(v.abs()));
                check_round_trip(&name, &[u], &[u], &[back], &inv, &[mag]);
            }
        }
    }
}

/// `w · y + c · ln J` of a vector transform.
struct VectorFunctional<T> {
    t: T,
    domain: Domain,
    w: Vec<f64>,
    c: f64,
}

impl<T: VectorTransformFamily> GradientFunction for VectorFunctional<T> {
    fn name(&self) -> String {
        format!("{}: w·y + c·ln J, x in {:?}", self.t.name(), self.domain)
    }
    fn dim(&self) -> usize {
        VectorTransform::<f64>::unconstrained_len(&self.t.at::<f64>())
    }
    fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
        (0..self.dim()).map(|_| self.domain.sample(rng)).collect()
    }
    fn value<S: Scalar>(&self, x: &[S]) -> S {
        let mut y = vec![S::zero(); self.w.len()];
        let lj = self.t.at::<S>().constrain(x, &mut y);
        y.iter().zip(&self.w).map(|(&yi, &wi)| yi * wi).sum::<S>() + lj * self.c
    }
    fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
        let t = self.t.at::<S>();
        let mut y = vec![S::zero(); self.w.len()];
        let lj = t.constrain(x, &mut y);
        let y_bar: Vec<S> = self.w.iter().map(|&wi| S::cst(wi)).collect();
        for g in grad.iter_mut() {
            *g = S::zero();
        }
        t.constrain_vjp(x, &y, &y_bar, S::cst(self.c), grad);
        y.iter().zip(&self.w).map(|(&yi, &wi)| yi * wi).sum::<S>() + lj * self.c
    }
}

/// Runs checks (a)–(d) of the module docs on a vector transform, `x` drawn coordinatewise
/// from `x_domain`.
///
/// ```
/// use ppl_core::testing::transform_checks::check_vector_transform;
/// use ppl_core::testing::Domain;
/// use ppl_core::transforms::StickBreaking;
/// check_vector_transform(StickBreaking { k: 3 }, Domain::Interval(-2.0, 2.0));
/// ```
pub fn check_vector_transform<T: VectorTransformFamily>(t: T, x_domain: Domain) {
    let support = t.support();
    let (tf, td) = (t.at::<f64>(), t.at::<Dual>());
    let name = format!("{}, x in {x_domain:?}", t.name());
    let (n, m) = (tf.unconstrained_len(), tf.constrained_len());
    assert_eq!(
        (n, m),
        (support.unconstrained_len(), support.constrained_len()),
        "{name}: lengths disagree with the support"
    );
    assert_eq!(
        (td.unconstrained_len(), td.constrained_len()),
        (n, m),
        "{name}: lengths on Dual"
    );
    let free = free_coordinates(support);
    assert_eq!(free.len(), n, "{name}: free coordinates");
    let ordered = matches!(support, Support::Ordered(_) | Support::PositiveOrdered(_));
    let mut rng = rng_for(&name);
    let mut y = vec![0.0; m];
    let mut y_buf = vec![0.0; m];
    let mut yd = vec![Dual::default(); m];
    let mut back = vec![0.0; n];
    let mut jac = vec![0.0; n * n];
    let mut jac_fd = Vec::with_capacity(n * n);
    for _ in 0..POINTS {
        let x: Vec<f64> = (0..n).map(|_| x_domain.sample(&mut rng)).collect();
        let lj = tf.constrain(&x, &mut y);
        assert!(lj.is_finite(), "{name}: ln J = {lj} at {x:?}");
        if let Err(e) = in_support(support, &y, false) {
            panic!("{name}: constrain leaves the support at {x:?}: {e}");
        }
        // exact Jacobian of the free coordinates, one JVP per input
        for b in 0..n {
            let xd: Vec<Dual> = (0..n)
                .map(|i| Dual::new(x[i], if i == b { 1.0 } else { 0.0 }))
                .collect();
            let ljd = td.constrain(&xd, &mut yd);
            assert!(
                ljd.v == lj && yd.iter().zip(&y).all(|(a, b)| a.v == *b),
                "{name}: values on f64 and Dual differ at {x:?}"
            );
            for a in 0..n {
                jac[a * n + b] = yd[free[a]].d;
            }
        }
        let Some((_, inv)) = invert(&jac, n) else {
            panic!("{name}: singular Jacobian {jac:?} at {x:?}");
        };
        // (a)
        tf.unconstrain(&y, &mut back)
            .unwrap_or_else(|e| panic!("{name}: unconstrain({y:?}) failed at {x:?}: {e}"));
        let y_max = y.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let mags: Vec<f64> = free
            .iter()
            .map(|&j| if ordered { y_max } else { y[j].abs() })
            .collect();
        check_round_trip(&name, &x, &x, &back, &inv, &mags);
        // (c)
        jac_fd.clear();
        jac_fd.resize(
            n * n,
            FdEstimate {
                value: 0.0,
                error: 0.0,
            },
        );
        for b in 0..n {
            for a in 0..n {
                let mut buf = x.clone();
                jac_fd[a * n + b] = finite_diff::derivative(
                    |s| {
                        buf[b] = s;
                        tf.constrain(&buf, &mut y_buf);
                        y_buf[free[a]]
                    },
                    x[b],
                    f64::INFINITY,
                );
            }
        }
        check_log_det(&name, &x, n, lj, &jac, &jac_fd);
    }
    // (d)
    let (w, c) = random_weights(&name, m);
    check_function(&VectorFunctional {
        t,
        domain: x_domain,
        w,
        c,
    });
}

/// Runs a vector transform at every constant vector of `values` and at [`EXTREME_TRIALS`]
/// random vectors with entries from `values` (e.g. [`EXTREME_U`]): `y` and `ln J` finite,
/// `y` in the closure of the support, JVP and VJP (on `f64` and `Dual`) finite.
pub fn check_vector_extremes<T: VectorTransformFamily>(t: T, values: &[f64]) {
    let support = t.support();
    let (tf, td) = (t.at::<f64>(), t.at::<Dual>());
    let name = format!("{} at extreme arguments", t.name());
    let (n, m) = (tf.unconstrained_len(), tf.constrained_len());
    let mut rng = rng_for(&name);
    let mut y = vec![0.0; m];
    let mut yd = vec![Dual::default(); m];
    let mut x_bar = vec![0.0; n];
    let mut x_bar_d = vec![Dual::default(); n];
    let finite = |d: &Dual| d.v.is_finite() && d.d.is_finite();
    for trial in 0..values.len() + EXTREME_TRIALS {
        let x: Vec<f64> = if trial < values.len() {
            vec![values[trial]; n]
        } else {
            (0..n)
                .map(|_| values[rng.random_range(0..values.len())])
                .collect()
        };
        let lj = tf.constrain(&x, &mut y);
        assert!(lj.is_finite(), "{name}: ln J = {lj} at {x:?}");
        if let Err(e) = in_support(support, &y, true) {
            panic!("{name}: y outside the closure of the support at {x:?}: {e}");
        }
        let xd: Vec<Dual> = x
            .iter()
            .map(|&v| Dual::new(v, rng.random_range(-1.0..1.0)))
            .collect();
        let ljd = td.constrain(&xd, &mut yd);
        assert!(
            finite(&ljd) && yd.iter().all(finite),
            "{name}: JVP not finite at {x:?}: {yd:?}"
        );
        let y_bar: Vec<f64> = (0..m).map(|_| rng.random_range(-1.0..1.0)).collect();
        let lj_bar = rng.random_range(-1.0..1.0);
        x_bar.iter_mut().for_each(|v| *v = 0.0);
        tf.constrain_vjp(&x, &y, &y_bar, lj_bar, &mut x_bar);
        assert!(
            x_bar.iter().all(|v| v.is_finite()),
            "{name}: VJP not finite at {x:?}: {x_bar:?}"
        );
        let y_bar_d: Vec<Dual> = y_bar.iter().map(|&v| Dual::cst(v)).collect();
        x_bar_d.iter_mut().for_each(|v| *v = Dual::default());
        td.constrain_vjp(&xd, &yd, &y_bar_d, Dual::cst(lj_bar), &mut x_bar_d);
        assert!(
            x_bar_d.iter().all(finite),
            "{name}: VJP on Dual not finite at {x:?}: {x_bar_d:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inversion_and_log_det_of_a_known_matrix() {
        let a = [2.0, 1.0, 0.0, 0.0, 3.0, 1.0, 1.0, 0.0, 4.0];
        let (ld, inv) = invert(&a, 3).unwrap();
        assert!((ld - 25f64.ln()).abs() < 1e-14); // det = 2·12 + 1·1 = 25
        for i in 0..3 {
            for j in 0..3 {
                let p: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((p - if i == j { 1.0 } else { 0.0 }).abs() < 1e-15);
            }
        }
        assert!(invert(&[1.0, 2.0, 2.0, 4.0], 2).is_none());
        assert_eq!(invert(&[], 0).unwrap().0, 0.0);
    }

    #[test]
    fn membership_is_checked_independently() {
        assert!(in_support(Support::Simplex(3), &[0.2, 0.3, 0.5], false).is_ok());
        assert!(in_support(Support::Simplex(3), &[0.2, 0.3, 0.51], false).is_err());
        assert!(in_support(Support::Simplex(2), &[1.0, 0.0], false).is_err());
        assert!(in_support(Support::Simplex(2), &[1.0, 0.0], true).is_ok());
        assert!(in_support(Support::Ordered(3), &[-1.0, 0.0, 0.0], false).is_err());
        assert!(in_support(Support::Ordered(3), &[-1.0, 0.0, 0.0], true).is_ok());
        assert!(in_support(Support::PositiveOrdered(2), &[-1.0, 2.0], false).is_err());
        let s = 0.5f64.sqrt();
        assert!(in_support(Support::CorrCholesky(2), &[1.0, 0.0, s, s], false).is_ok());
        assert!(in_support(Support::CorrCholesky(2), &[1.0, 0.0, s, 0.5], false).is_err());
        assert!(in_support(Support::CovCholesky(2), &[1.0, 0.1, 0.5, 2.0], false).is_err());
        assert!(in_support(Support::CovCholesky(2), &[1.0, 0.0, -5.0, 2.0], false).is_ok());
        assert!(in_support(Support::Interval(0.0, 1.0), &[1.0], false).is_err());
        assert!(in_support(Support::Interval(0.0, 1.0), &[1.0], true).is_ok());
        assert!(in_support(Support::Real, &[f64::NAN], true).is_err());
        assert_eq!(free_coordinates(Support::CorrCholesky(3)), vec![3, 6, 7]);
        assert_eq!(free_coordinates(Support::CovCholesky(2)), vec![0, 2, 3]);
    }

    /// A transform with a wrong log-Jacobian must fail check (c).
    #[derive(Clone, Copy)]
    struct WrongJacobian;
    impl<S: Scalar> VectorTransform<S> for WrongJacobian {
        fn unconstrained_len(&self) -> usize {
            2
        }
        fn constrained_len(&self) -> usize {
            2
        }
        fn constrain(&self, x: &[S], y: &mut [S]) -> S {
            OrderedTransform { k: 2 }.constrain(x, y) * 1.000001
        }
        fn constrain_vjp(&self, x: &[S], y: &[S], yb: &[S], lb: S, xb: &mut [S]) {
            OrderedTransform { k: 2 }.constrain_vjp(x, y, yb, lb * 1.000001, xb)
        }
        fn unconstrain(&self, y: &[f64], x: &mut [f64]) -> crate::Result<()> {
            VectorTransform::<f64>::unconstrain(&OrderedTransform { k: 2 }, y, x)
        }
    }
    impl VectorTransformFamily for WrongJacobian {
        type Of<S: Scalar> = WrongJacobian;
        fn at<S: Scalar>(&self) -> WrongJacobian {
            *self
        }
        fn support(&self) -> Support<f64> {
            Support::Ordered(2)
        }
    }

    #[test]
    #[should_panic(expected = "ln|det J| of the exact Jacobian")]
    fn a_wrong_log_jacobian_is_detected() {
        check_vector_transform(WrongJacobian, Domain::Interval(-2.0, 2.0));
    }
}
