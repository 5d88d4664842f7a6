//! Diagnostics against ArviZ: rank-normalised split R-hat, bulk/tail/mean ESS, MCSE of
//! mean and sd, E-BFMI, and Φ⁻¹ against scipy (reference/gen_diagnostics.py).

use ppl_samplers::diagnostics::*;
use serde_json::Value;

/// Agreement required with ArviZ. The only numerical differences are summation order
/// and FFT vs direct autocovariances (~1e-13 relative), so 1e-6 is a wide margin that
/// still catches any formula difference.
const REL: f64 = 1e-6;

fn load() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/diagnostics.json"
    ))
    .expect("reference file");
    serde_json::from_str(&text).expect("valid JSON")
}

fn close(case: &str, what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= REL * want.abs().max(1e-300),
        "{case}: {what} = {got} but ArviZ gives {want} (rel err {:e})",
        ((got - want) / want).abs()
    );
}

#[test]
fn diagnostics_match_arviz() {
    let data = load();
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let chains: Vec<Vec<f64>> = case["chains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                c.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect()
            })
            .collect();
        let s: Vec<&[f64]> = chains.iter().map(|c| c.as_slice()).collect();
        let want = |k: &str| case[k].as_f64().unwrap();
        close(name, "rhat", rhat(&s), want("rhat"));
        close(name, "ess_bulk", ess_bulk(&s), want("ess_bulk"));
        close(name, "ess_tail", ess_tail(&s), want("ess_tail"));
        close(name, "ess_mean", ess_mean(&s), want("ess_mean"));
        close(name, "mcse_mean", mcse_mean(&s), want("mcse_mean"));
        close(name, "mcse_sd", mcse_sd(&s), want("mcse_sd"));
        for (c, w) in s.iter().zip(case["e_bfmi"].as_array().unwrap()) {
            close(name, "e_bfmi", e_bfmi(c), w.as_f64().unwrap());
        }
    }
}

#[test]
fn inv_normal_cdf_matches_scipy() {
    let data = load();
    for q in data["inv_normal_cdf"].as_array().unwrap() {
        let p = q["p"].as_f64().unwrap();
        let z = q["z"].as_f64().unwrap();
        let got = inv_normal_cdf(p);
        assert!(
            (got - z).abs() <= 1e-14 * z.abs().max(1.0),
            "Φ⁻¹({p}) = {got}, scipy {z}"
        );
    }
    assert!(inv_normal_cdf(-0.1).is_nan());
    assert_eq!(inv_normal_cdf(0.0), f64::NEG_INFINITY);
}

#[test]
fn unusable_input_gives_nan() {
    let short = [1.0, 2.0, 3.0];
    assert!(rhat(&[&short, &short]).is_nan());
    assert!(ess_bulk(&[&short]).is_nan());
    let nan = [1.0, f64::NAN, 3.0, 4.0, 5.0];
    assert!(ess_tail(&[&nan]).is_nan());
    let a = [1.0, 2.0, 3.0, 4.0];
    let b = [1.0, 2.0, 3.0];
    assert!(rhat(&[&a, &b]).is_nan());
    let constant = [2.0; 10];
    assert_eq!(ess_basic(&[&constant]), 10.0);
    assert!(rhat(&[&constant, &constant]).is_nan());
    assert!(e_bfmi(&[1.0]).is_nan());
}
