// Package detect guesses which columns hold personal data, from their
// names (in English, German, French, Spanish and Dutch, with common
// abbreviations) and from a bounded sample of their values. Every finding
// says what kind of data it suspects, how sure it is, and why — without
// ever quoting a value: reasons count values, they do not show them.
package detect

import (
	"fmt"
	"strings"
	"unicode"
)

// Kind is the kind of personal data a column is suspected to hold.
type Kind string

// The kinds the detector knows.
const (
	Email      Kind = "email"
	Phone      Kind = "phone"
	FirstName  Kind = "first_name"
	LastName   Kind = "last_name"
	FullName   Kind = "full_name"
	Username   Kind = "username"
	Street     Kind = "street_address"
	City       Kind = "city"
	Postcode   Kind = "postcode"
	BirthDate  Kind = "birth_date"
	NationalID Kind = "national_id"
	IBAN       Kind = "iban"
	Account    Kind = "bank_account"
	Card       Kind = "card"
	IP         Kind = "ip"
	Geo        Kind = "geo"
	Password   Kind = "password"
	Secret     Kind = "secret"
	FreeText   Kind = "free_text"
	Company    Kind = "company"
	Photo      Kind = "photo"
	// Endpoint is a URL or host staging could call (webhooks, callbacks,
	// SMTP): flagged so that a copy cannot reach a real system.
	Endpoint Kind = "endpoint"
)

// Confidence is how sure a finding is.
type Confidence uint8

const (
	None Confidence = iota
	Low
	Medium
	High
)

func (c Confidence) String() string {
	return [...]string{"none", "low", "medium", "high"}[c]
}

// Finding is what the detector suspects of one column.
type Finding struct {
	Kind       Kind
	Confidence Confidence
	// Reasons say why: the name part that matched, what share of the
	// sampled values looked like what. Never a value.
	Reasons []string
}

// Personal reports whether the finding is at least medium confidence.
func (f Finding) Personal() bool { return f.Confidence >= Medium }

// Reason joins the reasons.
func (f Finding) Reason() string { return strings.Join(f.Reasons, "; ") }

// nameRule maps name words to a kind.
type nameRule struct {
	kind Kind
	conf Confidence
	// words match whole words of the name; joined match anywhere in the
	// name with separators removed (compounds: vorname, emailadres).
	words, joined []string
	// with, when set, requires one of these words too (card + number).
	with []string
}

