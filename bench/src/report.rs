//! The report: a table for people, the targets with PASS/MISS, and one JSON
//! line holding every figure for scripts. The postgres suite builds its own
//! report from the same pieces.

use serde_json::{Map, Value, json};

use crate::load::Measured;
use crate::phases::{Plan, Results};

/// What a checked figure must satisfy.
#[derive(Clone, Copy)]
pub enum Goal {
    AtLeast(f64),
    Below(f64),
    /// Reported for comparison, with no target.
    None,
}

pub struct Check {
    pub label: &'static str,
    pub key: &'static str,
    pub value: f64,
    pub goal: Goal,
}

impl Check {
    pub fn met(&self) -> Option<bool> {
        match self.goal {
            Goal::AtLeast(min) => Some(self.value >= min),
            Goal::Below(max) => Some(self.value < max),
            Goal::None => None,
        }
    }

    /// The target as the table shows it.
    pub fn target(&self) -> String {
        match self.goal {
            Goal::AtLeast(min) => format!(">= {min:.2}"),
            Goal::Below(max) => format!("< {max:.0}"),
            Goal::None => "-".to_string(),
        }
    }

    /// PASS, MISS, or that there is no target.
    pub fn result(&self) -> &'static str {
        match self.met() {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "(no target)",
        }
    }
}

/// The timed phases, as (label, JSON key, figures).
pub fn phases(results: &Results) -> [(&'static str, &'static str, &Measured); 5] {
    [
        ("healthz", "healthz", &results.healthz),
        ("GetEvent (2 attendees)", "get_event", &results.get_event),
        (
            "RespondEvent (2 attendees)",
            "respond_2",
            &results.respond_2,
        ),
        (
            "PatchEvent (2 attendees)",
            "patch_event",
            &results.patch_event,
        ),
        (
            "RespondEvent (5,000 attendees)",
            "respond_5000",
            &results.respond_5000,
        ),
    ]
}

fn ratios(results: &Results) -> [Check; 4] {
    let healthz = results.healthz.rate();
    [
        Check {
            label: "GetEvent / healthz",
            key: "get_event_over_healthz",
            value: results.get_event.rate() / healthz,
            goal: Goal::AtLeast(0.5),
        },
        Check {
            label: "RespondEvent / healthz",
            key: "respond_over_healthz",
            value: results.respond_2.rate() / healthz,
            goal: Goal::AtLeast(0.25),
        },
        Check {
            label: "PatchEvent / healthz",
            key: "patch_over_healthz",
            value: results.patch_event.rate() / healthz,
            goal: Goal::None,
        },
        Check {
            label: "Respond5000 / Respond2",
            key: "respond_5000_over_respond_2",
            value: results.respond_5000.rate() / results.respond_2.rate(),
            goal: Goal::AtLeast(0.8),
        },
    ]
}

/// The ratios, then the server's memory after the events.
pub fn checks(results: &Results) -> Vec<Check> {
    let rss = Check {
        label: "RSS after events (MB)",
        key: "rss_mb",
        value: results.rss_after_mib,
        goal: Goal::Below(50.0),
    };
    ratios(results).into_iter().chain([rss]).collect()
}

/// Answers other than 200 over the whole run.
pub fn errors(results: &Results) -> u64 {
    phases(results)
        .iter()
        .map(|(_, _, m)| m.errors)
        .sum::<u64>()
        + results.create_events.errors
}

