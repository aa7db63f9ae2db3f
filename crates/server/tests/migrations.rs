//! The SQLite and PostgreSQL migrations must describe the same schema (docs/migrations.md):
//! crates/store-common runs the same SQL on both. For each migration N, migrations 1..=N
//! are applied to a fresh SQLite file and a fresh PostgreSQL schema, both are read back
//! into one normalized model (`Schema`), and the two must agree up to `KNOWN_DIFFERENCES`.
//! Every difference is reported at once, with the migration that introduced it.
//!
//! PostgreSQL runs when `SWITCHYARD_TEST_POSTGRES_URL` is set, and the test fails if it is
//! set but unusable (CI must not skip silently, as in tests/common); without it only the
//! SQLite side is applied and read.

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection, SqliteConnection};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

const POSTGRES_URL_VAR: &str = "SWITCHYARD_TEST_POSTGRES_URL";
/// tests/common's prefix, so that either sweeps the other's leftovers.
const SCHEMA_PREFIX: &str = "sytest_";
const STALE_AFTER_SECS: u64 = 3600;

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Sqlite,
    Postgres,
}

enum Rule {
    /// A column declared `.0` on SQLite is PostgreSQL's `.1`.
    Type(&'static str, &'static str),
    /// Casts dropped from printed expressions (defaults, index predicates), longest first.
    Casts(&'static [&'static str]),
    /// PostgreSQL's spelling `.0` of SQLite's `.1` in printed expressions (lowercase).
    Spelling(&'static str, &'static str),
    /// Tables whose name starts with this are left out of both models.
    Ignored(&'static str),
    /// Facts (keys of `Schema`) that only one side has, on purpose.
    OnlyOn(Side, &'static [&'static str]),
}

/// Every way the two schemas may legitimately differ; anything else fails the test, and so
/// does a one-sided row that no migration produces any more.
///
/// Left out of the model by construction, on both sides:
/// * collations: PostgreSQL declares id and tag columns `TEXT COLLATE "C"` so that they
///   sort bytewise like SQLite's TEXT (always BINARY); neither side's collation is read.
/// * SQLite's implicit `rowid`: an index lists its key columns only (`pragma_index_xinfo`
///   with `key = 1`), and an `INTEGER PRIMARY KEY`, which is the rowid and has no index of
///   its own, counts as the primary key's index and as NOT NULL (`SQLITE_COLUMNS`).
/// * the names each dialect invents: indexes behind PRIMARY KEY and UNIQUE constraints
///   (`sqlite_autoindex_t_1`; `t_pkey`, `t_col_key`) are keyed by their constraint, and
///   foreign keys by their columns (SQLite keeps no name for them).
/// * the text of an index's expression columns, which SQLite's pragmas do not give: such a
///   column is `<expression>` on both sides.
/// * expression layout: lowercase outside string literals, no parentheses, single spaces;
///   PostgreSQL prints a predicate from its parse tree (every operand in parentheses),
///   SQLite keeps the text as written.
const KNOWN_DIFFERENCES: &[(Rule, &str)] = &[
    (Rule::Type("BIGINT", "bigint"), "the same 64-bit integer"),
    (
        Rule::Type("INTEGER", "integer"),
        "declared alike; PostgreSQL's 4 bytes bound the values. INTEGER as bigint is NOT \
         accepted: the shared code decodes one Rust type, and sqlx refuses an i32 from a \
         bigint (webhook_outbox.attempts is read as i32, store-common/engine_outbox.rs)",
    ),
    (
        Rule::Type("TEXT", "text"),
        "with or without COLLATE \"C\" (above)",
    ),
    (
        Rule::Type("BOOLEAN", "boolean"),
        "SQLite has no boolean: BOOLEAN has NUMERIC affinity and holds 0/1, which sqlx \
         decodes as bool like PostgreSQL's boolean",
    ),
    (
        Rule::Type("DOUBLE PRECISION", "double precision"),
        "an 8-byte float on both",
    ),
    (
        Rule::Type("REAL", "double precision"),
        "SQLite's REAL has 8 bytes, like double precision (PostgreSQL's real has 4)",
    ),
    (
        Rule::Casts(&[
            "::text[]",
            "::text",
            "::double precision",
            "::bigint",
            "::integer",
        ]),
        "PostgreSQL prints the type of each literal; SQLite has no casts of this form",
    ),
    (
        Rule::Spelling("= any (array[", "in ("),
        "PostgreSQL prints `x IN (a, b)` as `x = ANY (ARRAY[a, b])`",
    ),
    (Rule::Spelling("])", ")"), "the end of that ARRAY[...]"),
    (
        Rule::Ignored("sqlite_"),
        "SQLite's own tables (sqlite_sequence, sqlite_stat1)",
    ),
    (
        Rule::Ignored("_sqlx_migrations"),
        "sqlx's bookkeeping: absent here (the files are executed directly), left out so \
         that databases migrated by the stores compare the same",
    ),
    (
        Rule::OnlyOn(
            Side::Sqlite,
            &[
                "column organizations.calls_version",
                "trigger calls.calls_version_insert",
                "trigger calls.calls_version_delete",
                "trigger calls.calls_version_update",
                "trigger call_tags.call_tags_version_insert",
                "trigger call_tags.call_tags_version_delete",
                "trigger call_ratings.call_ratings_version_insert",
                "trigger call_ratings.call_ratings_version_delete",
                "trigger call_ratings.call_ratings_version_update",
            ],
        ),
        "0005: the SQLite store reuses a GET /calls count while this version, bumped by the \
         triggers, does not move (store-sqlite/src/call_counts.rs; read only in \
         store-sqlite/src/reads.rs). PostgreSQL counts every time: a per-organization \
         counter row would serialize its writers",
    ),
    (
        Rule::Ignored("calls_search"),
        "0015: SQLite's FTS5 trigram index of calls.search_text is a virtual table with \
         shadow tables (calls_search, calls_search_data, ...)",
    ),
    (
        Rule::OnlyOn(
            Side::Sqlite,
            &[
                "trigger calls.calls_search_insert",
                "trigger calls.calls_search_delete",
                "trigger calls.calls_search_update",
            ],
        ),
        "0015: the triggers that keep SQLite's FTS5 trigram index (an external-content \
         table) in step with calls.search_text",
    ),
    (
        Rule::OnlyOn(Side::Postgres, &["index calls.calls_search"]),
        "0015: PostgreSQL's pg_trgm GIN index of calls.search_text, SQLite's counterpart \
         being the FTS5 table",
    ),
    (
        Rule::OnlyOn(
            Side::Postgres,
            &[
                "function call_rollup_add",
                "function call_rollup_follow",
                "function call_tag_rollup_add",
                "function call_tag_rollup_call",
                "function call_tag_rollup_follow",
            ],
        ),
        "0014: PostgreSQL's triggers run functions; SQLite's (of the same names) carry \
         their statements inline",
    ),
];

