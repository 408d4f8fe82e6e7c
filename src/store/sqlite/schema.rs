//! Connection settings and the versioned migrations (`migrations/NNN_*.sql`).

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};

use super::Result;

/// Every schema version, oldest first. Append only: never edit a released migration.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_initial.sql"),
    include_str!("migrations/002_category.sql"),
    include_str!("migrations/003_outbox.sql"),
    include_str!("migrations/004_list_order.sql"),
    include_str!("migrations/005_crosswalk.sql"),
    include_str!("migrations/006_identity.sql"),
    include_str!("migrations/007_refusal_status.sql"),
    include_str!("migrations/008_harvest_fidelity.sql"),
    include_str!("migrations/009_nodes.sql"),
];

/// How much of the database file readers map into memory.
const MMAP_BYTES: i64 = 2 << 30;

/// Opens a connection with the settings every connection shares.
pub(super) fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // WAL plus NORMAL survives process crashes (only an OS crash may lose the last commits).
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", -32_000)?;
    // Reads map the file instead of copying each page: a page of search results reads 20
    // records from anywhere in the file. SQLite caps the map at 2 GiB unless built otherwise.
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    Ok(conn)
}

/// Brings the schema to the latest version. Two processes opening a new store at once may
/// race on the first migration; the loser sees the winner's schema on a second look.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    let steps: Vec<M<'_>> = MIGRATIONS.iter().map(|sql| M::up(sql)).collect();
    let migrations = Migrations::new(steps);
    let mut attempt = 0;
    loop {
        match migrations.to_latest(conn) {
            Ok(()) => return Ok(()),
            Err(_) if attempt < 5 => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(100 * attempt));
            }
            Err(e) => return Err(e.into()),
        }
    }
}
