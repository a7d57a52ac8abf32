// Package schema builds a model of a database's tables, keys, constraints and
// types from a plain pg_dump script, one statement at a time, using
// PostgreSQL's own parser (pg_query). It is the only package that reads SQL
// syntax: everything else asks the resulting Catalog questions such as "which
// columns reference users.id?" or "how long may this varchar be?".
//
// The Builder follows the script as PostgreSQL would run it in one psql
// session: CREATE, ALTER, RENAME, SET SCHEMA and DROP of schemas, tables,
// indexes, sequences, views and types (with the dependencies CASCADE
// follows), the session's search_path and role (SET, SET LOCAL, RESET,
// DISCARD, set_config, transactions and savepoints), and how every
// unqualified name resolves at that point. Where it cannot tell what
// PostgreSQL would do — a rolled-back schema change, a name whose meaning
// depends on a role the script does not name, a statement PostgreSQL would
// reject — it returns an error rather than guess. Builder.Statement also
// says what a statement does to data besides defining schema (Effect).
//
// Statements that neither define schema nor act on data (COMMENT, GRANT,
// OWNER TO, function bodies, INSERTs of literals) are judged by their first
// words without being parsed.
//
// The model assumes a fresh database, a superuser running the script, and
// psql in its default autocommit mode. Objects created by extensions and
// functions are not modelled.
package schema
