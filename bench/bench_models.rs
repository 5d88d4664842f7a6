//! The eight benchmark models checked against Stan.
//!
//! `cargo run --release --example bench_models [model ...]` prints, for each model, our log
//! density and gradient next to Stan's at the reference points of
//! `bench/stan_reference.json`; `cargo test --example bench_models` asserts they agree.
//!
//! Stan's `log_prob` drops constants (`propto = true`), ours keeps them, so log densities
//! are compared as DIFFERENCES between two points of the same model; gradients directly.

#[path = "models.rs"]
mod models;

// The hand-written and tape-crate gradients of `cargo bench --bench ad_strategies`,
// checked against ours by the tests at the end of this file.
#[path = "hand_written.rs"]
mod hand_written;
#[path = "tape_models.rs"]
mod tape_models;

use models::{StanPoint, Visitor};
use ppl::{Model, Workspace};

/// Our log density and gradient at Stan's points, and the discrepancies.
#[derive(Debug)]
struct Comparison {
    model: String,
    /// Per point: (ours, Stan's) log density minus that at point 0.
    differences: Vec<(f64, f64)>,
    /// Per point: max over coordinates of |ours − Stan's| gradient.
    grad_errors: Vec<f64>,
    /// Per point: max over coordinates of |Stan's gradient|.
    grad_norms: Vec<f64>,
    /// Largest |log density| seen (ours or Stan's, any point): the size of the terms
    /// whose rounding the differences inherit.
    lp_scale: f64,
}

struct Compare<'a>(&'a [StanPoint]);

impl Visitor for Compare<'_> {
    type Out = Result<Comparison, String>;
    fn visit<M: Model>(self, name: &str, model: &M) -> Self::Out {
        let points = self.0;
        let mut ws = Workspace::new();
        let mut ours = Vec::new();
        let mut grad_errors = Vec::new();
        let mut grad_norms = Vec::new();
        let mut lp_scale = 1.0f64;
        for p in points {
            if p.x.len() != model.dim() || p.grad.len() != model.dim() {
                return Err(format!(
                    "{name}: Stan's point has dimension {}, the model {}",
                    p.x.len(),
                    model.dim()
                ));
            }
            let mut g = vec![0.0; model.dim()];
            let lp = model
                .log_density_gradient_in(&p.x, &mut g, &mut ws)
                .map_err(|e| format!("{name}: {e}"))?;
            let err = g
                .iter()
                .zip(&p.grad)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            let norm = p.grad.iter().map(|b| b.abs()).fold(0.0, f64::max);
            lp_scale = lp_scale.max(lp.abs()).max(p.log_prob.abs());
            ours.push(lp);
            grad_errors.push(err);
            grad_norms.push(norm);
        }
        let differences = ours
            .iter()
            .zip(points)
            .map(|(lp, p)| (lp - ours[0], p.log_prob - points[0].log_prob))
            .collect();
        Ok(Comparison {
            model: name.to_string(),
            differences,
            grad_errors,
            grad_norms,
            lp_scale,
        })
    }
}

