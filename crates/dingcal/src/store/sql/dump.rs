//! The whole store as one JSON document, and back: what the emulator
//! controls export and import, and `--seed` loads. Each table is a list of
//! rows by column name; the columns are listed here, as both dialects name
//! them.

use serde_json::{Map, Value};

use super::db::{Db, Param, Row, Sql};
use crate::error::{ApiError, ApiResult};

/// What a column holds.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    OptText,
    Int,
    OptInt,
    Bool,
}
use Kind::*;

type Table = (&'static str, &'static [(&'static str, Kind)]);

/// The directory: what a directory file loads.
const DIRECTORY: &[Table] = &[
    ("orgs", &[("corp_id", Text), ("name", Text)]),
    (
        "users",
        &[
            ("union_id", Text),
            ("corp_id", Text),
            ("user_id", OptText),
            ("name", Text),
            ("email", OptText),
        ],
    ),
    (
        "apps",
        &[
            ("app_key", Text),
            ("corp_id", Text),
            ("app_secret", Text),
            ("permissions", Text),
            ("redirect_uris", Text),
        ],
    ),
    (
        "rooms",
        &[
            ("room_id", Text),
            ("corp_id", Text),
            ("name", Text),
            ("capacity", OptInt),
            ("needs_approval", Bool),
        ],
    ),
    (
        "categories",
        &[
            ("corp_id", Text),
            ("category_id", Text),
            ("name", Text),
            ("position", Int),
        ],
    ),
    (
        "plugins",
        &[
            ("plugin_id", Text),
            ("corp_id", Text),
            ("name", Text),
            ("logo", OptText),
            ("classification", OptText),
            ("dept_ids", Text),
            ("union_ids", Text),
            ("position", Int),
        ],
    ),
];

/// Everything else, in an order that inserts cleanly.
const STATE: &[Table] = &[
    (
        "access_tokens",
        &[
            ("token", Text),
            ("app_key", Text),
            ("union_id", OptText),
            ("expires_at", Int),
            ("salt", OptText),
        ],
    ),
    (
        "auth_codes",
        &[
            ("code", Text),
            ("app_key", Text),
            ("union_id", Text),
            ("expires_at", Int),
        ],
    ),
    (
        "refresh_tokens",
        &[
            ("token", Text),
            ("app_key", Text),
            ("union_id", Text),
            ("expires_at", Int),
        ],
    ),
    (
        "idempotency",
        &[
            ("app_key", Text),
            ("token", Text),
            ("expires_at", Int),
            ("request", Text),
            ("outcome", Text),
        ],
    ),
    (
        "events",
        &[
            ("id", Text),
            ("corp_id", Text),
            ("organizer", Text),
            ("all_day", Bool),
            ("start_key", Int),
            ("end_key", Int),
            ("attendee_count", Int),
            ("next_position", Int),
            ("deleted", Bool),
            ("seq", Int),
            ("body", Text),
            ("recurring", Bool),
            ("series_start_key", Int),
            ("series_end_key", Int),
        ],
    ),
    (
        "attendees",
        &[
            ("event_id", Text),
            ("union_id", Text),
            ("position", Int),
            ("is_optional", Bool),
            ("is_organizer", Bool),
            ("response_status", Text),
            ("all_day", Bool),
            ("start_key", Int),
            ("recurring", Bool),
            ("series_start_key", Int),
            ("series_end_key", Int),
            ("changed", Int),
        ],
    ),
    (
        "exceptions",
        &[("series_id", Text), ("origin_key", Int), ("body", Text)],
    ),
    (
        "removals",
        &[("union_id", Text), ("event_id", Text), ("seq", Int)],
    ),
    (
        "acls",
        &[
            ("acl_id", Text),
            ("corp_id", Text),
            ("owner", Text),
            ("grantee", Text),
            ("privilege", Text),
            ("send_msg", Bool),
            ("seq", Int),
        ],
    ),
    (
        "room_slots",
        &[
            ("room_id", Text),
            ("start_key", Int),
            ("end_key", Int),
            ("occurrence_id", Text),
            ("event_id", Text),
            ("organizer", Text),
            ("status", Text),
            ("all_day", Bool),
            ("time_zone", Text),
        ],
    ),
    (
        "sign_ins",
        &[
            ("event_id", Text),
            ("kind", Text),
            ("union_id", Text),
            ("at_ms", Int),
        ],
    ),
    (
        "sign_links",
        &[
            ("code", Text),
            ("corp_id", Text),
            ("event_id", Text),
            ("kind", Text),
        ],
    ),
    (
        "subscribed_calendars",
        &[
            ("calendar_id", Text),
            ("corp_id", Text),
            ("author", Text),
            ("name", Text),
            ("description", OptText),
            ("managers", Text),
            ("scope_union_ids", Text),
            ("scope_groups", Text),
            ("scope_corp_ids", Text),
        ],
    ),
    (
        "subscriptions",
        &[("union_id", Text), ("calendar_id", Text)],
    ),
    (
        "caldav_accounts",
        &[
            ("username", Text),
            ("device", Text),
            ("corp_id", Text),
            ("union_id", Text),
            ("password_hash", Text),
        ],
    ),
    (
        "calendar_resources",
        &[
            ("corp_id", Text),
            ("owner", Text),
            ("resource", Text),
            ("event_id", Text),
        ],
    ),
    (
        "minutes",
        &[
            ("event_id", Text),
            ("minutes_id", Text),
            ("corp_id", Text),
            ("creator", Text),
            ("position", Int),
        ],
    ),
];

/// What an import leaves to recompute: change numbers are the store's own
/// (imported rows take the import's), and free/busy's bound on events.
const AFTER_IMPORT: [Sql; 5] = [
    // Free/busy's bound must cover the imported events (see `schedule`).
    Sql {
        sqlite: "UPDATE longest_single SET seconds = MAX(seconds, (SELECT COALESCE(MAX(end_key - start_key), 0)
                   FROM events WHERE recurring = FALSE))",
        postgres: "UPDATE longest_single SET seconds = GREATEST(seconds, (SELECT COALESCE(MAX(end_key - start_key), 0)
                   FROM events WHERE recurring = FALSE))",
    },
    super::db::sql!("UPDATE events SET seq = dingcal_seq()"),
    super::db::sql!("UPDATE removals SET seq = dingcal_seq()"),
    super::db::sql!("UPDATE acls SET seq = dingcal_seq()"),
    super::db::sql!("UPDATE attendees SET changed = dingcal_seq()"),
];

