package schema

import (
	"errors"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v5"
)

// settings are the session variables that decide what names mean.
type settings struct {
	path []string // search_path items as PostgreSQL keeps them: exact names, "$user", "pg_temp"
	// pathUnknown is set when the session started after the script gave a
	// role or database its own search_path: which one applies depends on
	// the connection, which the script does not show.
	pathUnknown bool
	user        string // session user (login or SET SESSION AUTHORIZATION); "" unknown
	role        string // SET ROLE; "" for NONE, when the session user acts
	// scsOff is standard_conforming_strings = off: backslashes in string
	// literals are escapes, which the parser, built with it on, misreads.
	scsOff bool
}

// currentRole is the role "$user" stands for; "" when unknown.
func (s settings) currentRole() string {
	if s.role != "" {
		return s.role
	}
	return s.user
}

// defaultPath is PostgreSQL's default search_path.
var defaultPath = []string{"$user", "public"}

// session is the connection the script runs in.
type session struct {
	set   settings // in effect now
	kept  settings // what stays when the open transaction block ends; equal to set outside one
	reset settings // what RESET returns to: the values the session started with
	login string   // the role the session logged in as; "" unknown
	// startPath and startRole are set once the script has given roles or
	// databases settings of their own, which later sessions start with.
	startPath, startRole bool
	tx                   *txn
}

// txn is an open transaction block.
type txn struct {
	// implicit marks the one PostgreSQL wraps around the statements of a
	// multi-statement text.
	implicit     bool
	begin        mark
	savepoints   []savepoint
	dropAtCommit []QName // temporary tables created ON COMMIT DROP
}

// mark is the state a rollback returns to.
type mark struct {
	changes   int
	set, kept settings
}

type savepoint struct {
	name string
	mark
}

// startSession puts the settings a new session starts with in place.
func (b *Builder) startSession() {
	s := settings{path: defaultPath, user: b.login}
	if b.startPath {
		s = settings{pathUnknown: true, user: b.login}
	}
	if b.startRole {
		s.user = "" // the role a per-role or per-database setting picks is unknown
	}
	b.set, b.kept, b.reset = s, s, s
	b.tx = nil
}

// SetSessionUser records the role the session is logged in as (a psql
// \connect that names a user). "$user" in search_path and CURRENT_USER
// resolve to it until SET ROLE or SET SESSION AUTHORIZATION say otherwise.
// Call it after NewSession for a \connect.
func (b *Builder) SetSessionUser(role string) {
	b.login = role
	for _, s := range []*settings{&b.set, &b.kept, &b.reset} {
		s.user, s.role = role, ""
	}
}

// NewSession starts a new session, as psql's \connect does: settings return
// to their defaults, temporary objects are gone, and an open transaction
// block is rolled back, which is an error if it held schema changes the
// model applied. The login role stays as it was (\connect without a user
// name keeps it); call SetSessionUser when it changes.
func (b *Builder) NewSession() error {
	if b.tx != nil {
		if err := b.rollback("a new session (\\connect)"); err != nil {
			return err
		}
	}
	b.dropTemp()
	b.startSession()
	return nil
}

// End reports the end of the script. PostgreSQL rolls back a transaction
// block left open when the session ends, which is an error if it held
// schema changes the model applied.
func (b *Builder) End() error {
	if b.tx == nil {
		return nil
	}
	return b.rollback("the end of the script, with a transaction block still open,")
}

func (b *Builder) mark() mark { return mark{changes: b.changes, set: b.set, kept: b.kept} }

func (b *Builder) begin(implicit bool) {
	if b.tx != nil {
		// BEGIN inside a multi-statement text turns its implicit block into
		// an explicit one; inside an explicit block it only warns.
		b.tx.implicit = b.tx.implicit && implicit
		return
	}
	b.tx = &txn{implicit: implicit, begin: b.mark()}
}

func (b *Builder) commit() {
	if b.tx == nil {
		return // PostgreSQL warns that no transaction is in progress
	}
	for _, q := range b.tx.dropAtCommit {
		if b.rels[q] != 0 {
			b.dropNames(map[QName]bool{q: true})
		}
	}
	b.set = b.kept
	b.tx = nil
}

// rollback ends the transaction block, undoing its settings.
func (b *Builder) rollback(stmt string) error {
	if b.tx == nil {
		return nil // PostgreSQL warns that no transaction is in progress
	}
	if b.changes != b.tx.begin.changes {
		return &RollbackError{Statement: stmt}
	}
	b.set, b.kept = b.tx.begin.set, b.tx.begin.kept
	b.tx = nil
	return nil
}