// nameRules are tried in order; the first that matches wins, so specific
// rules (card_holder, first name) come before general ones (card, name).
var nameRules = []nameRule{
	{kind: Endpoint, conf: High, words: []string{"webhook", "webhooks", "callback", "callbacks", "endpoint", "endpoints", "smtp", "hook"}, joined: []string{"webhook", "callback", "endpoint", "smtp"}},
	{kind: Email, conf: High, words: []string{"email", "emails", "mail", "mails", "courriel", "correo", "mailadres", "emailadres"}, joined: []string{"email", "courriel", "correo"}},
	{kind: Phone, conf: High, words: []string{"phone", "phones", "tel", "tele", "telephone", "telefon", "telefono", "telefoon", "mobile", "mobil", "mobiel", "cell", "cellphone", "handy", "portable", "movil", "fax", "msisdn", "gsm"}, joined: []string{"phone", "telefon", "telefoon", "telefono", "mobilenumber", "handynummer"}},
	{kind: IP, conf: High, words: []string{"ip", "ipaddr", "ipaddress", "ipv4", "ipv6", "remoteaddr", "clientip"}},
	{kind: FullName, conf: High, words: []string{"cardholder", "holder", "fullname", "displayname", "contactname", "customername", "recipient", "addressee", "nomcomplet", "nombrecompleto", "volledigenaam"}, joined: []string{"fullname", "displayname", "cardholder", "accountholder", "contactname", "customername", "clientname"}},
	{kind: FirstName, conf: High, words: []string{"firstname", "forename", "givenname", "vorname", "prenom", "voornaam"}, joined: []string{"firstname", "givenname", "forename", "vorname", "prenom", "prénom", "voornaam", "primernombre"}},
	{kind: LastName, conf: High, words: []string{"lastname", "surname", "familyname", "nachname", "familienname", "apellido", "apellidos", "achternaam"}, joined: []string{"lastname", "surname", "familyname", "nachname", "apellido", "achternaam", "nomdefamille"}},
	{kind: Username, conf: High, words: []string{"username", "login", "nick", "nickname", "handle", "screenname", "benutzername", "benutzer", "gebruikersnaam", "pseudo", "usuario"}, joined: []string{"username", "loginname", "screenname", "benutzername", "gebruikersnaam", "nomutilisateur", "nombreusuario"}},
	{kind: Password, conf: High, words: []string{"password", "passwd", "pwd", "passwort", "kennwort", "contrasena", "contraseña", "clave", "wachtwoord", "passcode"}, joined: []string{"password", "passwort", "motdepasse", "contrasena", "contraseña", "wachtwoord", "passwd"}},
	{kind: Secret, conf: High, words: []string{"token", "tokens", "secret", "secrets", "apikey", "otp", "totp", "mfa", "privatekey", "accesskey"}, joined: []string{"apikey", "secret", "accesstoken", "refreshtoken", "privatekey", "accesskey"}},
	{kind: IBAN, conf: High, words: []string{"iban"}, joined: []string{"iban"}},
	{kind: Card, conf: High, words: []string{"card", "cc", "creditcard", "kreditkarte", "carte", "tarjeta", "pan"}, joined: []string{"cardnumber", "creditcard", "kreditkarte", "numerotarjeta", "numerocarte"}, with: []string{"number", "num", "no", "nr", "code", "pan", "nummer", "numero", "número"}},
	{kind: Account, conf: High, words: []string{"konto", "kontonummer", "cuenta", "rekening", "rekeningnummer", "bankaccount", "bic", "swift", "routing", "sortcode"}, joined: []string{"accountnumber", "bankaccount", "kontonummer", "numerocuenta", "rekeningnummer", "sortcode", "routingnumber"}},
	{kind: NationalID, conf: High, words: []string{"ssn", "sin", "nino", "passport", "passeport", "pasaporte", "paspoort", "reisepass", "nif", "nie", "dni", "bsn", "insee", "nir", "tin", "vat", "steuerid", "steuernummer", "personalausweis", "ausweis", "cedula", "curp", "rut", "cpf", "pesel", "aadhaar"}, joined: []string{"nationalid", "socialsecurity", "passport", "taxid", "taxnumber", "steuer", "idcard", "identitycard", "idnumber", "driverslicense", "driverlicense", "licensenumber", "numerosecu", "burgerservicenummer", "identificacion"}},
	{kind: BirthDate, conf: High, words: []string{"dob", "birth", "birthday", "birthdate", "born", "geburtsdatum", "geburtstag", "naissance", "nacimiento", "geboortedatum", "geboren"}, joined: []string{"birth", "geburts", "naissance", "nacimiento", "geboorte", "dateofbirth"}},
	{kind: Street, conf: High, words: []string{"address", "addresses", "addr", "street", "strasse", "straße", "str", "adresse", "direccion", "dirección", "domicilio", "calle", "straat", "adres", "address1", "address2", "line1", "line2", "housenumber", "hausnummer"}, joined: []string{"address", "street", "strasse", "straße", "adresse", "direccion", "straat", "domicilio"}},
	{kind: City, conf: High, words: []string{"city", "town", "stadt", "ort", "wohnort", "ville", "ciudad", "localidad", "municipio", "stad", "plaats", "woonplaats", "gemeente"}, joined: []string{"wohnort", "woonplaats"}},
	{kind: Postcode, conf: High, words: []string{"zip", "zipcode", "postcode", "postalcode", "plz", "postleitzahl", "cp", "codepostal", "codigopostal"}, joined: []string{"zipcode", "postcode", "postalcode", "postleitzahl", "codepostal", "codigopostal"}},
	{kind: Geo, conf: Medium, words: []string{"lat", "lon", "lng", "latitude", "longitude", "geo", "geolocation", "coordinates", "coords", "gps", "breitengrad", "laengengrad"}, joined: []string{"latitude", "longitude", "geolocation"}},
	{kind: Company, conf: Medium, words: []string{"company", "employer", "firma", "empresa", "entreprise", "societe", "société", "bedrijf", "werkgever", "arbeitgeber"}},
	{kind: Photo, conf: Medium, words: []string{"avatar", "photo", "picture", "portrait", "selfie", "foto", "bild", "signature"}},
	{kind: FreeText, conf: Medium, words: []string{"note", "notes", "comment", "comments", "remark", "remarks", "memo", "bemerkung", "bemerkungen", "notiz", "notizen", "kommentar", "anmerkung", "commentaire", "commentaires", "remarque", "comentario", "comentarios", "observaciones", "opmerking", "opmerkingen", "notitie", "toelichting"}},
	{kind: Endpoint, conf: Medium, words: []string{"url", "uri", "website", "homepage", "site", "webseite", "web"}},
	{kind: FreeText, conf: Low, words: []string{"message", "body", "text", "description", "content", "details", "nachricht", "mensaje", "bericht", "beschreibung"}},
}

