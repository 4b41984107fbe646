//! The postgres suite: the lifecycle suite on SQLite and on PostgreSQL side
//! by side, RespondEvent on PostgreSQL against pgbench writing rows to the
//! same database, and RespondEvent on one dingcal node against two sharing
//! one schema, with where the CPU time went in each.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::runtime::Runtime;

use crate::client::{Conn, Target};
use crate::load::{Generator, Measured};
use crate::phases::{self, Phase, Plan, Results, token};
use crate::postgres::{self, PGBENCH_MAX_CLIENTS, PGBENCH_THREADS, Pgbench, Schema};
use crate::procfs::{CpuClocks, CpuUse};
use crate::report::{self, Check, Goal, figures, object, round};
use crate::server::{Scratch, Server, with_nodes, with_server};

pub struct BackendResults {
    pub sqlite: Results,
    pub postgres: Results,
    /// The yardsticks: one-row inserts, and pgbench's own select-only
    /// transaction (`-S`).
    pub pgbench: Pgbench,
    pub pgbench_select: Pgbench,
    /// RespondEvent on 5,000 attendees from one node, and from two.
    pub one_node: Measured,
    pub two_nodes: Measured,
}

/// Runs the three comparisons, each PostgreSQL part in a schema of its own.
pub fn run(
    runtime: &Runtime,
    generator: &Generator,
    binary: &Path,
    scratch: &Scratch,
    url: &str,
    plan: &Plan,
) -> Result<BackendResults, String> {
    let lifecycle = |db: &str| {
        with_server(binary, db, &scratch.directory, |server| {
            runtime.block_on(phases::run(server, plan, generator))
        })
    };
    eprintln!("lifecycle on SQLite");
    let sqlite = lifecycle(&scratch.sqlite_url())?;

    eprintln!("lifecycle on PostgreSQL");
    let schema = Schema::create(url, 1)?;
    let postgres = lifecycle(&schema.url())?;
    // After dingcal has stopped, so that its pool leaves pgbench the
    // connections, and the machine, to itself.
    let pgbench = postgres::pgbench(
        &schema,
        &scratch.path("pgbench.sql"),
        pgbench_clients(plan),
        plan.duration,
    )?;
    let pgbench_select = postgres::pgbench_select(&schema, pgbench_clients(plan), plan.duration)?;
    drop(schema);

    eprintln!("RespondEvent on one PostgreSQL node, then on two");
    let schema = Schema::create(url, 2)?;
    let [one_node, two_nodes] =
        with_nodes(binary, &schema.url(), &scratch.directory, 2, |servers| {
            runtime.block_on(one_node_and_two(servers, plan, generator))
        })?;
    Ok(BackendResults {
        sqlite,
        postgres,
        pgbench,
        pgbench_select,
        one_node,
        two_nodes,
    })
}

fn pgbench_clients(plan: &Plan) -> usize {
    plan.connections.min(PGBENCH_MAX_CLIENTS)
}