func (b *Builder) transaction(s *pg_query.TransactionStmt) error {
	switch s.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
		b.begin(false)
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
		b.commit()
		if s.Chain {
			b.begin(false)
		}
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		if err := b.rollback("ROLLBACK"); err != nil {
			return err
		}
		if s.Chain {
			b.begin(false)
		}
	case pg_query.TransactionStmtKind_TRANS_STMT_PREPARE:
		if b.tx == nil {
			return nil
		}
		if b.changes != b.tx.begin.changes {
			return &UnsupportedError{Statement: "PREPARE TRANSACTION",
				Reason: "whether its schema changes are ever committed is decided outside the session"}
		}
		b.commit() // its settings stay, as after a commit
	case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT:
		if b.tx == nil {
			return nil // an error that changes nothing outside a transaction block
		}
		if b.tx.implicit {
			return &UnsupportedError{Statement: "SAVEPOINT",
				Reason: "outside a transaction block it fails and aborts the rest of the multi-statement text"}
		}
		b.tx.savepoints = append(b.tx.savepoints, savepoint{name: s.SavepointName, mark: b.mark()})
	case pg_query.TransactionStmtKind_TRANS_STMT_RELEASE, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		if b.tx == nil {
			return nil
		}
		i := len(b.tx.savepoints) - 1
		for i >= 0 && b.tx.savepoints[i].name != s.SavepointName {
			i--
		}
		if i < 0 {
			return &UnsupportedError{Statement: "ROLLBACK TO / RELEASE SAVEPOINT",
				Reason: "savepoint " + QuoteIdent(s.SavepointName) + " does not exist; the error aborts the transaction"}
		}
		if s.Kind == pg_query.TransactionStmtKind_TRANS_STMT_RELEASE {
			b.tx.savepoints = b.tx.savepoints[:i]
			return nil
		}
		sp := b.tx.savepoints[i]
		if b.changes != sp.changes {
			return &RollbackError{Statement: "ROLLBACK TO SAVEPOINT " + QuoteIdent(sp.name)}
		}
		b.set, b.kept = sp.set, sp.kept
		b.tx.savepoints = b.tx.savepoints[:i+1]
	}
	return nil
}

// setVar changes settings as SET does: SET LOCAL only until the transaction
// block ends (and not at all outside one); SET until a rollback undoes it.
func (b *Builder) setVar(local bool, f func(*settings)) {
	if local {
		if b.tx != nil {
			f(&b.set)
		}
		return
	}
	f(&b.set)
	f(&b.kept)
}

// variableSet follows SET and RESET of search_path, role and session
// authorization, and RESET ALL.
func (b *Builder) variableSet(s *pg_query.VariableSetStmt) error {
	switch s.Kind {
	case pg_query.VariableSetKind_VAR_RESET_ALL:
		// RESET ALL leaves role and session authorization alone.
		b.setVar(false, func(t *settings) { t.path, t.pathUnknown, t.scsOff = b.reset.path, b.reset.pathUnknown, false })
		return nil
	case pg_query.VariableSetKind_VAR_SET_VALUE, pg_query.VariableSetKind_VAR_SET_DEFAULT,
		pg_query.VariableSetKind_VAR_RESET:
	default:
		return nil // SET … FROM CURRENT, SET TRANSACTION …
	}
	toDefault := s.Kind != pg_query.VariableSetKind_VAR_SET_VALUE
	switch s.Name {
	case "search_path":
		if toDefault {
			b.setVar(s.IsLocal, func(t *settings) { t.path, t.pathUnknown = b.reset.path, b.reset.pathUnknown })
			return nil
		}
		path, err := setArgs(s.Args)
		if err != nil {
			return err
		}
		b.setVar(s.IsLocal, func(t *settings) { t.path, t.pathUnknown = path, false })
	case "role":
		role := ""
		if !toDefault {
			v, err := setArgs(s.Args)
			if err != nil || len(v) != 1 {
				return &UnsupportedError{Statement: "SET ROLE", Reason: "the role name is not a single name"}
			}
			if v[0] != "none" {
				role = v[0]
			}
		}
		b.setVar(s.IsLocal, func(t *settings) { t.role = role })
	case "standard_conforming_strings":
		on := true
		if !toDefault {
			v, err := setArgs(s.Args)
			if err != nil || len(v) != 1 {
				return &UnsupportedError{Statement: "SET standard_conforming_strings", Reason: "not a single value"}
			}
			var ok bool
			if on, ok = parseBool(v[0]); !ok {
				return &UnsupportedError{Statement: "SET standard_conforming_strings", Reason: "not a boolean, which PostgreSQL rejects"}
			}
		}
		b.setVar(s.IsLocal, func(t *settings) { t.scsOff = !on })
	case "session_authorization":
		user := b.reset.user
		if !toDefault {
			v, err := setArgs(s.Args)
			if err != nil || len(v) != 1 {
				return &UnsupportedError{Statement: "SET SESSION AUTHORIZATION", Reason: "the role name is not a single name"}
			}
			user = v[0]
		}
		b.setVar(s.IsLocal, func(t *settings) { t.user, t.role = user, "" })
	}
	return nil
}