/// One normalized schema: what a fact is about (`column calls.status`, `index
/// calls.calls_status`, `foreign key t(c) -> u`, `trigger t.name`) → its normalized form.
type Schema = BTreeMap<String, String>;

fn ignored(table: &str) -> bool {
    KNOWN_DIFFERENCES
        .iter()
        .any(|(rule, _)| matches!(rule, Rule::Ignored(prefix) if table.starts_with(prefix)))
}

/// SQLite's declared type in PostgreSQL's words, or as declared if no rule says so.
fn sqlite_type(declared: &str) -> String {
    let declared = declared
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    let known = KNOWN_DIFFERENCES.iter().find_map(|(rule, _)| match rule {
        Rule::Type(sqlite, postgres) if *sqlite == declared => Some(postgres.to_string()),
        _ => None,
    });
    known.unwrap_or(declared)
}

/// A fact as (table, key, form), for facts a catalog query can spell out whole.
type FactRow = (String, String, String);
/// A column: table, name, type, NOT NULL, default, position in the primary key (0 or NULL
/// when not in it).
type ColumnRow = (String, String, String, bool, Option<String>, Option<i64>);
/// An index: table, name, UNIQUE, the constraint that made it ("pk", "u") if one did, key
/// columns, predicate.
type IndexRow = (String, String, bool, Option<String>, String, Option<String>);

fn add_facts(schema: &mut Schema, rows: Vec<FactRow>) {
    let kept = rows.into_iter().filter(|(table, ..)| !ignored(table));
    schema.extend(kept.map(|(_, key, form)| (key, form)));
}

