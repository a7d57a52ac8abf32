package detect

import (
	"testing"

	"github.com/understudy-db/understudy/masking"
)

func TestByName(t *testing.T) {
	for _, c := range []struct {
		table, col string
		want       Kind
	}{
		{"users", "email", Email}, {"kunden", "E_Mail", Email}, {"clients", "courriel", Email}, {"clientes", "correo", Email},
		{"users", "recipientEmail", Email}, {"users", "phone_number", Phone}, {"kunden", "telefon", Phone},
		{"kunden", "handy", Phone}, {"clientes", "telefono_movil", Phone}, {"klanten", "telefoon", Phone}, {"clients", "portable", Phone},
		{"users", "first_name", FirstName}, {"kunden", "vorname", FirstName}, {"clients", "prenom", FirstName}, {"klanten", "voornaam", FirstName},
		{"users", "surname", LastName}, {"kunden", "nachname", LastName}, {"clientes", "apellido", LastName}, {"klanten", "achternaam", LastName},
		{"customers", "name", FullName}, {"clientes", "nombre", FullName}, {"payments", "card_holder", FullName},
		{"users", "street", Street}, {"kunden", "strasse", Street}, {"clients", "adresse", Street}, {"clientes", "direccion", Street},
		{"clientes", "calle", Street}, {"klanten", "straat", Street}, {"klanten", "adres", Street},
		{"users", "city", City}, {"kunden", "stadt", City}, {"clients", "ville", City}, {"clientes", "ciudad", City}, {"klanten", "plaats", City},
		{"users", "zip", Postcode}, {"kunden", "plz", Postcode}, {"clients", "code_postal", Postcode}, {"clientes", "codigo_postal", Postcode},
		{"users", "dob", BirthDate}, {"kunden", "geburtsdatum", BirthDate}, {"clients", "date_naissance", BirthDate},
		{"clientes", "fecha_nacimiento", BirthDate}, {"klanten", "geboortedatum", BirthDate},
		{"users", "ssn", NationalID}, {"users", "passport_no", NationalID}, {"users", "tax_id", NationalID}, {"kunden", "steuernummer", NationalID},
		{"clientes", "dni", NationalID}, {"clientes", "nie", NationalID}, {"klanten", "bsn", NationalID}, {"clients", "insee", NationalID},
		{"users", "iban", IBAN}, {"kunden", "kontonummer", Account}, {"clientes", "cuenta", Account}, {"klanten", "rekening", Account},
		{"payments", "card_number", Card}, {"users", "last_login_ip", IP}, {"users", "ip_address", IP},
		{"stores", "lat", Geo}, {"stores", "longitude", Geo}, {"users", "username", Username}, {"users", "login", Username},
		{"users", "password_hash", Password}, {"kunden", "passwort", Password}, {"clients", "mot_de_passe", Password},
		{"clientes", "contrasena", Password}, {"klanten", "wachtwoord", Password},
		{"users", "api_token", Secret}, {"users", "client_secret", Secret}, {"users", "api_key", Secret},
		{"users", "notes", FreeText}, {"kunden", "bemerkung", FreeText}, {"clients", "commentaire", FreeText},
		{"clientes", "comentario", FreeText}, {"klanten", "opmerking", FreeText},
		{"users", "webhook_url", Endpoint}, {"hooks", "callback", Endpoint}, {"settings", "smtp_host", Endpoint}, {"apps", "api_endpoint", Endpoint},
	} {
		if got := ByName(c.table, c.col); got.Kind != c.want || got.Confidence < Medium {
			t.Errorf("%s.%s: %s (%s), want %s", c.table, c.col, got.Kind, got.Confidence, c.want)
		}
	}
	for _, c := range [][2]string{{"orders", "user_id"}, {"orders", "ship_address_id"}, {"products", "capacity"}, {"orders", "ship_address"},
		{"users", "email_verified"}, {"products", "name"}, {"orders", "total"}, {"users", "created_at"}} {
		if got := ByName(c[0], c[1]); got.Personal() && !(c[1] == "ship_address" && got.Kind == Street) {
			t.Errorf("%s.%s: %s (%s), want nothing sure", c[0], c[1], got.Kind, got.Confidence)
		}
	}
}

func TestByValues(t *testing.T) {
	text := &masking.Column{Category: masking.CatText}
	for _, c := range []struct {
		vals []string
		want Kind
	}{
		{[]string{"a@b.example", "x.y@z.example"}, Email},
		{[]string{"DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432"}, IBAN},
		{[]string{"4111 1111 1111 1111", "5500-0000-0000-0004"}, Card},
		{[]string{"192.0.2.1", "2001:db8::1"}, IP},
		{[]string{"+44 20 7946 0958", "(646) 555-0124"}, Phone},
		{[]string{"123-45-6789", "12345678Z"}, NationalID},
		{[]string{"1980-01-02", "1975-12-31"}, BirthDate},
		{[]string{"call me at a@b.example", "nothing here"}, FreeText},
	} {
		if got := ByValues(text, c.vals); got.Kind != c.want {
			t.Errorf("%v: %s, want %s", len(c.vals), got.Kind, c.want)
		}
	}
	for _, bad := range [][]string{{"4111 1111 1111 1112"}, {"DE89 3704 0044 0532 0130 01"}, {"12345678A"}} {
		if got := ByValues(text, bad); got.Kind == Card || got.Kind == IBAN || got.Kind == NationalID {
			t.Errorf("%q: %s, want no checksum match", bad, got.Kind)
		}
	}
}

// TestByNameQualifiers: a card needs a number word with it (card alone
// is not one), unless the joined name says so; a bare name of two words
// in a table of people is a person's, of three it is not bare.
func TestByNameQualifiers(t *testing.T) {
	for _, c := range []struct {
		table, col string
		want       Kind
	}{
		{"payments", "cc_num", Card}, {"payments", "cardnumber", Card}, {"payments", "card", ""},
		{"users", "contact_name", FullName}, {"users", "name_2", FullName}, {"users", "a_b_name", ""},
	} {
		if got := ByName(c.table, c.col); got.Kind != c.want {
			t.Errorf("%s.%s: %s (%s), want %q", c.table, c.col, got.Kind, got.Confidence, c.want)
		}
	}
}
