// Package schema builds a model of a database's tables, keys, constraints and
// types from the DDL of a plain pg_dump, one statement at a time, using
// PostgreSQL's own parser (pg_query). It is the only package that reads SQL
// syntax: everything else asks the resulting Catalog questions such as "which
// columns reference users.id?" or "how long may this varchar be?".
//
// The Builder understands CREATE [UNLOGGED] TABLE (columns, constraints,
// PARTITION OF/BY, INHERITS, LIKE, identity, generated and serial columns),
// ALTER TABLE (ADD COLUMN/CONSTRAINT, SET/DROP DEFAULT, SET/DROP NOT NULL,
// ADD GENERATED … AS IDENTITY, ATTACH PARTITION), CREATE UNIQUE INDEX,
// CREATE TYPE … AS ENUM, ALTER TYPE … ADD/RENAME VALUE, CREATE/ALTER DOMAIN,
// CREATE/ALTER SEQUENCE and search_path settings. Every other statement is
// skipped by its first words without being parsed.
package schema
