//! The schema of each dialect, as numbered steps. A database records how
//! many steps it has taken (SQLite in `PRAGMA user_version`, PostgreSQL in
//! `dingcal_schema`); each backend applies the rest in one transaction.

pub const SQLITE: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_series.sql"),
    include_str!("../../migrations/sqlite/0003_responses.sql"),
    include_str!("../../migrations/sqlite/0004_covering.sql"),
    include_str!("../../migrations/sqlite/0005_redirect_uris.sql"),
    include_str!("../../migrations/sqlite/0006_hashed_secrets.sql"),
    include_str!("../../migrations/sqlite/0007_acls.sql"),
    include_str!("../../migrations/sqlite/0008_rooms_categories.sql"),
    include_str!("../../migrations/sqlite/0009_room_slots.sql"),
    include_str!("../../migrations/sqlite/0010_sign_ins.sql"),
    include_str!("../../migrations/sqlite/0011_plugins.sql"),
    include_str!("../../migrations/sqlite/0012_subscribed_calendars.sql"),
    include_str!("../../migrations/sqlite/0013_sign_links.sql"),
    include_str!("../../migrations/sqlite/0014_caldav.sql"),
    include_str!("../../migrations/sqlite/0015_minutes.sql"),
    include_str!("../../migrations/sqlite/0016_clock.sql"),
    include_str!("../../migrations/sqlite/0017_calendar_resources.sql"),
    include_str!("../../migrations/sqlite/0018_longest_single.sql"),
];

pub const POSTGRES: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_redirect_uris.sql"),
    include_str!("../../migrations/postgres/0003_hashed_secrets.sql"),
    include_str!("../../migrations/postgres/0004_acls.sql"),
    include_str!("../../migrations/postgres/0005_rooms_categories.sql"),
    include_str!("../../migrations/postgres/0006_room_slots.sql"),
    include_str!("../../migrations/postgres/0007_sign_ins.sql"),
    include_str!("../../migrations/postgres/0008_plugins.sql"),
    include_str!("../../migrations/postgres/0009_subscribed_calendars.sql"),
    include_str!("../../migrations/postgres/0010_sign_links.sql"),
    include_str!("../../migrations/postgres/0011_caldav.sql"),
    include_str!("../../migrations/postgres/0012_minutes.sql"),
    include_str!("../../migrations/postgres/0013_clock.sql"),
    include_str!("../../migrations/postgres/0014_calendar_resources.sql"),
    include_str!("../../migrations/postgres/0015_longest_single.sql"),
];

/// The steps a database that has taken `applied` of `all` still lacks; a
/// database a newer dingcal has migrated further is refused.
pub fn pending<'a>(applied: usize, all: &'a [&'a str]) -> Result<&'a [&'a str], String> {
    all.get(applied..).ok_or_else(|| {
        format!(
            "the database has schema version {applied}, newer than this dingcal's {}",
            all.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_schema_is_refused_and_an_older_one_gets_the_rest() {
        assert_eq!(pending(1, SQLITE).unwrap().len(), SQLITE.len() - 1);
        assert!(pending(SQLITE.len(), SQLITE).unwrap().is_empty());
        let err = pending(SQLITE.len() + 1, SQLITE).unwrap_err();
        assert!(err.contains("newer than this dingcal"), "{err}");
    }
}
