//! The versioned migrations (`migrations/NNN_*.sql`): each applied once, in order, in its own
//! transaction, and recorded in `schema_migrations`. Nodes starting at once take turns on a
//! session advisory lock, so the second finds the first's work done.

use super::Conn;
use crate::store::Result;

/// Every schema version, oldest first. Append only: never edit a released migration.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_schema.sql"),
    include_str!("migrations/002_nodes.sql"),
    include_str!("migrations/003_history_key.sql"),
    include_str!("migrations/004_history_when_changed.sql"),
];

/// The advisory lock key migrations run under ("fed311" in ASCII).
const MIGRATION_LOCK: i64 = 0x6665_6433_3131;

/// Brings the schema to the latest version.
pub(super) fn migrate(conn: &mut Conn) -> Result<()> {
    conn.execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])?;
    let applied = apply(conn);
    let unlocked = conn.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    applied.and(unlocked.map(|_| ()))
}

fn apply(conn: &mut Conn) -> Result<()> {
    conn.batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
    )?;
    let done: i64 = conn.query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])?.get(0);
    for (version, sql) in (1i64..).zip(MIGRATIONS).skip(usize::try_from(done).unwrap_or(0)) {
        conn.batch("BEGIN")?;
        let step = conn.batch(sql).and_then(|()| {
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[&version, &crate::store::now()],
            )
        });
        match step {
            Ok(_) => conn.batch("COMMIT")?,
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    Ok(())
}