/// Prints the table and the checks, then the JSON line last.
pub fn print(plan: &Plan, results: &Results) {
    println!(
        "dingcal-bench: {} connections; each phase measured {:.1} s in all, over {} rounds \
         taken in turn, each after a {:.1} s warm-up",
        plan.connections,
        plan.duration.as_secs_f64(),
        plan.rounds,
        plan.warmup.as_secs_f64()
    );
    println!();
    // The CPU columns show how the cores were shared: once the machine is
    // saturated, server CPU per request is what the ratios really compare.
    println!(
        "{:<36} {:>9} {:>9} {:>7} {:>7} {:>11} {:>7} {:>7} {:>7} {:>6}",
        "phase",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "srv CPU/req",
        "srv cpu",
        "gen cpu",
        "all cpu",
        "errors"
    );
    let create_label = format!(
        "CreateEvent x {} ({} in flight)",
        plan.events, plan.in_flight
    );
    let rows = phases(results)
        .map(|(label, _, m)| (label.to_string(), m))
        .into_iter()
        .chain([(create_label, &results.create_events)]);
    for (label, m) in rows {
        println!(
            "{label:<36} {:>9} {:>9.0} {:>7.2} {:>7.2} {:>8.1} us {:>7.2} {:>7.2} {:>7.2} {:>6}",
            m.requests(),
            m.rate(),
            m.quantile_ms(0.5),
            m.quantile_ms(0.99),
            m.server_cpu_us(),
            m.server_cores(),
            m.client_cores(),
            m.machine_cores(),
            m.errors
        );
    }
    println!("srv CPU/req: the server process's CPU time per request.");
    println!(
        "srv, gen, all cpu: cores busy on average in the server, in this load generator, \
         and in the whole machine (kernel network work is charged to neither process)."
    );
    println!();
    println!(
        "CreateEvent x {} took {:.1} s; server RSS {:.1} MB before, {:.1} MB after",
        plan.events,
        results.create_events.elapsed.as_secs_f64(),
        results.rss_before_mib,
        results.rss_after_mib
    );
    println!();
    print_checks(&checks(results));
    if let Some(e) = first_error(results) {
        println!();
        println!("ERRORS: {} requests failed; first: {e}", errors(results));
    }
    println!();
    let mut line = plan_json(plan);
    line.extend(results_json(plan, results));
    println!("{}", Value::Object(line));
}

/// The first failed request of the run, if any.
pub fn first_error(results: &Results) -> Option<&str> {
    phases(results)
        .into_iter()
        .map(|(_, _, m)| m)
        .chain([&results.create_events])
        .find_map(|m| m.first_error.as_deref())
}

/// Rounds to two decimals, so the JSON line stays readable.
pub fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

pub fn figures(m: &Measured) -> Value {
    json!({
        "requests": m.requests(),
        "rps": round(m.rate()),
        "p50_ms": round(m.quantile_ms(0.5)),
        "p99_ms": round(m.quantile_ms(0.99)),
        "server_cpu_us_per_request": round(m.server_cpu_us()),
        "server_cores": round(m.server_cores()),
        "generator_cores": round(m.client_cores()),
        "machine_busy_cores": round(m.machine_cores()),
        "errors": m.errors,
    })
}

/// How the timed phases were run, for the JSON line.
pub fn plan_json(plan: &Plan) -> Map<String, Value> {
    object([
        ("connections", json!(plan.connections)),
        ("warmup_s", json!(plan.warmup.as_secs_f64())),
        ("duration_s", json!(plan.duration.as_secs_f64())),
        ("rounds", json!(plan.rounds)),
    ])
}

/// Every figure of one lifecycle run, for the JSON line.
pub fn results_json(plan: &Plan, results: &Results) -> Map<String, Value> {
    let phases: Map<String, Value> = phases(results)
        .iter()
        .map(|(_, key, m)| (key.to_string(), figures(m)))
        .collect();
    let ratios: Map<String, Value> = ratios(results)
        .iter()
        .map(|c| (c.key.to_string(), json!(round(c.value))))
        .collect();
    let mut create = figures(&results.create_events);
    create["events"] = json!(plan.events);
    create["in_flight"] = json!(plan.in_flight);
    create["seconds"] = json!(round(results.create_events.elapsed.as_secs_f64()));
    object([
        ("phases", Value::Object(phases)),
        ("create_events", create),
        ("ratios", Value::Object(ratios)),
        ("rss_before_mb", json!(round(results.rss_before_mib))),
        ("rss_mb", json!(round(results.rss_after_mib))),
        ("targets_met", json!(all_met(&checks(results)))),
        ("errors", json!(errors(results))),
    ])
}

/// Whether no check missed its target.
pub fn all_met(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.met() != Some(false))
}

/// A JSON object of these keys and values.
pub fn object<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect()
}

/// A table of checks: each value against its target.
pub fn print_checks(checks: &[Check]) {
    println!("{:<26} {:>8} {:>9}  result", "check", "value", "target");
    for check in checks {
        println!(
            "{:<26} {:>8.2} {:>9}  {}",
            check.label,
            check.value,
            check.target(),
            check.result()
        );
    }
}
