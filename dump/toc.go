package dump

import "regexp"

// TOCComment matches the comment pg_dump writes before each entry of a
// plain script: "-- Name: users_pkey; Type: CONSTRAINT; Schema: public;
// Owner: app". Its groups are the name, the type, the schema and the owner
// ("" when the line has none; pg_dump writes "-" for none). Hand-edited
// scripts spell the type in any case ("Type: Constraint").
var TOCComment = regexp.MustCompile(`(?mi)^-- (?:Data for )?Name: (.*); Type: ([A-Z][A-Z ]*); Schema: (.*?)(?:; Owner: (.*?))?(?:; Tablespace: .*)?$`)