/// The document's version.
const VERSION: u64 = 1;

fn leak(text: String) -> &'static str {
    // Statements are made once per table and process (see `statement`).
    Box::leak(text.into_boxed_str())
}

/// The SELECT and INSERT of a table, made once: `Sql` holds static text.
fn statements(table: &Table) -> (Sql, Sql) {
    use std::collections::HashMap;
    use std::sync::{LazyLock, Mutex};
    static MADE: LazyLock<Mutex<HashMap<&'static str, (Sql, Sql)>>> =
        LazyLock::new(Default::default);
    let mut made = MADE.lock().expect("dump statements poisoned");
    *made.entry(table.0).or_insert_with(|| {
        let names: Vec<&str> = table.1.iter().map(|(n, _)| *n).collect();
        let select = leak(format!("SELECT {} FROM {}", names.join(", "), table.0));
        let places: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
        let insert = leak(format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table.0,
            names.join(", "),
            places.join(", ")
        ));
        (
            Sql {
                sqlite: select,
                postgres: select,
            },
            Sql {
                sqlite: insert,
                postgres: insert,
            },
        )
    })
}

fn cell(r: &Row<'_>, name: &str, kind: Kind) -> ApiResult<Value> {
    Ok(match kind {
        Text => Value::from(r.get::<String>(name)?),
        OptText => r
            .get::<Option<String>>(name)?
            .map_or(Value::Null, Value::from),
        Int => Value::from(r.get::<i64>(name)?),
        OptInt => r.get::<Option<i64>>(name)?.map_or(Value::Null, Value::from),
        Bool => Value::from(r.get::<bool>(name)?),
    })
}

async fn read(conn: &impl Db, tables: &[Table]) -> ApiResult<Map<String, Value>> {
    let mut out = Map::new();
    for table in tables {
        let (select, _) = statements(table);
        let rows = conn
            .query(select, &[], |r| {
                let mut row = Map::new();
                for (name, kind) in table.1 {
                    row.insert((*name).to_string(), cell(r, name, *kind)?);
                }
                Ok(Value::Object(row))
            })
            .await?;
        out.insert(table.0.to_string(), Value::Array(rows));
    }
    Ok(out)
}

