//! Where the data lives, from `--db`.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbUrl {
    SqliteFile(std::path::PathBuf),
    SqliteMemory,
    Postgres(String),
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<DbUrl, String> {
        if url == "sqlite::memory:" || url == "sqlite://:memory:" {
            return Ok(DbUrl::SqliteMemory);
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err("sqlite:// needs a file path, as in sqlite://dingcal.db".into());
            }
            return Ok(DbUrl::SqliteFile(path.into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(url.to_string()));
        }
        Err(format!(
            "unsupported --db {url:?}: use sqlite://PATH, sqlite::memory: or postgres://USER@HOST:PORT/DB"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_urls() {
        assert_eq!(
            DbUrl::parse("sqlite://dingcal.db").unwrap(),
            DbUrl::SqliteFile("dingcal.db".into())
        );
        assert_eq!(
            DbUrl::parse("sqlite::memory:").unwrap(),
            DbUrl::SqliteMemory
        );
        assert!(DbUrl::parse("mysql://x").is_err());
    }
}