fn add_columns(schema: &mut Schema, rows: Vec<ColumnRow>, normalize_type: fn(&str) -> String) {
    for (table, name, ty, not_null, default, pk) in rows.into_iter().filter(|c| !ignored(&c.0)) {
        let mut form = normalize_type(&ty);
        if not_null {
            form += " NOT NULL";
        }
        if let Some(default) = default {
            form += &format!(" DEFAULT {}", normalize_expr(&default));
        }
        if let Some(position) = pk.filter(|&p| p > 0) {
            form += &format!(" PRIMARY KEY #{position}");
        }
        schema.insert(format!("column {table}.{name}"), form);
    }
}

fn add_indexes(schema: &mut Schema, rows: Vec<IndexRow>) {
    for (table, name, unique, constraint, columns, predicate) in
        rows.into_iter().filter(|i| !ignored(&i.0))
    {
        // A constraint's index has a name the dialect made up: key it by the constraint.
        let key = match constraint.as_deref() {
            Some("pk") => format!("index {table}.<primary key>"),
            Some(_) => format!("index {table}.<unique {columns}>"),
            None => format!("index {table}.{name}"),
        };
        let unique = if unique { "UNIQUE " } else { "" };
        let predicate = predicate
            .map(|p| format!(" WHERE {}", normalize_expr(&p)))
            .unwrap_or_default();
        schema.insert(key, format!("{unique}({columns}){predicate}"));
    }
}

async fn sqlite_rows<T>(conn: &mut SqliteConnection, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let rows = sqlx::query_as(sql).fetch_all(conn).await;
    rows.unwrap_or_else(|e| panic!("SQLite: {e} in {sql}"))
}

async fn postgres_rows<T>(conn: &mut PgConnection, namespace: &str, sql: &str) -> Vec<T>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let rows = sqlx::query_as(sql).bind(namespace).fetch_all(conn).await;
    rows.unwrap_or_else(|e| panic!("PostgreSQL: {e} in {sql}"))
}

fn normalize_expr(text: &str) -> String {
    let mut quoted = false;
    let mut lowered: String = text
        .chars()
        .map(|c| {
            quoted ^= c == '\'';
            if quoted { c } else { c.to_ascii_lowercase() }
        })
        .collect();
    for (rule, _) in KNOWN_DIFFERENCES {
        match rule {
            Rule::Casts(casts) => casts
                .iter()
                .for_each(|cast| lowered = lowered.replace(cast, "")),
            Rule::Spelling(postgres, sqlite) => lowered = lowered.replace(postgres, sqlite),
            _ => {}
        }
    }
    let mut out = String::new();
    for c in lowered.chars() {
        quoted ^= c == '\'';
        if quoted || !(c == '(' || c == ')' || c.is_whitespace()) {
            out.push(c);
        } else if c.is_whitespace() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_string()
}

struct Migration {
    name: String,
    sqlite: String,
    postgres: String,
}

/// Both folders, which must hold the same files, numbered 1, 2, ... without gaps.
fn migrations() -> Vec<Migration> {
    let read = |store: &str| -> BTreeMap<String, String> {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../{store}/migrations"));
        let entries = std::fs::read_dir(folder).expect("read a migrations folder");
        let files = entries.map(|entry| entry.expect("a folder entry").path());
        files
            .filter_map(|path| {
                let name = path
                    .file_name()?
                    .to_str()?
                    .strip_suffix(".sql")?
                    .to_string();
                Some((
                    name,
                    std::fs::read_to_string(&path).expect("read a migration"),
                ))
            })
            .collect()
    };
    let (sqlite, mut postgres) = (read("store-sqlite"), read("store-postgres"));
    let names = |folder: &BTreeMap<String, String>| folder.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(&sqlite),
        names(&postgres),
        "the migration folders differ (SQLite, PostgreSQL)"
    );
    let numbered = sqlite.into_iter().enumerate().map(|(i, (name, sqlite))| {
        let number = name.get(..4).and_then(|n| n.parse::<usize>().ok());
        assert_eq!(
            number,
            Some(i + 1),
            "migration `{name}` should be numbered {:04}",
            i + 1
        );
        let postgres = postgres.remove(&name).expect("in both folders");
        Migration {
            name,
            sqlite,
            postgres,
        }
    });
    numbered.collect()
}

