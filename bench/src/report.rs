//! The report: a table for people, the targets with PASS/MISS, and one JSON
//! line holding every figure for scripts. The postgres suite builds its own
//! report from the same pieces.

use serde_json::{Map, Value, json};

use crate::load::Measured;
use crate::phases::{Plan, Results, SPREAD_STORE_MIN};
use crate::procfs::Switches;

/// What a checked figure must satisfy.
#[derive(Clone, Copy)]
pub enum Goal {
    AtLeast(f64),
    Below(f64),
    AtMost(f64),
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
            Goal::AtMost(max) => Some(self.value <= max),
            Goal::None => None,
        }
    }

    /// The target as the table shows it.
    pub fn target(&self) -> String {
        match self.goal {
            Goal::AtLeast(min) => format!(">= {min:.2}"),
            Goal::Below(max) => format!("< {}", bound(max)),
            Goal::AtMost(max) => format!("<= {}", bound(max)),
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

/// A bound as the table shows it: whole numbers without decimals.
fn bound(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
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

/// The timed phases after the fill, which take turns with one another, as
/// (label, JSON key, figures).
pub fn filled_phases(results: &Results) -> [(&'static str, &'static str, &Measured); 3] {
    [
        (
            "healthz, after the fill",
            "healthz_after_fill",
            &results.healthz_filled,
        ),
        (
            "GetEvent over 2,000 events",
            "get_event_2000",
            &results.get_event_spread,
        ),
        (
            "CreateEvent (2 attendees)",
            "create_event_2",
            &results.create_event,
        ),
    ]
}

/// Every timed phase of the run, in order, the fill apart.
pub fn all_phases(results: &Results) -> Vec<(&'static str, &'static str, &Measured)> {
    phases(results)
        .into_iter()
        .chain(filled_phases(results))
        .collect()
}

/// Whether GetEvent over 2,000 events read from a store big enough for
/// its target.
pub fn store_big_enough(results: &Results) -> bool {
    results.filled >= SPREAD_STORE_MIN
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

/// The phases after the fill against the healthz that took turns with
/// them. GetEvent over 2,000 events has its target only on a store of at
/// least 50,000 events.
fn filled_ratios(results: &Results) -> [Check; 2] {
    let healthz = results.healthz_filled.rate();
    [
        Check {
            label: "CreateEvent / healthz",
            key: "create_event_over_healthz",
            value: results.create_event.rate() / healthz,
            goal: Goal::AtLeast(0.12),
        },
        Check {
            label: "GetEvent 2,000 / healthz",
            key: "get_event_2000_over_healthz",
            value: results.get_event_spread.rate() / healthz,
            goal: if store_big_enough(results) {
                Goal::AtLeast(0.4)
            } else {
                Goal::None
            },
        },
    ]
}

/// The ratios, then the server's memory after the events, then the phases
/// after the fill.
pub fn checks(results: &Results) -> Vec<Check> {
    let rss = Check {
        label: "RSS after events (MB)",
        key: "rss_mb",
        value: results.rss_after_mib,
        goal: Goal::Below(50.0),
    };
    ratios(results)
        .into_iter()
        .chain([rss])
        .chain(filled_ratios(results))
        .collect()
}

/// Answers other than 200 over the whole run.
pub fn errors(results: &Results) -> u64 {
    all_phases(results)
        .iter()
        .map(|(_, _, m)| m.errors)
        .sum::<u64>()
        + results.create_events.errors
}

/// Prints the table and the checks, then the JSON line last.
pub fn print(plan: &Plan, results: &Results) {
    println!(
        "dingcal-bench: {} connections on {} load threads; each phase measured {:.1} s in all, \
         over {} rounds taken in turn, each after a {:.1} s warm-up",
        plan.connections,
        plan.threads,
        plan.duration.as_secs_f64(),
        plan.rounds,
        plan.warmup.as_secs_f64()
    );
    println!();
    let create_label = format!(
        "CreateEvent x {} ({} in flight)",
        plan.events, plan.in_flight
    );
    let rows: Vec<(String, &Measured)> = phases(results)
        .map(|(label, _, m)| (label.to_string(), m))
        .into_iter()
        .chain([(create_label, &results.create_events)])
        .chain(filled_phases(results).map(|(label, _, m)| (label.to_string(), m)))
        .collect();
    print_table(&rows);
    println!(
        "The last three phases run after the CreateEvent x {}, taking turns with one another.",
        plan.events
    );
    println!();
    println!(
        "CreateEvent x {} took {:.1} s; server RSS {:.1} MB before, {:.1} MB after, {:.1} MB \
         at the end",
        plan.events,
        results.create_events.elapsed.as_secs_f64(),
        results.rss_before_mib,
        results.rss_after_mib,
        results.rss_end_mib
    );
    println!();
    print_checks(&checks(results));
    if !store_big_enough(results) {
        println!(
            "(GetEvent 2,000 / healthz has its target only after at least {SPREAD_STORE_MIN} \
             events: --events {})",
            plan.events
        );
    }
    if let Some(e) = first_error(results) {
        println!();
        println!("ERRORS: {} requests failed; first: {e}", errors(results));
    }
    println!();
    let mut line = plan_json(plan);
    line.extend(results_json(plan, results));
    println!("{}", Value::Object(line));
}

/// The table of phases, one row each, with the notes on its columns.
pub fn print_table(rows: &[(String, &Measured)]) {
    // The CPU columns show how the cores were shared: once the machine is
    // saturated, server CPU per request is what the ratios really compare.
    println!(
        "{:<36} {:>9} {:>9} {:>7} {:>7} {:>11} {:>7} {:>7} {:>7} {:>6} {:>11} {:>11}",
        "phase",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "srv CPU/req",
        "srv cpu",
        "gen cpu",
        "all cpu",
        "errors",
        "srv cs/req",
        "gen cs/req"
    );
    let switches = |s: Switches<f64>| format!("{:.2}/{:.2}", s.voluntary, s.involuntary);
    for (label, m) in rows {
        println!(
            "{label:<36} {:>9} {:>9.0} {:>7.2} {:>7.2} {:>8.1} us {:>7.2} {:>7.2} {:>7.2} {:>6} \
             {:>11} {:>11}",
            m.requests(),
            m.rate(),
            m.quantile_ms(0.5),
            m.quantile_ms(0.99),
            m.server_cpu_us(),
            m.server_cores(),
            m.client_cores(),
            m.machine_cores(),
            m.errors,
            switches(m.server_switches()),
            switches(m.client_switches()),
        );
    }
    println!("srv CPU/req: the server process's CPU time per request.");
    println!(
        "srv, gen, all cpu: cores busy on average in the server, in this load generator, \
         and in the whole machine (kernel network work is charged to neither process)."
    );
    println!(
        "srv, gen cs/req: context switches per request of the server's threads and of this \
         load generator's, voluntary/involuntary."
    );
}

/// The first failed request of the run, if any.
pub fn first_error(results: &Results) -> Option<&str> {
    all_phases(results)
        .into_iter()
        .map(|(_, _, m)| m)
        .chain([&results.create_events])
        .find_map(|m| m.first_error.as_deref())
}

pub fn pass(met: bool) -> &'static str {
    if met { "PASS" } else { "MISS" }
}

/// A latency table: each phase's requests, rate, p50 and p99, and server
/// CPU per request.
pub fn latency_table(rows: &[(&str, &Measured)]) {
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(5);
    println!(
        "{:<width$} {:>9} {:>9} {:>7} {:>7} {:>11} {:>6}",
        "phase", "requests", "req/s", "p50 ms", "p99 ms", "srv CPU/req", "errors"
    );
    for (label, m) in rows {
        println!(
            "{label:<width$} {:>9} {:>9.0} {:>7.2} {:>7.2} {:>8.1} us {:>6}",
            m.requests(),
            m.rate(),
            m.quantile_ms(0.5),
            m.quantile_ms(0.99),
            m.server_cpu_us(),
            m.errors
        );
    }
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
        "server_context_switches_per_request": switches_json(m.server_switches()),
        "generator_context_switches_per_request": switches_json(m.client_switches()),
    })
}

fn switches_json(s: Switches<f64>) -> Value {
    json!({
        "voluntary": round(s.voluntary),
        "involuntary": round(s.involuntary),
    })
}

/// How the timed phases were run, for the JSON line.
pub fn plan_json(plan: &Plan) -> Map<String, Value> {
    object([
        ("connections", json!(plan.connections)),
        ("warmup_s", json!(plan.warmup.as_secs_f64())),
        ("duration_s", json!(plan.duration.as_secs_f64())),
        ("rounds", json!(plan.rounds)),
        ("threads", json!(plan.threads)),
    ])
}

/// Every figure of one lifecycle run, for the JSON line.
pub fn results_json(plan: &Plan, results: &Results) -> Map<String, Value> {
    let phases: Map<String, Value> = all_phases(results)
        .iter()
        .map(|(_, key, m)| (key.to_string(), figures(m)))
        .collect();
    let ratios: Map<String, Value> = ratios(results)
        .into_iter()
        .chain(filled_ratios(results))
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
        ("rss_end_mb", json!(round(results.rss_end_mib))),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: f64, goal: Goal) -> Check {
        Check {
            label: "x",
            key: "x",
            value,
            goal,
        }
    }

    #[test]
    fn targets_show_whole_bounds_without_decimals() {
        assert_eq!(check(0.0, Goal::Below(50.0)).target(), "< 50");
        assert_eq!(check(0.0, Goal::AtMost(1.5)).target(), "<= 1.50");
        assert_eq!(check(0.0, Goal::AtLeast(0.4)).target(), ">= 0.40");
    }

    #[test]
    fn at_most_takes_its_bound() {
        assert_eq!(check(1.5, Goal::AtMost(1.5)).met(), Some(true));
        assert_eq!(check(1.5, Goal::Below(1.5)).met(), Some(false));
        assert_eq!(check(1.0, Goal::None).met(), None);
    }
}