fn compare(name: &str) -> Result<Comparison, String> {
    let points = models::stan_points(name)?;
    models::visit(name, Compare(&points))?
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names: Vec<&str> = if args.is_empty() {
        models::MODELS.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    for name in names {
        match compare(name) {
            Ok(c) => {
                println!("{} (|log p| up to {:.3e})", c.model, c.lp_scale);
                for (k, ((ours, stan), (ge, gn))) in c
                    .differences
                    .iter()
                    .zip(c.grad_errors.iter().zip(&c.grad_norms))
                    .enumerate()
                {
                    println!(
                        "  point {k}: Δlog p ours {ours:+.15e} Stan {stan:+.15e} (|diff| {:.1e}); \
                         grad max|ours−Stan| {ge:.1e} of max|grad| {gn:.3e}",
                        (ours - stan).abs()
                    );
                }
            }
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative agreement required with Stan, for log-density differences (relative to the
    /// largest |log p| involved) and gradients (relative to the largest gradient entry):
    /// both implementations round every term to ~1 ulp and sum hundreds to thousands of
    /// them in different orders, so agreement is expected to ~N·ε, N ≤ 2000.
    const REL: f64 = 1e-12;

    fn check(name: &str) {
        let c = compare(name).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.differences.len() >= 2, "{name}: too few reference points");
        for (k, (ours, stan)) in c.differences.iter().enumerate() {
            assert!(
                (ours - stan).abs() <= REL * c.lp_scale,
                "{name} point {k}: log p(x_k) − log p(x_0) is {ours:e}, Stan's {stan:e} \
                 (scale {:e})",
                c.lp_scale
            );
        }
        for (k, (err, norm)) in c.grad_errors.iter().zip(&c.grad_norms).enumerate() {
            assert!(
                *err <= REL * norm.max(1.0),
                "{name} point {k}: gradient differs from Stan's by {err:e} (max |grad| {norm:e})"
            );
        }
    }

    #[test]
    fn gauss50_matches_stan() {
        check("gauss50");
    }
    #[test]
    fn linreg_tan_matches_stan() {
        check("linreg_tan");
    }
    #[test]
    fn eight_schools_nc_matches_stan() {
        check("eight_schools_nc");
    }
    #[test]
    fn logistic_matches_stan() {
        check("logistic");
    }
    #[test]
    fn hier_radon_like_matches_stan() {
        check("hier_radon_like");
    }
    #[test]
    fn garch11_matches_stan() {
        check("garch11");
    }
    #[test]
    fn mmm_adstock_matches_stan() {
        check("mmm_adstock");
    }
    #[test]
    fn poisson_counting_matches_stan() {
        check("poisson_counting");
    }
}

/// The same log density and gradient computed four ways: generated (`log_density_gradient`),
/// generated forward mode (`dim` JVPs), hand-written, and through the tape crate.
#[cfg(test)]
mod strategy_tests {
    use super::*;

    /// Required agreement, relative to `max(1, |log p|)` for log densities and to
    /// `max(1, max |∂ᵢ|)` for gradients: the implementations differ in summation order and
    /// in algebraically equal forms (cancelled constants, `½ ln v` for `ln √v`), ~N·ε with
    /// N ≤ 2000 terms.
    const REL: f64 = 1e-12;

    /// Stan's three points and two more (point 0 moved by a fixed pseudo-random step).
    fn points(name: &str) -> Vec<Vec<f64>> {
        let stan = models::stan_points(name).unwrap_or_else(|e| panic!("{e}"));
        let mut pts: Vec<Vec<f64>> = stan.iter().map(|p| p.x.clone()).collect();
        for (k, scale) in [0.3, 0.7].into_iter().enumerate() {
            let moved = stan[0]
                .x
                .iter()
                .enumerate()
                .map(|(i, x)| x + scale * (((i * 7 + k * 3) % 11) as f64 / 5.0 - 1.0))
                .collect();
            pts.push(moved);
        }
        pts
    }

    type Values = Vec<(f64, Vec<f64>)>;

    struct Generated<'a>(&'a [Vec<f64>]);
    impl models::Visitor for Generated<'_> {
        type Out = (Values, Values);
        fn visit<M: Model>(self, name: &str, m: &M) -> Self::Out {
            let mut reverse = Vec::new();
            let mut forward = Vec::new();
            for x in self.0 {
                let mut g = vec![0.0; m.dim()];
                let lp = m
                    .log_density_gradient(x, &mut g)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                reverse.push((lp, g));
                let mut e = vec![0.0; m.dim()];
                let mut g = vec![0.0; m.dim()];
                let mut lp = 0.0;
                for i in 0..m.dim() {
                    e[i] = 1.0;
                    (lp, g[i]) = m.log_density_jvp(x, &e).unwrap_or_else(|e| panic!("{e}"));
                    e[i] = 0.0;
                }
                forward.push((lp, g));
            }
            (reverse, forward)
        }
    }

    struct Hand<'a>(&'a [Vec<f64>]);
    impl hand_written::Visitor for Hand<'_> {
        type Out = Values;
        fn visit<H: hand_written::HandWritten>(self, _: &str, m: &H) -> Values {
            let mut scratch = Vec::new();
            self.0
                .iter()
                .map(|x| {
                    let mut g = vec![f64::NAN; m.dim()];
                    let lp = m.log_density_gradient(x, &mut g, &mut scratch);
                    (lp, g)
                })
                .collect()
        }
    }

    struct Tape<'a>(&'a [Vec<f64>]);
    impl tape_models::Visitor for Tape<'_> {
        type Out = Values;
        fn visit<T: tape_models::Taped>(self, _: &str, m: &T) -> Values {
            self.0
                .iter()
                .map(|x| {
                    let mut g = vec![f64::NAN; m.dim()];
                    let lp = tape_models::gradient(m, x, &mut g);
                    (lp, g)
                })
                .collect()
        }
    }

    fn assert_agree(name: &str, what: &str, ours: &Values, theirs: &Values) {
        assert_eq!(ours.len(), theirs.len());
        for (k, ((lp, g), (lp2, g2))) in ours.iter().zip(theirs).enumerate() {
            assert_eq!(g.len(), g2.len(), "{name} {what}: dimension");
            let lp_err = (lp - lp2).abs();
            assert!(
                lp_err <= REL * lp.abs().max(1.0),
                "{name} point {k}: {what} log density {lp2:e}, generated {lp:e}"
            );
            let norm = g.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            for (i, (a, b)) in g.iter().zip(g2).enumerate() {
                assert!(
                    (a - b).abs() <= REL * norm,
                    "{name} point {k}: {what} ∂{i} = {b:e}, generated {a:e} (max |∂| {norm:e})"
                );
            }
        }
    }

    fn check(name: &str) {
        let pts = points(name);
        let data = models::load(name).unwrap_or_else(|e| panic!("{e}"));
        let (reverse, forward) =
            models::visit(name, Generated(&pts)).unwrap_or_else(|e| panic!("{e}"));
        let hand = hand_written::visit(name, &data, Hand(&pts)).unwrap_or_else(|e| panic!("{e}"));
        let tape = tape_models::visit(name, &data, Tape(&pts)).unwrap_or_else(|e| panic!("{e}"));
        assert_agree(name, "hand-written", &reverse, &hand);
        assert_agree(name, "tape crate", &reverse, &tape);
        assert_agree(name, "forward mode", &reverse, &forward);
    }

    #[test]
    fn gauss50_strategies_agree() {
        check("gauss50");
    }
    #[test]
    fn linreg_tan_strategies_agree() {
        check("linreg_tan");
    }
    #[test]
    fn eight_schools_nc_strategies_agree() {
        check("eight_schools_nc");
    }
    #[test]
    fn logistic_strategies_agree() {
        check("logistic");
    }
    #[test]
    fn hier_radon_like_strategies_agree() {
        check("hier_radon_like");
    }
    #[test]
    fn garch11_strategies_agree() {
        check("garch11");
    }
    #[test]
    fn mmm_adstock_strategies_agree() {
        check("mmm_adstock");
    }
    #[test]
    fn poisson_counting_strategies_agree() {
        check("poisson_counting");
    }
}
