//! Where the store lives: `sqlite:PATH` (a data folder holding the SQLite file) or a
//! PostgreSQL URL (`postgres://…`, `postgresql://…`), as `--store` / `FED311_STORE` give it.
//! A URL may carry a password: `Debug` and `Display` show it as `***`, so the location can be
//! logged and printed in errors.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Where the store lives.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreLocation {
    /// SQLite, in this data folder.
    Sqlite(PathBuf),
    /// PostgreSQL, at this connection URL.
    Postgres(String),
}

impl FromStr for StoreLocation {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if let Some(path) = text.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err("`sqlite:` needs a folder, e.g. sqlite:./data".into());
            }
            return Ok(StoreLocation::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return match text.parse::<tokio_postgres::Config>() {
                Ok(_) => Ok(StoreLocation::Postgres(text.to_string())),
                Err(e) => Err(format!("`{}` is not a PostgreSQL URL: {e}", redact(text))),
            };
        }
        Err(format!(
            "`{}` is no store: give sqlite:FOLDER or a postgres://user:password@host/database URL",
            redact(text)
        ))
    }
}

impl fmt::Display for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            StoreLocation::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreLocation::Sqlite(path) => f.debug_tuple("Sqlite").field(path).finish(),
            StoreLocation::Postgres(url) => f.debug_tuple("Postgres").field(&redact(url)).finish(),
        }
    }
}

/// The URL with its password (in the user part, or a `password=` parameter) as `***`.
fn redact(url: &str) -> String {
    let mut out = match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_string(),
        // Unparsable: keep the scheme only, which holds no secret.
        Err(_) => return format!("{}://***", url.split("://").next().unwrap_or("?")),
    };
    if let Some(at) = out.find("password=") {
        let from = at + "password=".len();
        let to = out[from..].find('&').map_or(out.len(), |i| from + i);
        out.replace_range(from..to, "***");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::StoreLocation;

    #[test]
    fn reads_both_kinds_and_never_shows_a_password() {
        let sqlite: StoreLocation = "sqlite:./data".parse().unwrap();
        assert_eq!(sqlite, StoreLocation::Sqlite("./data".into()));
        assert_eq!(sqlite.to_string(), "sqlite:./data");
        for url in [
            "postgres://fed311:s3cret@127.0.0.1:5432/fed311",
            "postgresql://fed311:s3cret@127.0.0.1/fed311?sslmode=disable",
            "postgres://fed311@127.0.0.1/fed311?password=s3cret&application_name=x",
        ] {
            let location: StoreLocation = url.parse().unwrap();
            assert_eq!(location, StoreLocation::Postgres(url.into()));
            for shown in [location.to_string(), format!("{location:?}")] {
                assert!(!shown.contains("s3cret"), "{shown}");
                assert!(shown.contains("***") && shown.contains("127.0.0.1"), "{shown}");
            }
        }
        let bad = "mysql://root:s3cret@db".parse::<StoreLocation>().unwrap_err();
        assert!(!bad.contains("s3cret"), "{bad}");
        assert!("sqlite:".parse::<StoreLocation>().is_err());
    }
}
