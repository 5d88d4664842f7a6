//! A readable dump of the IR, for tests and debugging.

use super::{Block, Place, Program, Stmt};
use quote::ToTokens;
use std::fmt::Write;

fn tokens(t: &impl ToTokens) -> String {
    t.to_token_stream().to_string()
}

/// The IR of a program as indented text, one statement per line.
pub fn dump(p: &Program) -> String {
    let mut s = String::new();
    for site in &p.sites {
        let d = &site.dist;
        let args: Vec<String> = d.args.iter().map(tokens).collect();
        let iid = d
            .iid
            .as_ref()
            .map(|n| format!(".iid({})", tokens(n)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "site {} = {}({}){iid}",
            site.name,
            d.name,
            args.join(", ")
        );
    }
    block(p, &p.body, 0, &mut s);
    s
}

fn name(p: &Program, v: super::VarId) -> String {
    format!("{}#{}", p.var(v).name, v.0)
}

fn block(p: &Program, b: &Block, depth: usize, s: &mut String) {
    let pad = "  ".repeat(depth);
    for st in &b.stmts {
        match st {
            Stmt::Let { vars, init, .. } => {
                let names: Vec<String> = vars.iter().map(|v| name(p, *v)).collect();
                let _ = writeln!(s, "{pad}let {} = {}", names.join(", "), tokens(init));
            }
            Stmt::Declare { var, .. } => {
                let _ = writeln!(s, "{pad}declare {}", name(p, *var));
            }
            Stmt::Assign {
                place, op, value, ..
            } => {
                let target = match place {
                    Place::Var(v) => name(p, *v),
                    Place::Element(v, i) => format!("{}[{}]", name(p, *v), tokens(i)),
                };
                let op = op.as_ref().map_or("=".to_string(), tokens);
                let _ = writeln!(s, "{pad}{target} {op} {}", tokens(value));
            }
            Stmt::Sample { var, site, .. } => {
                let _ = writeln!(
                    s,
                    "{pad}sample {} <- site {}",
                    name(p, *var),
                    p.sites[*site].name
                );
            }
            Stmt::Observe {
                name: n,
                dist,
                value,
                ..
            } => {
                let args: Vec<String> = dist.args.iter().map(tokens).collect();
                let _ = writeln!(
                    s,
                    "{pad}observe {n}: {} ~ {}({})",
                    tokens(value),
                    dist.name,
                    args.join(", ")
                );
            }
            Stmt::Factor { value, .. } => {
                let _ = writeln!(s, "{pad}factor {}", tokens(value));
            }
            Stmt::Deterministic { name: n, value, .. } => {
                let _ = writeln!(s, "{pad}deterministic {n} = {}", tokens(value));
            }
            Stmt::For {
                vars, iter, body, ..
            } => {
                let names: Vec<String> = vars.iter().map(|v| name(p, *v)).collect();
                let _ = writeln!(s, "{pad}for {} in {}", names.join(", "), tokens(iter));
                block(p, body, depth + 1, s);
            }
            Stmt::While { cond, body, .. } => {
                let _ = writeln!(s, "{pad}while {}", tokens(cond));
                block(p, body, depth + 1, s);
            }
            Stmt::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                let _ = writeln!(s, "{pad}if {}", tokens(cond));
                block(p, then, depth + 1, s);
                if let Some(o) = otherwise {
                    let _ = writeln!(s, "{pad}else");
                    block(p, o, depth + 1, s);
                }
            }
            Stmt::Match {
                scrutinee, arms, ..
            } => {
                let _ = writeln!(s, "{pad}match {}", tokens(scrutinee));
                for (pat, b) in arms {
                    let _ = writeln!(s, "{pad}  {} =>", tokens(pat));
                    block(p, b, depth + 2, s);
                }
            }
            Stmt::Block(b) => {
                let _ = writeln!(s, "{pad}block");
                block(p, b, depth + 1, s);
            }
            Stmt::Push { var, value, .. } => {
                let _ = writeln!(s, "{pad}{}.push({})", name(p, *var), tokens(value));
            }
            Stmt::Break(_) => {
                let _ = writeln!(s, "{pad}break");
            }
            Stmt::Continue(_) => {
                let _ = writeln!(s, "{pad}continue");
            }
            Stmt::Expr(e) => {
                let _ = writeln!(s, "{pad}expr {}", tokens(e));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Diagnostics;
    use crate::ir::lower::lower_model;
    use crate::parse::signature::parse_signature;

    fn lower(src: &str) -> Result<String, String> {
        let f: syn::ItemFn = syn::parse_str(src).expect("valid Rust");
        let mut d = Diagnostics::new();
        let args = parse_signature(&f.sig, &mut d);
        let p = lower_model(&args, &f.block, &mut d);
        d.finish()
            .map(|_| super::dump(&p))
            .map_err(|e| e.into_compile_error().to_string())
    }

    #[test]
    fn eight_schools_lowers_with_unique_names() {
        let ir = lower(
            r#"fn eight_schools(y: &[f64], sigma: &[f64]) {
                let mu = sample("mu", Normal(0.0, 5.0));
                let tau = sample("tau", HalfCauchy(5.0));
                let theta_tilde = sample("theta_tilde", Normal(0.0, 1.0).iid(y.len()));
                for j in 0..y.len() {
                    let theta = mu + tau * theta_tilde[j];
                    deterministic("theta", theta);
                    observe("y", Normal(theta, sigma[j]), y[j]);
                }
            }"#,
        )
        .unwrap();
        let expected = "\
site mu = Normal(0.0, 5.0)
site tau = HalfCauchy(5.0)
site theta_tilde = Normal(0.0, 1.0).iid(y__v0 . len ())
sample mu#2 <- site mu
sample tau#3 <- site tau
sample theta_tilde#4 <- site theta_tilde
for j#5 in 0 .. y__v0 . len ()
  let theta#6 = mu__v2 + tau__v3 * theta_tilde__v4 [j__v5]
  deterministic theta = theta__v6
  observe y: y__v0 [j__v5] ~ Normal(theta__v6, sigma__v1 [j__v5])
";
        assert_eq!(ir, expected);
    }

    #[test]
    fn shadowing_and_let_if_are_explicit() {
        let ir = lower(
            r#"fn m(x: f64) {
                let a = sample("a", Normal(0.0, 1.0));
                let b = a * 2.0;
                let b = if b > 2.0 { b * b } else { b * b * b };
                let mut s = 0.0;
                s += b;
                factor(s);
            }"#,
        )
        .unwrap();
        assert!(ir.contains("let b#2 = a__v1 * 2.0"), "{ir}");
        assert!(ir.contains("declare b#3"), "{ir}");
        assert!(ir.contains("if b__v2 > 2.0\n  b#3 = b__v2 * b__v2\nelse\n  block\n    b#3 = b__v2 * b__v2 * b__v2"), "{ir}");
        assert!(ir.contains("s#4 += b__v3"), "{ir}");
    }

    #[test]
    fn unsupported_constructs_are_errors_saying_what_to_write() {
        let e = lower(
            r#"fn m(y: &[f64]) { for i in 0..2 { let a = sample("a", Normal(0.0, 1.0)); } }"#,
        )
        .unwrap_err();
        assert!(e.contains("sample sites stand at the top level"), "{e}");
        let e = lower(r#"fn m(y: &[f64]) { let f = |x: f64| x * 2.0; }"#).unwrap_err();
        assert!(e.contains("closures are not supported"), "{e}");
        let e = lower(r#"fn m(y: f64) { y = 2.0; }"#).unwrap_err();
        assert!(e.contains("`y` is data and cannot be modified"), "{e}");
        let e = lower(r#"fn m(y: f64) { let a = sample("a", Normal(0.0, 1.0)); a += 1.0; }"#)
            .unwrap_err();
        assert!(e.contains("is a parameter"), "{e}");
        let e = lower(r#"fn m(y: f64) { let b = 1.0; b = 2.0; }"#).unwrap_err();
        assert!(e.contains("declare it with `let mut b`"), "{e}");
        let e = lower(r#"fn m(y: f64) { return; }"#).unwrap_err();
        assert!(e.contains("a model has no `return`"), "{e}");
        let e = lower(r#"fn m(y: f64) { let a = sample(name, Normal(0.0, 1.0)); }"#).unwrap_err();
        assert!(e.contains("string literal"), "{e}");
        let e = lower(r#"fn m(y: f64) { let a = sample("a", Normal(0.0, 1.0)); let b = sample("a", Normal(0.0, 1.0)); }"#).unwrap_err();
        assert!(e.contains("site names must be unique"), "{e}");
        let e = lower(r#"fn m(y: f64) { println!("{}", y); }"#).unwrap_err();
        assert!(e.contains("macros are not supported"), "{e}");
    }

    #[test]
    fn all_errors_are_reported_together() {
        let e = lower(r#"fn m(y: f64) { y = 1.0; let f = |x: f64| x; return; }"#).unwrap_err();
        assert_eq!(e.matches("compile_error").count(), 3, "{e}");
    }
}