// keyWords end the names of keys and references (user_id, address_ref):
// such a column identifies a row, it does not hold the data its other
// words name.
var keyWords = map[string]bool{"id": true, "ids": true, "uuid": true, "fk": true, "ref": true, "key": true, "pk": true, "count": true, "type": true, "status": true, "verified": true, "confirmed": true, "enabled": true}

// personTables are name words of tables whose name column is a person's.
var personTables = []string{"user", "users", "customer", "customers", "client", "clients", "person", "persons", "people",
	"employee", "employees", "staff", "member", "members", "contact", "contacts", "patient", "patients", "student",
	"students", "account", "accounts", "author", "authors", "actor", "actors", "owner", "owners", "guest", "guests",
	"kunde", "kunden", "mitarbeiter", "personen", "cliente", "clientes", "empleado", "empleados", "klant", "klanten",
	"medewerker", "medewerkers", "utilisateur", "utilisateurs", "usuario", "usuarios", "profile", "profiles", "passenger",
	"subscriber", "subscribers", "recipient", "recipients", "applicant", "applicants", "driver", "drivers", "artist", "artists"}

// Words splits a name into lower-case words at separators and camelCase
// boundaries: "recipientEmail" → recipient, email; "last_login_ip" → last,
// login, ip.
func Words(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
			continue
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(rs[i-1])):
			flush()
		}
		// A digit never starts a word: address1 and line2 stay whole.
		cur = append(cur, r)
	}
	flush()
	return out
}

// ByName guesses from a column's name (and its table's, for a bare
// "name"). The zero Finding means nothing was suspected.
func ByName(table, column string) Finding {
	words := Words(column)
	joined := strings.Join(words, "")
	keyish := len(words) > 1 && keyWords[words[len(words)-1]]
	has := func(list []string) string {
		for _, w := range words {
			for _, x := range list {
				if w == x {
					return w
				}
			}
		}
		return ""
	}
	for _, r := range nameRules {
		hit := has(r.words)
		if hit == "" {
			for _, j := range r.joined {
				if strings.Contains(joined, j) {
					hit = j
					break
				}
			}
		}
		if hit == "" {
			continue
		}
		if r.with != nil && has(r.with) == "" && !containsAny(joined, r.joined) {
			continue
		}
		if keyish && r.kind != NationalID && r.kind != Secret && r.kind != Account {
			continue
		}
		return Finding{Kind: r.kind, Confidence: r.conf, Reasons: []string{fmt.Sprintf("name matches %q (%s)", hit, r.kind)}}
	}
	// A bare name (name, nombre, nom, naam): a person's in a table of
	// people, otherwise probably a product's or a category's.
	if w := has([]string{"name", "names", "nombre", "nom", "naam"}); w != "" && len(words) <= 2 {
		if tw := tableWord(table); tw != "" {
			return Finding{Kind: FullName, Confidence: Medium, Reasons: []string{fmt.Sprintf("name matches %q in a table of people (%s)", w, tw)}}
		}
		return Finding{Kind: FullName, Confidence: Low, Reasons: []string{fmt.Sprintf("name matches %q, but the table does not look like one of people", w)}}
	}
	return Finding{}
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// tableWord returns the word of a table name that says it holds people.
func tableWord(table string) string {
	for _, w := range Words(table) {
		for _, p := range personTables {
			if w == p {
				return w
			}
		}
	}
	return ""
}

// Combine merges what a column's name and its values say. Agreement
// raises confidence; values of a clear shape win over a vaguer name.
func Combine(name, values Finding) Finding {
	switch {
	case values.Confidence == None:
		return name
	case name.Confidence == None:
		return values
	}
	out := Finding{Reasons: append(append([]string{}, name.Reasons...), values.Reasons...)}
	switch {
	case name.Kind == values.Kind || compatible(name.Kind, values.Kind):
		out.Kind = name.Kind
		out.Confidence = max(name.Confidence, values.Confidence)
		if out.Confidence < High && name.Confidence >= Medium && values.Confidence >= Medium {
			out.Confidence = High
		}
	case values.Confidence > name.Confidence || values.Confidence == High && name.Kind != Endpoint:
		out.Kind, out.Confidence = values.Kind, values.Confidence
	default:
		out.Kind, out.Confidence = name.Kind, name.Confidence
	}
	return out
}

// compatible kinds describe the same column from two sides: a name says
// notes, the values hold emails in prose.
func compatible(name, values Kind) bool {
	switch name {
	case FreeText:
		return values == Email || values == Phone || values == FreeText
	case FullName, FirstName, LastName:
		return values == FirstName || values == LastName || values == FullName
	case Account:
		return values == IBAN
	case Endpoint:
		return values == Endpoint
	}
	return false
}
