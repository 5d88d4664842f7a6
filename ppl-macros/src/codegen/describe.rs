//! The model description for people (like PyMC's model display): each sample site with
//! its distribution as written, support, transform and shape, each observe site, and
//! which coordinates of the unconstrained vector belong to which site.

use crate::ir::lower::is_vector_dist;
use crate::ir::{Block, Program, Stmt};
use quote::ToTokens;

/// Support and transform of a distribution's values, by name.
fn support_of(name: &str, args: &[syn::Expr]) -> (String, &'static str) {
    let text = |e: &syn::Expr| e.to_token_stream().to_string();
    match name {
        "Normal" | "StudentT" | "Cauchy" | "Laplace" | "Logistic" | "Gumbel" | "SkewNormal" => {
            ("(-∞, ∞)".into(), "identity")
        }
        "HalfNormal" | "HalfCauchy" | "HalfStudentT" | "Exponential" | "Gamma" | "InverseGamma"
        | "LogNormal" | "Weibull" | "ChiSquare" => ("(0, ∞)".into(), "exp"),
        "Beta" => ("(0, 1)".into(), "logistic"),
        "Uniform" if args.len() == 2 => (
            format!("({}, {})", text(&args[0]), text(&args[1])),
            "lo + (hi − lo)·logistic",
        ),
        "Flat" => match args.first() {
            Some(a) => {
                let s = text(a);
                let t = match s.split('(').next().unwrap_or("").trim() {
                    "Real" => "identity",
                    "Positive" => "exp",
                    "UnitInterval" => "logistic",
                    "LowerBounded" => "lo + exp",
                    "UpperBounded" => "hi − exp",
                    "Interval" => "lo + (hi − lo)·logistic",
                    "Simplex" => "stick-breaking",
                    "Ordered" | "PositiveOrdered" => "cumulative exp",
                    "CorrCholesky" => "tanh (canonical partial correlations)",
                    "CovCholesky" => "exp on the diagonal",
                    _ => "?",
                };
                (s, t)
            }
            None => ("?".into(), "?"),
        },
        _ => ("?".into(), "?"),
    }
}

fn observes(b: &Block, out: &mut Vec<String>) {
    b.for_each_stmt(&mut |s| match s {
        Stmt::Observe {
            name, dist, value, ..
        } => {
            let line = format!(
                "  {name} ~ {} observed as {}",
                dist_text(dist),
                value.to_token_stream()
            );
            if !out.contains(&line) {
                out.push(line);
            }
        }
        Stmt::Factor { value, .. } => out.push(format!("  factor({})", value.to_token_stream())),
        _ => {}
    });
}

fn dist_text(d: &crate::ir::DistCall) -> String {
    let args: Vec<String> = d
        .args
        .iter()
        .map(|a| a.to_token_stream().to_string())
        .collect();
    let iid = d
        .iid
        .as_ref()
        .map(|n| format!(".iid({})", n.to_token_stream()))
        .unwrap_or_default();
    // Variables appear under their unique names (`mu__v2`): show the source names.
    strip_unique(&format!("{}({}){iid}", d.name, args.join(", ")))
}

/// Token text as a person writes it: `y . len ()` → `y.len()`, `sigma [j]` → `sigma[j]`.
fn tidy(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = out.chars().last().unwrap_or(' ');
            let next = chars.get(i + 1).copied().unwrap_or(' ');
            let word = |ch: char| ch.is_alphanumeric() || ch == '_' || ch == ')' || ch == ']';
            if next == '.'
                || prev == '.'
                || next == ')'
                || next == ']'
                || prev == '('
                || prev == '['
                || ((next == '(' || next == '[') && word(prev))
            {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// `mu__v2` → `mu` in displayed expressions (and tidied).
fn strip_unique(s: &str) -> String {
    let tidied = tidy(s);
    let s: &str = &tidied;
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("__v") {
        let digits = rest[i + 3..]
            .chars()
            .take_while(char::is_ascii_digit)
            .count();
        out.push_str(&rest[..i]);
        if digits == 0 {
            out.push_str("__v");
        }
        rest = &rest[i + 3 + digits..];
    }
    out.push_str(rest);
    out
}

/// Per site `(name, distribution, support, transform)`, and the lines for observations
/// and factors, all as text fixed at compile time.
pub fn static_parts(p: &Program) -> (Vec<(String, String, String, String)>, Vec<String>) {
    let sites = p
        .sites
        .iter()
        .map(|s| {
            let (support, transform) = if is_vector_dist(&s.dist) && s.dist.name != "Flat" {
                super::vector_sites::describe(&s.dist)
            } else {
                support_of(&s.dist.name.to_string(), &s.dist.args)
            };
            (
                s.name.clone(),
                dist_text(&s.dist),
                strip_unique(&support),
                transform.to_string(),
            )
        })
        .collect();
    let mut obs = Vec::new();
    observes(&p.body, &mut obs);
    (sites, obs.into_iter().map(|o| strip_unique(&o)).collect())
}

#[cfg(test)]
mod tests {
    use super::strip_unique;
    #[test]
    fn unique_names_are_shown_as_written() {
        assert_eq!(
            strip_unique("Normal(mu__v2 + tau__v13, 1.0)"),
            "Normal(mu + tau, 1.0)"
        );
        assert_eq!(strip_unique("a__vb"), "a__vb");
        assert_eq!(strip_unique("y__v0 . len ()"), "y.len()");
        assert_eq!(strip_unique("sigma__v1 [j__v5]"), "sigma[j]");
        assert_eq!(strip_unique("x * (a + 1.0)"), "x * (a + 1.0)");
    }
}
