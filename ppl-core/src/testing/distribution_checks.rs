//! Checks every distribution passes: gradients w.r.t. the value and every parameter
//! against finite differences (through [`check_function`]), `-∞` for invalid parameters,
//! reference values, and sampler moments.
//!
//! # Tolerances
//!
//! * Reference values: `|lp - ref| ≤ REFERENCE_REL · max(|ref|, scale)`, `scale` being the
//!   size of the largest term that cancels in the reference (recorded with the vector
//!   when the log density is the difference of large terms; defaults to 1).
//! * Moments over `MOMENT_DRAWS` draws: the sample mean within `MOMENT_SE` standard errors
//!   (`√(var/n)`), the sample variance within `MOMENT_SE` standard errors of a variance
//!   (`√((m₄ - s⁴)/n)`, with `m₄` the sample fourth central moment); for heavy tails,
//!   quantiles within `MOMENT_SE` standard errors `√(p(1-p)/n) / p(q)`.

use super::gradient_checks::{check_function, rng_for, Domain, GradientFunction};
use crate::ad::{Dual, Scalar};
use crate::distributions::{
    ContinuousDistribution, ContinuousFamily, DiscreteDistribution, DiscreteFamily, Params,
};
use rand::rngs::StdRng;
use std::marker::PhantomData;

/// Relative agreement required with reference values.
pub const REFERENCE_REL: f64 = 1e-12;
/// Draws for moment checks.
pub const MOMENT_DRAWS: usize = 100_000;
/// Standard errors allowed in moment checks.
pub const MOMENT_SE: f64 = 5.0;

struct ContinuousCheck<F> {
    value: Domain,
    params: Vec<Domain>,
    _f: PhantomData<F>,
}

impl<F: ContinuousFamily> GradientFunction for ContinuousCheck<F> {
    fn name(&self) -> String {
        format!("{} lpdf", <F::Of<f64> as Params<f64>>::NAME)
    }
    fn dim(&self) -> usize {
        1 + self.params.len()
    }
    fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
        std::iter::once(&self.value)
            .chain(&self.params)
            .map(|d| d.sample(rng))
            .collect()
    }
    fn max_step(&self, x: &[f64], i: usize) -> f64 {
        let d = if i == 0 {
            self.value
        } else {
            self.params[i - 1]
        };
        d.max_step(x[i])
    }
    fn value<S: Scalar>(&self, x: &[S]) -> S {
        F::Of::<S>::from_params(&x[1..]).lpdf(x[0])
    }
    fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
        let (lp, dy, dp) = F::Of::<S>::from_params(&x[1..]).lpdf_grad(x[0]);
        grad[0] = dy;
        dp.write_params(&mut grad[1..]);
        lp
    }
}

/// Checks a continuous distribution's log density w.r.t. the value and every parameter:
/// finite differences, JVP vs VJP, and second order (see [`check_function`]). The
/// domains must lie where the density is smooth (inside the support, valid parameters).
pub fn check_continuous_gradients<F: ContinuousFamily>(value: Domain, params: &[Domain]) {
    assert_eq!(
        params.len(),
        <F::Of<f64> as Params<f64>>::PARAM_NAMES.len(),
        "one domain per parameter"
    );
    check_function(&ContinuousCheck::<F> {
        value,
        params: params.to_vec(),
        _f: PhantomData,
    });
}

struct DiscreteCheck<F> {
    k: i64,
    params: Vec<Domain>,
    _f: PhantomData<F>,
}

impl<F: DiscreteFamily> GradientFunction for DiscreteCheck<F> {
    fn name(&self) -> String {
        format!(
            "{} lpmf at k = {}",
            <F::Of<f64> as Params<f64>>::NAME,
            self.k
        )
    }
    fn dim(&self) -> usize {
        self.params.len()
    }
    fn sample_point(&self, rng: &mut StdRng) -> Vec<f64> {
        self.params.iter().map(|d| d.sample(rng)).collect()
    }
    fn max_step(&self, x: &[f64], i: usize) -> f64 {
        self.params[i].max_step(x[i])
    }
    fn value<S: Scalar>(&self, x: &[S]) -> S {
        F::Of::<S>::from_params(x).lpmf(self.k)
    }
    fn gradient<S: Scalar>(&self, x: &[S], grad: &mut [S]) -> S {
        let (lp, dp) = F::Of::<S>::from_params(x).lpmf_grad(self.k);
        dp.write_params(grad);
        lp
    }
}

/// Checks a discrete distribution's log mass w.r.t. every parameter at each count `k`.
pub fn check_discrete_gradients<F: DiscreteFamily>(ks: &[i64], params: &[Domain]) {
    assert_eq!(
        params.len(),
        <F::Of<f64> as Params<f64>>::PARAM_NAMES.len(),
        "one domain per parameter"
    );
    for &k in ks {
        check_function(&DiscreteCheck::<F> {
            k,
            params: params.to_vec(),
            _f: PhantomData,
        });
    }
}

/// Invalid parameter sets give `lpdf = -∞` with finite (zero) partials on `f64` and `Dual`.
pub fn check_invalid_params<F: ContinuousFamily>(y: f64, invalid: &[&[f64]]) {
    for p in invalid {
        let d = F::Of::<f64>::from_params(p);
        let name = <F::Of<f64> as Params<f64>>::NAME;
        assert_eq!(
            d.lpdf(y),
            f64::NEG_INFINITY,
            "{name}{p:?}: lpdf({y}) must be -inf"
        );
        let (lp, dy, dp) = d.lpdf_grad(y);
        let mut g = vec![0.0; p.len()];
        dp.write_params(&mut g);
        assert_eq!(
            lp,
            f64::NEG_INFINITY,
            "{name}{p:?}: lpdf_grad value must be -inf"
        );
        assert!(
            dy == 0.0 && g.iter().all(|v| *v == 0.0),
            "{name}{p:?}: partials must be 0, got {dy}, {g:?}"
        );
        let pd: Vec<Dual> = p.iter().map(|&v| Dual::new(v, 1.0)).collect();
        let lpd = F::Of::<Dual>::from_params(&pd).lpdf(Dual::new(y, 1.0));
        assert!(
            lpd.v == f64::NEG_INFINITY && lpd.d == 0.0,
            "{name}{p:?}: Dual lpdf must be -inf with zero tangent"
        );
    }
}