/// RespondEvent on 5,000 attendees, its connections all on the first node,
/// then split evenly between both, taking turns. Both nodes' clocks run in
/// both phases, so the idle node's share shows too.
async fn one_node_and_two(
    servers: &[Server],
    plan: &Plan,
    generator: &Generator,
) -> Result<[Measured; 2], String> {
    let anonymous = Arc::new(Target::new(servers[0].addr));
    // Tokens live in the database, so one issued by a node is good on both.
    let token = token(anonymous).await?;
    let targets = servers
        .iter()
        .map(|s| Target::new(s.addr).with_token(&token).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    let responders = phases::respond_5000(&mut Conn::open(targets[0].clone()).await?).await?;
    let pids: Vec<u32> = servers.iter().map(|s| s.pid).collect();
    let clocks = CpuClocks::new(&pids).with_postgres();
    phases::take_turns(
        plan,
        generator,
        &clocks,
        [
            Phase {
                name: "RespondEvent, 5,000 attendees, 1 node",
                targets: targets[..1].to_vec(),
                make: responders.clone(),
            },
            Phase {
                name: "RespondEvent, 5,000 attendees, 2 nodes",
                targets,
                make: responders,
            },
        ],
    )
    .await
}

/// Answers other than 200 over the whole run.
pub fn errors(r: &BackendResults) -> u64 {
    report::errors(&r.sqlite) + report::errors(&r.postgres) + r.one_node.errors + r.two_nodes.errors
}

/// RespondEvent against pgbench: the lifecycle's phase is the one judged;
/// the same load on one node of the two-node part, on a schema no other
/// phase has written, is shown beside it. Then GetEvent against pgbench's
/// select-only transaction, and the writes against its insert.
fn pgbench_checks(r: &BackendResults) -> [Check; 6] {
    [
        Check {
            label: "Respond5000 / pgbench",
            key: "respond_5000_over_pgbench",
            value: r.postgres.respond_5000.rate() / r.pgbench.tps,
            goal: Goal::AtLeast(0.5),
        },
        Check {
            label: "Respond5000 1 node / pgb.",
            key: "respond_5000_one_node_over_pgbench",
            value: r.one_node.rate() / r.pgbench.tps,
            goal: Goal::None,
        },
        Check {
            label: "Respond2 / pgbench",
            key: "respond_2_over_pgbench",
            value: r.postgres.respond_2.rate() / r.pgbench.tps,
            goal: Goal::None,
        },
        Check {
            label: "GetEvent / pgbench -S",
            key: "get_event_over_pgbench_select",
            value: r.postgres.get_event.rate() / r.pgbench_select.tps,
            goal: Goal::AtLeast(0.4),
        },
        Check {
            label: "PatchEvent / pgbench",
            key: "patch_event_over_pgbench",
            value: r.postgres.patch_event.rate() / r.pgbench.tps,
            goal: Goal::AtLeast(0.3),
        },
        Check {
            label: "CreateEvent / pgbench",
            key: "create_event_over_pgbench",
            value: r.postgres.create_event.rate() / r.pgbench.tps,
            goal: Goal::AtLeast(0.3),
        },
    ]
}

fn nodes_check(r: &BackendResults) -> Check {
    Check {
        label: "2 nodes / 1 node",
        key: "two_nodes_over_one",
        value: r.two_nodes.rate() / r.one_node.rate(),
        goal: Goal::None,
    }
}

/// The cores CPU shares are taken of.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Where the CPU time of a measured window went, as (label, JSON key,
/// seconds); one row per dingcal node.
fn cpu_rows(cpu: &CpuUse) -> Vec<(String, String, f64)> {
    let nodes = cpu.servers.iter().enumerate().map(|(i, t)| {
        let n = i + 1;
        (
            format!("dingcal node {n}"),
            format!("dingcal_{n}"),
            t.as_secs_f64(),
        )
    });
    let rest = [
        ("PostgreSQL (all processes)", "postgres", cpu.postgres),
        ("dingcal-bench (load)", "bench", cpu.client),
        ("whole machine", "machine", cpu.machine),
    ]
    .map(|(label, key, t)| (label.to_string(), key.to_string(), t.as_secs_f64()));
    nodes.chain(rest).collect()
}

pub fn print(plan: &Plan, url: &str, r: &BackendResults) {
    println!(
        "dingcal-bench postgres: {} connections on {} load threads; each phase measured {:.1} s \
         in all, over {} rounds taken in turn, each after a {:.1} s warm-up",
        plan.connections,
        plan.threads,
        plan.duration.as_secs_f64(),
        plan.rounds,
        plan.warmup.as_secs_f64()
    );
    println!("PostgreSQL: {url}, a fresh schema for each part");
    println!();
    print_lifecycle(plan, r);
    println!();
    print_pgbench(plan, r);
    println!();
    print_nodes(plan, r);

    let errors = errors(r);
    let first_error = [&r.sqlite, &r.postgres]
        .into_iter()
        .find_map(report::first_error)
        .or(r.one_node.first_error.as_deref())
        .or(r.two_nodes.first_error.as_deref());
    if let Some(e) = first_error {
        println!();
        println!("ERRORS: {errors} requests failed; first: {e}");
    }
    println!();
    println!("{}", json_line(plan, r));
}

fn print_lifecycle(plan: &Plan, r: &BackendResults) {
    println!("lifecycle, SQLite against PostgreSQL");
    println!(
        "{:<36} {:>12} {:>7} {:>12} {:>7} {:>9} {:>13}",
        "phase", "SQLite req/s", "p99 ms", "PG req/s", "p99 ms", "PG/SQLite", "errors S / PG"
    );
    let create_label = format!(
        "CreateEvent x {} ({} in flight)",
        plan.events, plan.in_flight
    );
    let sqlite = report::phases(&r.sqlite)
        .map(|(label, _, m)| (label.to_string(), m))
        .into_iter()
        .chain([(create_label, &r.sqlite.create_events)])
        .chain(report::filled_phases(&r.sqlite).map(|(label, _, m)| (label.to_string(), m)));
    let postgres = report::phases(&r.postgres)
        .map(|(_, _, m)| m)
        .into_iter()
        .chain([&r.postgres.create_events])
        .chain(report::filled_phases(&r.postgres).map(|(_, _, m)| m));
    for ((label, s), p) in sqlite.zip(postgres) {
        println!(
            "{label:<36} {:>12.0} {:>7.2} {:>12.0} {:>7.2} {:>9.2} {:>13}",
            s.rate(),
            s.quantile_ms(0.99),
            p.rate(),
            p.quantile_ms(0.99),
            p.rate() / s.rate(),
            format!("{} / {}", s.errors, p.errors)
        );
    }
    println!();
    println!(
        "server RSS after the events: {:.1} MB on SQLite, {:.1} MB on PostgreSQL",
        r.sqlite.rss_after_mib, r.postgres.rss_after_mib
    );
    println!();
    println!(
        "{:<26} {:>8} {:>10} {:>9}  result (SQLite / PostgreSQL)",
        "check", "SQLite", "PostgreSQL", "target"
    );
    for (s, p) in report::checks(&r.sqlite)
        .iter()
        .zip(report::checks(&r.postgres).iter())
    {
        let result = match s.goal {
            Goal::None => s.result().to_string(),
            _ => format!("{} / {}", s.result(), p.result()),
        };
        println!(
            "{:<26} {:>8.2} {:>10.2} {:>9}  {result}",
            s.label,
            s.value,
            p.value,
            s.target()
        );
    }
}

fn print_pgbench(plan: &Plan, r: &BackendResults) {
    let p = &r.pgbench;
    println!("dingcal on PostgreSQL against pgbench on the same database");
    println!(
        "pgbench -c {} -j {PGBENCH_THREADS} -M prepared -n -T {}, one 1,500-byte row inserted \
         per transaction: {:.0} tps (without initial connection time)",
        p.clients, p.seconds, p.tps
    );
    let s = &r.pgbench_select;
    println!(
        "pgbench -S -c {} -j {PGBENCH_THREADS} -M prepared -n -T {}, after pgbench -i (scale \
         1): {:.0} tps (without initial connection time)",
        s.clients, s.seconds, s.tps
    );
    if pgbench_clients(plan) < plan.connections {
        println!(
            "(pgbench clients held at {PGBENCH_MAX_CLIENTS}, below the {} connections of the \
             load: PostgreSQL allows 100 connections here)",
            plan.connections
        );
    }
    println!();
    report::print_checks(&pgbench_checks(r));
}

fn print_nodes(plan: &Plan, r: &BackendResults) {
    println!(
        "RespondEvent (5,000 attendees) on PostgreSQL: one dingcal node against two sharing \
         one schema, the {} connections split evenly",
        plan.connections
    );
    println!(
        "{:<8} {:>9} {:>9} {:>7} {:>7} {:>6}",
        "nodes", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );
    for (label, m) in [("1", &r.one_node), ("2", &r.two_nodes)] {
        println!(
            "{label:<8} {:>9} {:>9.0} {:>7.2} {:>7.2} {:>6}",
            m.requests(),
            m.rate(),
            m.quantile_ms(0.5),
            m.quantile_ms(0.99),
            m.errors
        );
    }
    let check = nodes_check(r);
    println!("{}: {:.2} {}", check.label, check.value, check.result());
    println!();
    let cores = cores();
    println!(
        "CPU time in the measured windows ({:.1} s each): seconds, and share of {cores} cores x \
         that time",
        r.one_node.elapsed.as_secs_f64()
    );
    println!("{:<28} {:>17} {:>17}", "", "1 node", "2 nodes");
    let one = cpu_rows(r.one_node.cpu());
    let two = cpu_rows(r.two_nodes.cpu());
    let share =
        |seconds: f64, m: &Measured| 100.0 * seconds / (cores as f64 * m.elapsed.as_secs_f64());
    for ((label, _, a), (_, _, b)) in one.iter().zip(&two) {
        println!(
            "{label:<28} {a:>7.2} s {:>5.1} % {b:>7.2} s {:>5.1} %",
            share(*a, &r.one_node),
            share(*b, &r.two_nodes)
        );
    }
    println!(
        "(whole machine: all busy time in /proc/stat, the kernel's loopback network work and \
         anything else running included)"
    );
}

/// A nodes phase's figures, with its CPU time in seconds and as a share of
/// all cores over the window.
fn node_figures(m: &Measured) -> Value {
    let mut figures = figures(m);
    let wall = m.elapsed.as_secs_f64();
    let capacity = cores() as f64 * wall;
    let rows = cpu_rows(m.cpu());
    figures["cpu"] = json!({
        "wall_s": round(wall),
        "cores": cores(),
        "seconds": by_key(&rows, |s| s),
        "share": by_key(&rows, |s| s / capacity),
    });
    figures
}

/// The rows as a JSON object of `f(seconds)` by key.
fn by_key(rows: &[(String, String, f64)], f: impl Fn(f64) -> f64) -> Value {
    let map = rows
        .iter()
        .map(|(_, key, s)| (key.clone(), json!(round(f(*s)))))
        .collect();
    Value::Object(map)
}

fn json_line(plan: &Plan, r: &BackendResults) -> Value {
    let mut line = report::plan_json(plan);
    let ratios = pgbench_checks(r)
        .into_iter()
        .chain([nodes_check(r)])
        .map(|c| (c.key.to_string(), json!(round(c.value))))
        .collect();
    let targets_met = [report::checks(&r.sqlite), report::checks(&r.postgres)]
        .into_iter()
        .chain([pgbench_checks(r).into()])
        .all(|checks| report::all_met(&checks));
    line.extend(object([
        ("suite", json!("postgres")),
        (
            "sqlite",
            Value::Object(report::results_json(plan, &r.sqlite)),
        ),
        (
            "postgres",
            Value::Object(report::results_json(plan, &r.postgres)),
        ),
        (
            "pgbench",
            json!({
                "clients": r.pgbench.clients,
                "threads": PGBENCH_THREADS,
                "seconds": r.pgbench.seconds,
                "tps": round(r.pgbench.tps),
            }),
        ),
        (
            "pgbench_select",
            json!({
                "clients": r.pgbench_select.clients,
                "threads": PGBENCH_THREADS,
                "seconds": r.pgbench_select.seconds,
                "tps": round(r.pgbench_select.tps),
            }),
        ),
        (
            "nodes",
            json!({ "one": node_figures(&r.one_node), "two": node_figures(&r.two_nodes) }),
        ),
        ("ratios", Value::Object(ratios)),
        ("targets_met", json!(targets_met)),
        ("errors", json!(errors(r))),
    ]));
    Value::Object(line)
}