/// The whole store: `{"version", "directory": {table: rows}, "state": {table: rows}}`.
pub async fn export(conn: &impl Db) -> ApiResult<Value> {
    Ok(serde_json::json!({
        "version": VERSION,
        "directory": read(conn, DIRECTORY).await?,
        "state": read(conn, STATE).await?,
    }))
}

/// The directory part of the store, as `export` writes it.
pub async fn directory(conn: &impl Db) -> ApiResult<Value> {
    Ok(Value::Object(read(conn, DIRECTORY).await?))
}

/// A directory as compared between servers: an app's secret is stored
/// salted anew at each load of a directory file, so it is left out.
pub fn without_secrets(directory: &Value) -> Value {
    let mut directory = directory.clone();
    if let Some(apps) = directory.get_mut("apps").and_then(Value::as_array_mut) {
        for app in apps {
            if let Some(app) = app.as_object_mut() {
                app.remove("app_secret");
            }
        }
    }
    directory
}

/// A value of a column, checked against its kind.
enum Cell {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
}

impl Cell {
    fn of(value: &Value, kind: Kind) -> Option<Cell> {
        Some(match (kind, value) {
            (Text, Value::String(s)) => Cell::Text(s.clone()),
            (OptText, Value::String(s)) => Cell::OptText(Some(s.clone())),
            (OptText, Value::Null) => Cell::OptText(None),
            (Int, v) => Cell::Int(v.as_i64()?),
            (OptInt, Value::Null) => Cell::OptInt(None),
            (OptInt, v) => Cell::OptInt(Some(v.as_i64()?)),
            (Bool, Value::Bool(b)) => Cell::Bool(*b),
            _ => return None,
        })
    }

    fn param(&self) -> &dyn Param {
        match self {
            Cell::Text(v) => v,
            Cell::OptText(v) => v,
            Cell::Int(v) => v,
            Cell::OptInt(v) => v,
            Cell::Bool(v) => v,
        }
    }
}

async fn write(conn: &impl Db, tables: &[Table], part: &Value, which: &str) -> ApiResult<()> {
    let bad = |what: String| ApiError::invalid_parameter(format!("{which}: {what}"));
    for table in tables {
        let rows = match part.get(table.0) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(rows)) => rows,
            Some(_) => return Err(bad(format!("{} must be a list of rows", table.0))),
        };
        let (_, insert) = statements(table);
        for (i, row) in rows.iter().enumerate() {
            let cells = table
                .1
                .iter()
                .map(|(name, kind)| {
                    Cell::of(row.get(*name).unwrap_or(&Value::Null), *kind).ok_or_else(|| {
                        bad(format!(
                            "{}[{i}].{name} is missing or of the wrong type",
                            table.0
                        ))
                    })
                })
                .collect::<ApiResult<Vec<Cell>>>()?;
            let params: Vec<&dyn Param> = cells.iter().map(Cell::param).collect();
            conn.execute(insert, &params).await?;
        }
    }
    Ok(())
}

fn check_version(document: &Value) -> ApiResult<()> {
    match document.get("version").and_then(Value::as_u64) {
        Some(VERSION) => Ok(()),
        _ => Err(ApiError::invalid_parameter(format!(
            "the document must be an export of dingcal, version {VERSION}"
        ))),
    }
}

/// Replaces the state (not the directory) with the document's; the
/// caller has emptied it.
pub async fn import_state(conn: &impl Db, document: &Value) -> ApiResult<()> {
    check_version(document)?;
    write(
        conn,
        STATE,
        document.get("state").unwrap_or(&Value::Null),
        "state",
    )
    .await?;
    for statement in AFTER_IMPORT {
        conn.execute(statement, &[]).await?;
    }
    Ok(())
}

/// Loads a whole document into an empty store: directory and state.
pub async fn seed(conn: &impl Db, document: &Value) -> ApiResult<()> {
    check_version(document)?;
    let directory = document
        .get("directory")
        .ok_or_else(|| ApiError::invalid_parameter("the document has no directory"))?;
    write(conn, DIRECTORY, directory, "directory").await?;
    import_state(conn, document).await
}