async fn sqlite_schema(applied: &[Migration]) -> Schema {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = SqliteConnectOptions::new()
        .filename(dir.path().join("schema.db"))
        .create_if_missing(true);
    let mut conn = options.connect().await.expect("open a SQLite file");
    for m in applied {
        let applied = sqlx::raw_sql(&m.sqlite).execute(&mut conn).await;
        applied.unwrap_or_else(|e| panic!("SQLite: migration {} fails: {e}", m.name));
    }
    let mut schema = Schema::new();
    add_facts(&mut schema, sqlite_rows(&mut conn, SQLITE_OBJECTS).await);
    add_columns(
        &mut schema,
        sqlite_rows(&mut conn, SQLITE_COLUMNS).await,
        sqlite_type,
    );
    let indexes: Vec<IndexRow> = sqlite_rows(&mut conn, SQLITE_INDEXES).await;
    let with_predicates = indexes.into_iter().map(|(t, n, u, c, k, sql)| {
        let predicate = sql
            .as_deref()
            .and_then(sqlite_index_predicate)
            .map(String::from);
        (t, n, u, c, k, predicate)
    });
    add_indexes(&mut schema, with_predicates.collect());
    add_facts(
        &mut schema,
        sqlite_rows(&mut conn, SQLITE_FOREIGN_KEYS).await,
    );
    conn.close().await.expect("close the SQLite file");
    schema
}

const SQLITE_OBJECTS: &str = "\
    SELECT tbl_name, CASE type WHEN 'trigger' THEN 'trigger ' || tbl_name || '.' || name \
                     ELSE type || ' ' || name END, 'present' \
    FROM sqlite_master WHERE type IN ('table', 'view', 'trigger')";

/// Primary-key columns SQLite keeps from being NULL count as NOT NULL, as on PostgreSQL:
/// those of a WITHOUT ROWID table, and an INTEGER PRIMARY KEY (the rowid: its table has no
/// primary-key index). Other primary-key columns of SQLite do take NULLs.
const SQLITE_COLUMNS: &str = "\
    SELECT m.name, p.name, p.type, \
           p.\"notnull\" OR (p.pk > 0 \
               AND ((SELECT wr FROM pragma_table_list(m.name) WHERE schema = 'main') \
                    OR NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) WHERE origin = 'pk'))), \
           p.dflt_value, p.pk \
    FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type IN ('table', 'view')";

/// Its last column is the CREATE INDEX of a partial index. The second arm is the rowid
/// standing for the primary key (see KNOWN_DIFFERENCES).
const SQLITE_INDEXES: &str = "\
    SELECT m.name, il.name, il.\"unique\", nullif(il.origin, 'c'), \
           (SELECT group_concat(coalesce(x.name, '<expression>') \
                   || CASE WHEN x.\"desc\" THEN ' DESC' ELSE '' END, ', ' ORDER BY x.seqno) \
            FROM pragma_index_xinfo(il.name) x WHERE x.key), \
           CASE WHEN il.partial THEN i.sql END \
    FROM sqlite_master m JOIN pragma_index_list(m.name) il \
    LEFT JOIN sqlite_master i ON i.type = 'index' AND i.name = il.name WHERE m.type = 'table' \
    UNION ALL \
    SELECT m.name, '', TRUE, 'pk', group_concat(p.name, ', ' ORDER BY p.pk), NULL \
    FROM sqlite_master m JOIN pragma_table_info(m.name) p \
    WHERE m.type = 'table' AND p.pk > 0 \
      AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) WHERE origin = 'pk') \
    GROUP BY m.name";

/// `REFERENCES t` without columns means t's primary key, which pragma_table_info knows.
const SQLITE_FOREIGN_KEYS: &str = "\
    SELECT m.name, \
           'foreign key ' || m.name || '(' || group_concat(f.\"from\", ', ' ORDER BY f.seq) \
           || ') -> ' || f.\"table\", \
           '(' || group_concat(coalesce(f.\"to\", (SELECT p.name FROM pragma_table_info(f.\"table\") p \
                                                WHERE p.pk = f.seq + 1)), ', ' ORDER BY f.seq) \
           || ') ON DELETE ' || f.on_delete || ' ON UPDATE ' || f.on_update \
    FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
    WHERE m.type = 'table' GROUP BY m.name, f.id";

/// The WHERE of a partial index: what follows the column list of its CREATE INDEX.
fn sqlite_index_predicate(sql: &str) -> Option<&str> {
    let open = sql.find('(')?;
    let mut depth = 0;
    let close = sql[open..].char_indices().find_map(|(i, c)| {
        depth += i32::from(c == '(') - i32::from(c == ')');
        (depth == 0).then_some(open + i)
    })?;
    let rest = sql[close + 1..].trim_start();
    rest.get(..5)
        .filter(|w| w.eq_ignore_ascii_case("where"))
        .map(|_| &rest[5..])
}

