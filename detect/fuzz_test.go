package detect

import (
	"strings"
	"testing"

	"github.com/understudy-db/understudy/masking"
)

// FuzzColumn feeds detection any names and sampled values (one a line):
// it must not panic, must give a reason for every finding, and its reasons
// (printed by init and check) must never quote a sampled value.
func FuzzColumn(f *testing.F) {
	f.Add("users", "email", uint8(masking.CatText), false, "a@b.example\nx.y@z.example")
	f.Add("kunden", "telefon", uint8(masking.CatText), false, "+44 20 7946 0958\n(646) 555-0124")
	f.Add("payments", "card_number", uint8(masking.CatText), false, "4111 1111 1111 1111\nDE89 3704 0044 0532 0130 00")
	f.Add("t", "notes", uint8(masking.CatText), true, "{\"call me at a@b.example\"}")
	f.Add("events", "payload", uint8(masking.CatJSON), false, `{"ip": "192.0.2.1", "phone": "+1 646 555 0124"}`)
	f.Add("sessions", "ip", uint8(masking.CatInet), false, "2001:db8::1")
	f.Add("users", "birth_date", uint8(masking.CatDate), false, "1980-01-02\n1975-12-31")
	f.Fuzz(func(t *testing.T, table, column string, cat uint8, array bool, sample string) {
		c := &masking.Column{Table: table, Name: column, Category: masking.Category(cat % uint8(masking.CatXML+1)), Array: array}
		vals := strings.Split(sample, "\n")
		got := Column(table, c, vals)
		if got.Confidence > High {
			t.Fatalf("confidence %d out of range", got.Confidence)
		}
		if got.Confidence > None && (got.Kind == "" || len(got.Reasons) == 0) {
			t.Fatalf("finding without a kind or reason: %+v", got)
		}
		reason := got.Reason()
		for _, v := range vals {
			// A value short enough to be a common word, or one that is part of
			// the names, may appear without being quoted from the data.
			if len(v) >= 8 && strings.Contains(reason, v) && !strings.Contains(table+"."+column, v) {
				t.Fatalf("reason %q quotes a sampled value", reason)
			}
		}
	})
}