// setArgs reads the values of SET name = a, b, …: each is one name exactly
// as written, whether an identifier or a string literal (PostgreSQL quotes
// every item of a list setting, so SET search_path = 'a, b' names one schema
// called "a, b").
func setArgs(args []*pg_query.Node) ([]string, error) {
	out := make([]string, 0, len(args))
	for _, a := range args {
		c := a.GetAConst()
		var v string
		switch {
		case c.GetSval() != nil:
			v = c.GetSval().Sval
		case c.GetIval() != nil:
			v = strconv.Itoa(int(c.GetIval().Ival))
		case c.GetFval() != nil:
			v = c.GetFval().Fval
		}
		if v == "" {
			return nil, &UnsupportedError{Statement: "SET", Reason: "an empty or non-constant value, which PostgreSQL rejects"}
		}
		out = append(out, v)
	}
	return out, nil
}

// setConfig follows SELECT set_config(name, value, is_local) for the
// settings the model follows.
func (b *Builder) setConfig(name, value string, local bool) error {
	switch strings.ToLower(name) {
	case "search_path":
		path, err := splitIdentifiers(value)
		if err != nil {
			return &UnsupportedError{Statement: "set_config('search_path', …)", Reason: err.Error() + ", which PostgreSQL rejects"}
		}
		b.setVar(local, func(t *settings) { t.path, t.pathUnknown = path, false })
	case "role":
		role := value
		if role == "none" {
			role = ""
		}
		b.setVar(local, func(t *settings) { t.role = role })
	case "session_authorization":
		b.setVar(local, func(t *settings) { t.user, t.role = value, "" })
	case "standard_conforming_strings":
		on, ok := parseBool(value)
		if !ok {
			return &UnsupportedError{Statement: "set_config('standard_conforming_strings', …)", Reason: "not a boolean, which PostgreSQL rejects"}
		}
		b.setVar(local, func(t *settings) { t.scsOff = !on })
	}
	return nil
}

// followedSetting reports whether set_config of this setting changes what
// names mean.
func followedSetting(name string) bool {
	switch strings.ToLower(name) {
	case "search_path", "role", "session_authorization", "standard_conforming_strings":
		return true
	}
	return false
}

func (b *Builder) discard(s *pg_query.DiscardStmt) error {
	switch s.Target {
	case pg_query.DiscardMode_DISCARD_ALL:
		if b.tx != nil {
			return &UnsupportedError{Statement: "DISCARD ALL", Reason: "it cannot run inside a transaction block; the error aborts the transaction"}
		}
		// SET SESSION AUTHORIZATION DEFAULT; RESET ALL; DISCARD TEMP; …
		b.set.user, b.set.role = b.reset.user, ""
		b.set.path, b.set.pathUnknown, b.set.scsOff = b.reset.path, b.reset.pathUnknown, false
		b.kept = b.set
		b.dropTemp()
	case pg_query.DiscardMode_DISCARD_TEMP:
		b.dropTemp()
	}
	return nil
}

// noteStartSettings records ALTER ROLE/DATABASE/SYSTEM … SET of a setting
// the model follows: sessions started later begin with values the model
// cannot know.
func (b *Builder) noteStartSettings(s *pg_query.VariableSetStmt) {
	switch {
	case s.GetKind() == pg_query.VariableSetKind_VAR_RESET_ALL:
		b.startPath, b.startRole = true, true
	case s.GetName() == "search_path":
		b.startPath = true
	case s.GetName() == "role" || s.GetName() == "session_authorization":
		b.startRole = true
	}
}

// dropTemp drops the session's temporary objects.
func (b *Builder) dropTemp() {
	temp := map[QName]bool{}
	for q := range b.rels {
		if q.Schema == "pg_temp" {
			temp[q] = true
		}
	}
	if len(temp) > 0 {
		b.dropNames(temp)
	}
	b.tempNS = false
}

var errListSyntax = errors.New("invalid list syntax")

// splitIdentifiers parses a list setting's text as PostgreSQL does
// (SplitIdentifierString): comma-separated names, blanks around them
// ignored, unquoted names folded to lower case, "" a quote inside quotes,
// every name cut to 63 bytes.
func splitIdentifiers(s string) ([]string, error) {
	var out []string
	i := skipSpaces(s, 0)
	if i == len(s) {
		return out, nil
	}
	for {
		var name string
		if s[i] == '"' {
			var sb strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(s) {
					return nil, errUnbalanced
				}
				if s[j] == '"' {
					if j+1 < len(s) && s[j+1] == '"' {
						sb.WriteByte('"')
						j++
						continue
					}
					break
				}
				sb.WriteByte(s[j])
			}
			if sb.Len() == 0 {
				return nil, errEmptyPart
			}
			name, i = sb.String(), j+1
		} else {
			j := i
			for j < len(s) && s[j] != ',' && !isSpace(s[j]) {
				j++
			}
			if j == i {
				return nil, errEmptyPart
			}
			name, i = foldASCII(s[i:j]), j
		}
		out = append(out, clipUTF8(name, 63))
		i = skipSpaces(s, i)
		if i == len(s) {
			return out, nil
		}
		if s[i] != ',' {
			return nil, errListSyntax
		}
		i = skipSpaces(s, i+1)
		if i == len(s) {
			return nil, errEmptyPart
		}
	}
}

func skipSpaces(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}
