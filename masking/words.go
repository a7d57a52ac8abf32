package masking

import (
	"github.com/brianvoe/gofakeit/v7"
	"github.com/brianvoe/gofakeit/v7/data"
)

// gofakeit's word lists, looked up once: gofakeit finds a list through two
// levels of maps, twice, on every draw, which was a tenth of the CPU of a
// live run with the usual personal columns masked. pick draws as gofakeit
// does (one IntN over the list), so the fakes are the same.
var (
	firstNames = data.Person["first"]
	lastNames  = data.Person["last"]
	companies  = data.Company["name"]
	cities     = data.Address["city"]
)

func pick(f *gofakeit.Faker, list []string) string { return list[f.IntN(len(list))] }

// maxNameLen is the longest first or last name, in bytes: a column with
// room for two of them holds every name-based fake whole.
var maxNameLen = max(longest(firstNames), longest(lastNames))

func longest(list []string) int {
	n := 0
	for _, w := range list {
		n = max(n, len(w))
	}
	return n
}
