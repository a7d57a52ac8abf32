package cli

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/understudy-db/understudy/dump"
	"github.com/understudy-db/understudy/masking"
	"github.com/understudy-db/understudy/rules"
	"github.com/understudy-db/understudy/schema"
	"github.com/understudy-db/understudy/subset"
)

const subsetPlanUsage = `Usage: anonymize subset-plan --rules FILE (--in FILE | --source URL) [--subset TABLE=PCT%] [--pin TABLE=KEY,…] [--secret-file FILE]

--pin TABLE=KEY,… keeps these rows of TABLE (by its one-column primary key)
whatever the sample; a key holding a comma or a double quote is written in
double quotes, a quote in it doubled, as in CSV: --pin 'public.tags="a,b",c'.

Prints, per table, how many rows a subset keeps of how many and why (root
sample, pinned, descendant of a kept row, ancestor of one, whole table),
the order the closure reaches the tables in and the foreign-key cycles it
found, without writing anything. The rows are chosen by a keyed hash of
the root's key under the masking secret: give the secret the run will use.

Examples:
  anonymize subset-plan --rules rules/shop.yaml --in prod.sql --subset public.users=10%
  anonymize subset-plan --rules rules/shop.yaml --source "$PROD_URL"
`

func (e *env) subsetPlan(args []string) int {
	return e.readOnly("subset-plan", subsetPlanUsage, args, func(fs *flag.FlagSet, f *anonymizeFlags) {
		subsetFlags(fs, f)
		f.planOnly = true
	})
}

// subsetFlags adds --subset and --pin.
func subsetFlags(fs *flag.FlagSet, f *anonymizeFlags) {
	fs.StringVar(&f.subset, "subset", "", "")
	fs.Func("pin", "", func(v string) error { f.pins = append(f.pins, v); return nil })
}

// subsetSpec is the subset to take: the rules file's subset: section, its
// root and percentage replaced by --subset TABLE=PCT% and its pinned rows
// added to by --pin; nil for none.
func subsetSpec(rf *rules.File, flag string, pins []string) (*subset.Spec, error) {
	if rf.Subset == nil && flag == "" {
		if len(pins) > 0 {
			return nil, usagef("--pin needs a subset: --subset TABLE=PCT%% or a subset: section in the rules")
		}
		return nil, nil
	}
	spec := &subset.Spec{Include: map[schema.QName][]string{}, Tables: map[schema.QName]subset.Mode{}}
	if s := rf.Subset; s != nil {
		spec.Root, spec.Percent, spec.Where = s.Root, s.Percent, s.Where
		for q, keys := range s.Include {
			spec.Include[q] = append(spec.Include[q], keys...)
		}
		for q, m := range s.Tables {
			spec.Tables[q], _ = subset.ParseMode(m)
		}
		if spec.Percent == 0 {
			spec.Percent = 100
		}
	}
	if flag != "" {
		table, pct, ok := cutName(flag)
		q, err := schema.ParseQName(table)
		p, perr := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(pct), "%")), 64)
		if !ok || err != nil || perr != nil || !(p > 0 && p <= 100) {
			return nil, usagef("--subset %q: expected TABLE=PERCENT%%, e.g. public.users=10%%", flag)
		}
		spec.Root, spec.Percent = q, p
	}
	for _, pin := range pins {
		table, list, ok := cutName(pin)
		q, err := schema.ParseQName(table)
		keys, kerr := splitKeys(list)
		if !ok || err != nil || kerr != nil {
			return nil, usagef("--pin %q: expected TABLE=KEY[,KEY…], e.g. public.users=3,5 (a key holding a comma or a double quote in double quotes, the quote doubled, as in CSV)", pin)
		}
		spec.Include[q] = append(spec.Include[q], keys...)
	}
	return spec, nil
}

// chooseRows computes the subset, if any, before the copy; a source read
// in order is rewound for it.
func (e *env) chooseRows(f *anonymizeFlags, rf *rules.File, src dump.Source, inv *dump.Inventory, secret masking.Secret) (*subset.Result, error) {
	spec, err := subsetSpec(rf, f.subset, f.pins)
	if spec == nil || err != nil {
		return nil, err
	}
	res, err := subset.Compute(e.ctx, src, inv, spec, secret)
	if err != nil {
		return nil, locateSubsetError(err, rf, f)
	}
	if r, ok := src.(interface{ Rewind() error }); ok {
		if err := r.Rewind(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func printSubset(w interface{ Write([]byte) (int, error) }, prefix string, r *subset.Report) {
	for _, line := range strings.SplitAfter(strings.TrimSuffix(r.String(), "\n"), "\n") {
		fmt.Fprint(w, prefix+line)
	}
	fmt.Fprintln(w)
}

// locateSubsetError turns a mistake in the subset's spec into a usage
// error naming its flag, or a rules error at its line (exit 2): a root or
// pinned key that is not in the dump is the command line's or the rules'
// mistake, not the run's.
func locateSubsetError(err error, rf *rules.File, f *anonymizeFlags) error {
	var we *subset.WhereError
	if errors.As(err, &we) && rf.Subset != nil && rf.Subset.WhereLine > 0 {
		return &rules.Error{File: rf.Path, Line: rf.Subset.WhereLine, Msg: err.Error()}
	}
	var pe *subset.PlanError
	if !errors.As(err, &pe) || pe.Part == "" {
		return err
	}
	s := rf.Subset
	if s == nil {
		s = &rules.Subset{}
	}
	line := 0
	switch pe.Part {
	case "root", "percent":
		if f.subset != "" {
			return usagef("--subset %q: %v", f.subset, err)
		}
		line = s.RootLine
		if pe.Part == "percent" {
			line = s.PercentLine
		}
	case "include":
		if s.IncludeLines[pe.Table] == 0 {
			return usagef("--pin: %v", err)
		}
		line = s.IncludeLines[pe.Table]
	case "tables":
		line = s.TablesLines[pe.Table]
	}
	if line == 0 {
		line = s.Line
	}
	return &rules.Error{File: rf.Path, Line: line, Msg: err.Error()}
}

// cutName cuts TABLE=VALUE at the first '=' outside double quotes: a
// quoted table name may hold one (public."a=b"=10%).
func cutName(s string) (string, string, bool) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == '=' && !quoted:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// splitKeys splits --pin's keys at commas; a key holding a comma or a
// double quote is written in double quotes, a quote in it doubled, as in
// CSV: "a,b" or "say ""hi""". An empty key is written "".
func splitKeys(s string) ([]string, error) {
	var keys []string
	for i := 0; ; {
		var key strings.Builder
		if i < len(s) && s[i] == '"' {
			closed := false
			for i++; i < len(s); i++ {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						key.WriteByte('"')
						i++
						continue
					}
					closed = true
					i++
					break
				}
				key.WriteByte(s[i])
			}
			if !closed || i < len(s) && s[i] != ',' {
				return nil, errors.New("a quoted key is not closed, or text follows it")
			}
		} else {
			j := strings.IndexByte(s[i:], ',')
			if j < 0 {
				j = len(s) - i
			}
			if j == 0 || strings.Contains(s[i:i+j], `"`) {
				return nil, errors.New("an empty key, or a quote in an unquoted one")
			}
			key.WriteString(s[i : i+j])
			i += j
		}
		keys = append(keys, key.String())
		if i >= len(s) {
			return keys, nil
		}
		i++ // the comma
	}
}