async fn postgres_schema(conn: &mut PgConnection, applied: &[Migration]) -> Schema {
    let name = format!(
        "{SCHEMA_PREFIX}{}_{:08x}",
        unix_seconds(),
        rand::random::<u32>()
    );
    let setup = format!("CREATE SCHEMA \"{name}\"; SET search_path TO \"{name}\"");
    sqlx::raw_sql(&setup)
        .execute(&mut *conn)
        .await
        .expect("create a test schema");
    for m in applied {
        let applied = sqlx::raw_sql(&m.postgres).execute(&mut *conn).await;
        applied.unwrap_or_else(|e| panic!("PostgreSQL: migration {} fails: {e}", m.name));
    }
    let mut schema = Schema::new();
    add_facts(
        &mut schema,
        postgres_rows(conn, &name, POSTGRES_OBJECTS).await,
    );
    add_columns(
        &mut schema,
        postgres_rows(conn, &name, POSTGRES_COLUMNS).await,
        str::to_string,
    );
    add_indexes(
        &mut schema,
        postgres_rows(conn, &name, POSTGRES_INDEXES).await,
    );
    add_facts(
        &mut schema,
        postgres_rows(conn, &name, POSTGRES_FOREIGN_KEYS).await,
    );
    let drop = format!("RESET search_path; DROP SCHEMA \"{name}\" CASCADE");
    sqlx::raw_sql(&drop)
        .execute(&mut *conn)
        .await
        .expect("drop the test schema");
    schema
}

const POSTGRES_OBJECTS: &str = "\
    SELECT table_name::text, \
           CASE table_type WHEN 'VIEW' THEN 'view ' ELSE 'table ' END || table_name, 'present' \
    FROM information_schema.tables WHERE table_schema = $1 \
    UNION ALL \
    SELECT c.relname::text, 'trigger ' || c.relname || '.' || t.tgname, 'present' \
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname = $1 AND NOT t.tgisinternal \
    UNION ALL \
    SELECT '', 'function ' || p.proname, 'present' \
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1";

/// pg_catalog rather than information_schema.columns and key_column_usage, which read every
/// schema of the database: a second (a minute with the key columns) per query on a test
/// database holding the other suites' thousand schemas.
const POSTGRES_COLUMNS: &str = "\
    SELECT r.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, \
           pg_get_expr(d.adbin, d.adrelid), array_position(k.conkey, a.attnum)::int8 \
    FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace \
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
    LEFT JOIN pg_constraint k ON k.conrelid = r.oid AND k.contype = 'p' \
    WHERE n.nspname = $1 AND r.relkind IN ('r', 'p', 'v') AND a.attnum > 0 AND NOT a.attisdropped";

const POSTGRES_INDEXES: &str = "\
    SELECT t.relname::text, i.relname::text, x.indisunique, \
           (SELECT CASE c.contype WHEN 'p' THEN 'pk' ELSE 'u' END FROM pg_constraint c \
            WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid AND c.contype IN ('p', 'u')), \
           array_to_string(ARRAY( \
               SELECT CASE WHEN k.n > x.indnkeyatts THEN 'INCLUDE ' ELSE '' END \
                      || coalesce(a.attname::text, '<expression>') \
                      || CASE WHEN (x.indoption[(k.n - 1)::int] & 1) = 1 THEN ' DESC' ELSE '' END \
               FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
               LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum \
               ORDER BY k.n), ', '), \
           pg_get_expr(x.indpred, x.indrelid) \
    FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
    JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1";

/// Actions in SQLite's words, which pragma_foreign_key_list prints.
const POSTGRES_FOREIGN_KEYS: &str = "\
    WITH action(code, word) AS (VALUES ('a', 'NO ACTION'), ('r', 'RESTRICT'), ('c', 'CASCADE'), \
                                       ('n', 'SET NULL'), ('d', 'SET DEFAULT')) \
    SELECT t.relname::text, \
           'foreign key ' || t.relname || '(' || array_to_string(ARRAY( \
               SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n) \
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n), ', ') \
           || ') -> ' || r.relname, \
           '(' || array_to_string(ARRAY( \
               SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n) \
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n), ', ') \
           || ') ON DELETE ' || del.word || ' ON UPDATE ' || upd.word \
    FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid \
    JOIN pg_namespace n ON n.oid = t.relnamespace \
    JOIN action del ON del.code = c.confdeltype::text JOIN action upd ON upd.code = c.confupdtype::text \
    WHERE n.nspname = $1 AND c.contype = 'f'";