/// Invalid parameter sets give `lpmf = -∞` with zero partials.
pub fn check_invalid_params_discrete<F: DiscreteFamily>(k: i64, invalid: &[&[f64]]) {
    for p in invalid {
        let d = F::Of::<f64>::from_params(p);
        let name = <F::Of<f64> as Params<f64>>::NAME;
        assert_eq!(
            d.lpmf(k),
            f64::NEG_INFINITY,
            "{name}{p:?}: lpmf({k}) must be -inf"
        );
        let (lp, dp) = d.lpmf_grad(k);
        let mut g = vec![0.0; p.len()];
        dp.write_params(&mut g);
        assert_eq!(lp, f64::NEG_INFINITY);
        assert!(
            g.iter().all(|v| *v == 0.0),
            "{name}{p:?}: partials must be 0, got {g:?}"
        );
    }
}

/// Asserts `got` agrees with a reference value (see the module docs for the tolerance).
pub fn assert_reference(what: &str, got: f64, want: f64, scale: f64) {
    if want.is_infinite() || got.is_infinite() {
        assert_eq!(got, want, "{what}: got {got:e}, reference {want:e}");
        return;
    }
    let tol = REFERENCE_REL * want.abs().max(scale);
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:.17e}, reference {want:.17e} (difference {:e} > {tol:e})",
        (got - want).abs()
    );
}

/// Checks the sample mean and variance of `MOMENT_DRAWS` draws.
pub fn check_moments(
    name: &str,
    mut draw: impl FnMut(&mut StdRng) -> f64,
    mean: f64,
    variance: f64,
) {
    let mut rng = rng_for(name);
    let xs: Vec<f64> = (0..MOMENT_DRAWS).map(|_| draw(&mut rng)).collect();
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let s2 = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    let m4 = xs.iter().map(|x| (x - m).powi(4)).sum::<f64>() / n;
    let se_mean = (variance / n).sqrt();
    assert!(
        (m - mean).abs() <= MOMENT_SE * se_mean,
        "{name}: sample mean {m} vs {mean} (> {MOMENT_SE} × se {se_mean:e})"
    );
    let se_var = ((m4 - s2 * s2).max(0.0) / n).sqrt();
    assert!(
        (s2 - variance).abs() <= MOMENT_SE * se_var,
        "{name}: sample variance {s2} vs {variance} (> {MOMENT_SE} × se {se_var:e})"
    );
}

/// Checks the `p`-quantile of `MOMENT_DRAWS` draws against `q` (density `density_at_q`
/// there): for distributions without finite moments.
pub fn check_quantile(
    name: &str,
    mut draw: impl FnMut(&mut StdRng) -> f64,
    p: f64,
    q: f64,
    density_at_q: f64,
) {
    let mut rng = rng_for(&format!("{name}-q{p}"));
    let mut xs: Vec<f64> = (0..MOMENT_DRAWS).map(|_| draw(&mut rng)).collect();
    xs.sort_by(f64::total_cmp);
    let got = xs[((p * xs.len() as f64) as usize).min(xs.len() - 1)];
    let se = (p * (1.0 - p) / xs.len() as f64).sqrt() / density_at_q;
    assert!(
        (got - q).abs() <= MOMENT_SE * se,
        "{name}: {p}-quantile {got} vs {q} (> {MOMENT_SE} × se {se:e})"
    );
}

/// Reference-value cases of `key`, from the JSON files in `ppl-core/tests/reference/`:
/// each file is an object mapping keys to arrays of `{"params": [...], "x": ..., "value": ...,
/// "scale": optional}`.
#[cfg(test)]
pub fn reference_cases(key: &str) -> Vec<serde_json::Value> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/reference exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).expect("readable reference file");
            let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
            if let Some(cases) = v.get(key).and_then(|c| c.as_array()) {
                found.extend(cases.iter().cloned());
            }
        }
    }
    assert!(
        !found.is_empty(),
        "no reference cases for `{key}` in {}",
        dir.display()
    );
    found
}

/// Parses a JSON number, accepting the strings `"inf"`, `"-inf"` and `"nan"`.
#[cfg(test)]
pub fn json_f64(v: &serde_json::Value) -> f64 {
    match v {
        serde_json::Value::Number(n) => n.as_f64().expect("number"),
        serde_json::Value::String(s) => s.parse().expect("inf, -inf or nan"),
        other => panic!("not a number: {other}"),
    }
}

/// Checks `f(params, x)` against every reference case of `key`.
#[cfg(test)]
pub fn check_reference_table(key: &str, f: impl Fn(&[f64], f64) -> f64) {
    for case in reference_cases(key) {
        let params: Vec<f64> = case["params"]
            .as_array()
            .expect("params")
            .iter()
            .map(json_f64)
            .collect();
        let x = json_f64(&case["x"]);
        let want = json_f64(&case["value"]);
        let scale = case.get("scale").map_or(1.0, json_f64);
        assert_reference(
            &format!("{key}{params:?} at {x}"),
            f(&params, x),
            want,
            scale,
        );
    }
}
