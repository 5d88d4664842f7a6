//! Locals: `let`, `let mut`, declaration then assignment, shadowing, compound assignment,
//! tuples, and blocks / `if` / `match` used as values.
use ppl::prelude::*;
use ppl::testing::check_gradients;

#[model]
fn locals(y: f64, k: i64) {
    let a = sample("a", Normal(0.0, 1.0));
    let b = sample("b", Normal(1.0, 2.0));
    let c: f64 = a * b;
    let c = c + 1.0; // shadowing
    let mut d = a;
    d += b;
    d -= 0.5;
    d *= 1.5;
    d /= 2.0;
    let mut e;
    if k > 0 {
        e = d - c;
    } else {
        e = d + c;
    }
    let (p, q) = (a.exp(), b * 2.0);
    let (mut r, _) = (p + q, 3.0);
    r = r * 0.5;
    let block = {
        let t = a - b;
        t * t
    };
    let choice = if k > 0 { block } else { -block };
    let scaled = match k {
        0 => choice,
        1 | 2 => choice * 2.0,
        _ => {
            let h = choice.tanh();
            h * h
        }
    };
    factor(-0.1 * (e * e + r + scaled));
    observe("y", Normal(c, 3.0), y);
}

fn main() {
    for k in [0, 1, 3] {
        let m = Locals::new(0.4, k).unwrap();
        assert_eq!(m.dim(), 2);
        check_gradients(&m).unwrap();
    }
}