/// The differences `KNOWN_DIFFERENCES` does not excuse, one line each; the one-sided facts
/// it did excuse go to `excused`.
fn compare(
    sqlite: &Schema,
    postgres: &Schema,
    excused: &mut BTreeSet<&'static str>,
) -> BTreeSet<String> {
    let mut differences = BTreeSet::new();
    for key in sqlite
        .keys()
        .chain(postgres.keys())
        .collect::<BTreeSet<_>>()
    {
        let (side, form, has, lacks) = match (sqlite.get(key), postgres.get(key)) {
            (Some(s), Some(p)) if s == p => continue,
            (Some(s), Some(p)) => {
                differences.insert(format!("{key}: SQLite has `{s}`, PostgreSQL `{p}`"));
                continue;
            }
            (Some(s), None) => (Side::Sqlite, s, "SQLite", "PostgreSQL"),
            (None, Some(p)) => (Side::Postgres, p, "PostgreSQL", "SQLite"),
            (None, None) => unreachable!("a key of either schema"),
        };
        let known = KNOWN_DIFFERENCES.iter().find_map(|(rule, _)| match rule {
            Rule::OnlyOn(on, keys) if *on == side => keys.iter().find(|k| **k == key.as_str()),
            _ => None,
        });
        match known {
            Some(known) => excused.insert(*known),
            None => differences.insert(format!("{key}: only in {has} (`{form}`), not in {lacks}")),
        };
    }
    differences
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_agree_after_every_migration() {
    let started = Instant::now();
    let migrations = migrations();
    let mut postgres = match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(connect_postgres(&url).await),
        _ => None,
    };
    let (mut excused, mut before, mut report) = (BTreeSet::new(), BTreeSet::new(), Vec::new());
    for n in 1..=migrations.len() {
        let sqlite = sqlite_schema(&migrations[..n]).await;
        let Some(conn) = postgres.as_mut() else {
            continue;
        };
        let differences = compare(
            &sqlite,
            &postgres_schema(conn, &migrations[..n]).await,
            &mut excused,
        );
        // Reported once, by the migration that made it (a changed form is a new difference).
        let name = &migrations[n - 1].name;
        report.extend(
            differences
                .difference(&before)
                .map(|d| format!("{name}: {d}")),
        );
        before = differences;
    }
    let Some(conn) = postgres else {
        println!(
            "postgres: {POSTGRES_URL_VAR} not set, skipped (the SQLite migrations were applied and read)"
        );
        return;
    };
    conn.close().await.expect("close the PostgreSQL connection");
    for (rule, _) in KNOWN_DIFFERENCES {
        if let Rule::OnlyOn(_, keys) = rule {
            let stale = keys.iter().filter(|key| !excused.contains(*key));
            report.extend(stale.map(|key| {
                format!("KNOWN_DIFFERENCES lists `{key}`, which no migration makes: remove it")
            }));
        }
    }
    println!(
        "compared {} migrations on SQLite and PostgreSQL in {:.2?}",
        migrations.len(),
        started.elapsed()
    );
    assert!(
        report.is_empty(),
        "the SQLite and PostgreSQL schemas differ:\n  {}",
        report.join("\n  ")
    );
}

/// Panics rather than skipping: with the variable set, PostgreSQL is expected to work.
async fn connect_postgres(url: &str) -> PgConnection {
    let mut conn = PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but unreachable: {e}"));
    drop_stale_schemas(&mut conn).await;
    conn
}

/// Drops the test schemas that runs which died mid-way left behind over an hour ago, one
/// statement each: another test process may be dropping some of them too, harmlessly.
async fn drop_stale_schemas(conn: &mut PgConnection) {
    let cutoff = unix_seconds().saturating_sub(STALE_AFTER_SECS).to_string();
    let schemas: Vec<String> = sqlx::query_scalar(
        "SELECT nspname::text FROM pg_namespace \
         WHERE substring(nspname FROM '^' || $1 || '([0-9]+)_')::numeric < $2::numeric",
    )
    .bind(SCHEMA_PREFIX)
    .bind(cutoff)
    .fetch_all(&mut *conn)
    .await
    .expect("list the stale test schemas");
    for schema in schemas {
        let _ = sqlx::raw_sql(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
            .execute(&mut *conn)
            .await;
    }
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
