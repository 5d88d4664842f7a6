//! Loops: ranges (also reversed, strided, inclusive), data iterators with `enumerate` and
//! `zip`, nested loops, `while` with a data or parameter-dependent trip count, and
//! `break` / `continue` in loops over data only.
use ppl::prelude::*;
use ppl::testing::check_gradients;

#[model]
fn loops(y: &[f64], x: &[Vec<f64>]) {
    let mu = sample("mu", Normal(0.0, 1.0));
    let beta = sample("beta", Normal(0.0, 1.0).iid(x[0].len()));
    let mut acc = 0.0;
    for i in (0..y.len()).rev() {
        acc += y[i] * mu;
    }
    for i in (0..y.len()).step_by(2) {
        acc -= 0.1 * mu * y[i];
    }
    for i in 0..=1 {
        acc += beta[i] * 0.5;
    }
    for (i, yi) in y.iter().enumerate() {
        acc += (yi - mu) * 0.01 * i as f64;
    }
    for (yi, row) in y.iter().zip(x.iter()) {
        let mut eta = mu;
        for d in 0..row.len() {
            eta += row[d] * beta[d];
        }
        observe("y", Normal(eta, 1.0), *yi);
    }
    // A loop over data only: break and continue are fine there.
    let mut positives = 0;
    for i in 0..y.len() {
        if y[i] < 0.0 {
            continue;
        }
        if positives == 2 {
            break;
        }
        positives += 1;
    }
    let mut n = 0;
    while n < positives {
        acc += mu * 0.25;
        n += 1;
    }
    // A Newton iteration whose trip count depends on the parameter: z³ + z = mu.
    let mut z = mu * 0.5;
    let mut step = 1.0;
    while step.abs() > 1e-12 {
        step = (z * z * z + z - mu) / (3.0 * z * z + 1.0);
        z = z - step;
    }
    factor(-0.05 * acc * acc - 0.5 * z * z);
}

fn main() {
    let y = [0.5, -1.0, 2.0, 0.3];
    let x = vec![
        vec![1.0, 0.5],
        vec![0.0, -1.0],
        vec![2.0, 0.1],
        vec![-0.5, 0.3],
    ];
    let m = Loops::new(&y, &x).unwrap();
    assert_eq!(m.dim(), 3);
    check_gradients(&m).unwrap();
}
