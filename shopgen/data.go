package shopgen

// Word lists behind the generated people, places and products. They are
// part of the fixture's definition: changing any list changes the data, so
// append nothing casually (the determinism test pins the output hash).

// firstNames and lastNames mix the countries the shop sells to, including
// non-ASCII spellings and names that exactly fill varchar(20) and
// varchar(30). Their ASCII-folded forms must stay distinct and their
// concatenations unambiguous; TestNameListsAreInjective guards that, since
// email and username uniqueness depends on it.
var firstNames = []string{
	"Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia",
	"Grace", "Freya", "Emily", "Poppy", "Ella", "Charlotte", "Evie", "Harper", "Sienna", "Daisy",
	"Oliver", "George", "Noah", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry",
	"Theodore", "Freddie", "Jack", "Charlie", "Thomas", "James", "William", "Lucas", "Alfie", "Emma",
	"Hannah", "Mila", "Lena", "Marie", "Anna", "Leonie", "Clara", "Johanna", "Paul", "Ben",
	"Finn", "Elias", "Jonas", "Felix", "Maximilian", "Jürgen", "Björn", "Søren", "Zoë", "Chloé",
	"Léa", "Inès", "Manon", "Camille", "Louise", "Gabriel", "Raphaël", "Louis", "Jules", "Hugo",
	"Sophie", "Julia", "Daan", "Sem", "Lieke", "Fenna", "Bram", "Thijs", "Noor", "Saar",
	"Lucía", "Martina", "Sofía", "Alejandro", "Mateo", "Pablo", "Álvaro", "José", "María", "Carmen",
	"Javier", "Seán", "Aoife", "Niamh", "Oisín", "Siobhán", "Ciarán", "Liam", "Michael", "Jennifer",
	"Jessica", "Ashley", "Christopher", "Matthew", "Joshua", "Madison", "Tyler", "Brandon", "Kayla", "Ethan",
	"Abigail", "Aiden", "Priya", "Arjun", "Wei", "Mei", "Yuki", "Hiroshi", "Fatima", "Aisha",
	"Omar", "Yusuf", "Mehmet", "Elif", "Zeynep", "Agnieszka", "Łukasz", "Małgorzata", "Krzysztof", "João",
	"Dmitri", "Olga", "Nikolaos", "Eleni", "Chiara", "Giulia", "Alessandro", "Francesca", "Ngozi", "Chinedu",
	"Kwame", "Anne-Marie", "Jean-Baptiste", "Mary-Kate", "Anna-Maria-Magdalena", "Bartholomew", "Guinevere", "Xiaoling", "Ragnhild", "Dagny",
}

var lastNames = []string{
	"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
	"Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
	"Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
	"Ward", "Morris", "Moore", "King", "Baker", "Harrison", "Morgan", "Allen", "O'Brien", "O'Connor",
	"Murphy", "Kelly", "Byrne", "Ryan", "Walsh", "McCarthy", "Müller", "Schmidt", "Schneider", "Fischer",
	"Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter",
	"Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hartmann", "Lange",
	"Werner", "Krause", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Simon", "Michel", "Bernard",
	"Petit", "Richard", "Leroy", "Roux", "Fournier", "Girard", "Bonnet", "François", "Lambert", "Fontaine",
	"de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
	"de Jong", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "García", "Rodríguez", "González",
	"Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Jiménez", "Ruiz", "Hernández", "Díaz",
	"Moreno", "Muñoz", "Álvarez", "Romero", "Navarro", "Miller", "Davis", "Anderson", "Nguyễn", "Kim",
	"Chen", "Wang", "Zhang", "Singh", "Kumar", "Shah", "Khan", "Hussain", "Ahmed", "Kowalski",
	"Nowak", "Wiśniewski", "Kowalczyk", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Yılmaz", "Kaya",
	"Demir", "Andersen", "Nielsen", "Hansen", "Johansson", "Larsson", "Eriksson", "Okafor", "Mensah", "Papadopoulos-Konstantinidou",
	"Ponce de León", "Wolfeschlegelsteinhausenberger", "Ó Súilleabháin", "St. John-Smythe", "Featherstonehaugh", "Abernethy", "Quigley", "Oyelaran", "Takahashi", "Yamamoto",
}

// nicknames gives some first names their usual short form; the rest use
// the name itself.
var nicknames = map[string]string{
	"Olivia": "Liv", "Isabella": "Bella", "Charlotte": "Lottie", "Theodore": "Teddy",
	"William": "Will", "Christopher": "Chris", "Matthew": "Matt", "Alessandro": "Sandro",
	"Maximilian": "Max", "Anna-Maria-Magdalena": "Magda", "Jennifer": "Jen", "Alejandro": "Álex",
	"Francesca": "Fran", "Bartholomew": "Bart", "Nikolaos": "Nikos", "Krzysztof": "Krzyś",
	"Małgorzata": "Gosia", "Guinevere": "Gwen", "Joshua": "Josh", "Abigail": "Abby",
}

// emailDomains are common consumer mail providers, with weights; example.com
// stands for the shop's own QA accounts.
var emailDomains = []string{
	"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "hotmail.co.uk",
	"btinternet.com", "gmx.de", "web.de", "t-online.de", "orange.fr", "free.fr", "ziggo.nl",
	"proton.me", "yahoo.es", "fastmail.com", "example.com",
}
var emailDomainWeights = []int{340, 80, 100, 60, 80, 40, 20, 50, 50, 20, 40, 20, 20, 30, 20, 10, 20}

// country is one market the shop ships to.
type country struct {
	code     string
	currency string
	cities   []city
	// streets returns a street line of the local shape.
	street func(r *rng, dst []byte) []byte
	// phone returns a phone number in one of the local written forms.
	phone func(r *rng, dst []byte) []byte
	iban  ibanFormat
}

// city carries the postcode ranges that really belong to it, so that a
// city and its postcode agree.
type city struct {
	name     string
	postcode func(r *rng, dst []byte) []byte
}

var countryWeights = []int{30, 20, 18, 12, 8, 7, 5}

var countries = []country{
	{code: "GB", currency: "GBP", cities: []city{
		{"London", ukPostcode("SW1A", "EC1A", "W1D", "N1", "E14", "SE1", "NW3", "WC2N", "SW11", "E8")},
		{"Manchester", ukPostcode("M1", "M4", "M14", "M20")},
		{"Birmingham", ukPostcode("B1", "B15", "B29")},
		{"Leeds", ukPostcode("LS1", "LS6", "LS17")},
		{"Glasgow", ukPostcode("G1", "G12", "G41")},
		{"Edinburgh", ukPostcode("EH1", "EH3", "EH10")},
		{"Bristol", ukPostcode("BS1", "BS6", "BS8")},
		{"Liverpool", ukPostcode("L1", "L17")},
		{"Cardiff", ukPostcode("CF10", "CF24")},
		{"Brighton", ukPostcode("BN1", "BN2")},
	}, street: ukStreet, phone: ukPhone, iban: ibanGB},
	{code: "US", currency: "USD", cities: []city{
		{"San Francisco", zipCode(941)},
		{"New York", zipCode(100, 101, 112)},
		{"Chicago", zipCode(606)},
		{"Austin", zipCode(787)},
		{"Seattle", zipCode(981)},
		{"Boston", zipCode(21, 22)},
		{"Los Angeles", zipCode(900)},
		{"Denver", zipCode(802)},
		{"Portland", zipCode(972)},
		{"Miami", zipCode(331)},
	}, street: usStreet, phone: usPhone},
	{code: "DE", currency: "EUR", cities: []city{
		{"Berlin", numericPostcode(5, 10115, 14199)},
		{"Hamburg", numericPostcode(5, 20095, 22769)},
		{"München", numericPostcode(5, 80331, 81929)},
		{"Köln", numericPostcode(5, 50667, 51149)},
		{"Frankfurt am Main", numericPostcode(5, 60306, 60599)},
		{"Düsseldorf", numericPostcode(5, 40210, 40629)},
		{"Stuttgart", numericPostcode(5, 70173, 70629)},
		{"Leipzig", numericPostcode(5, 4103, 4357)},
		{"Dresden", numericPostcode(5, 1067, 1328)},
	}, street: deStreet, phone: dePhone, iban: ibanDE},
	{code: "FR", currency: "EUR", cities: []city{
		{"Paris", numericPostcode(5, 75001, 75020)},
		{"Lyon", numericPostcode(5, 69001, 69009)},
		{"Marseille", numericPostcode(5, 13001, 13016)},
		{"Toulouse", numericPostcode(5, 31000, 31500)},
		{"Bordeaux", numericPostcode(5, 33000, 33800)},
		{"Nice", numericPostcode(5, 6000, 6300)},
		{"Nantes", numericPostcode(5, 44000, 44300)},
		{"Lille", numericPostcode(5, 59000, 59800)},
	}, street: frStreet, phone: frPhone, iban: ibanFR},
	{code: "NL", currency: "EUR", cities: []city{
		{"Amsterdam", nlPostcode(1011, 1109)},
		{"Rotterdam", nlPostcode(3011, 3089)},
		{"Utrecht", nlPostcode(3511, 3585)},
		{"Den Haag", nlPostcode(2491, 2597)},
		{"Eindhoven", nlPostcode(5611, 5658)},
		{"Groningen", nlPostcode(9711, 9747)},
	}, street: nlStreet, phone: nlPhone, iban: ibanNL},
	{code: "ES", currency: "EUR", cities: []city{
		{"Madrid", numericPostcode(5, 28001, 28080)},
		{"Barcelona", numericPostcode(5, 8001, 8042)},
		{"Valencia", numericPostcode(5, 46001, 46026)},
		{"Sevilla", numericPostcode(5, 41001, 41020)},
		{"Bilbao", numericPostcode(5, 48001, 48015)},
		{"Málaga", numericPostcode(5, 29001, 29018)},
	}, street: esStreet, phone: esPhone, iban: ibanES},
	{code: "IE", currency: "EUR", cities: []city{
		{"Dublin", eircode("D02", "D04", "D06", "D08", "D15", "D24")},
		{"Cork", eircode("T12", "T23")},
		{"Galway", eircode("H91")},
		{"Limerick", eircode("V94")},
	}, street: ieStreet, phone: iePhone, iban: ibanIE},
}

var (
	ukStreetNames = []string{"Baker", "Acacia", "Victoria", "Church", "Station", "Park", "Queen's", "Kingsway", "Mill", "Abbey", "Highfield", "Orchard", "Albert", "Windsor", "St Mary's"}
	ukStreetKinds = []string{"Street", "Road", "Lane", "Avenue", "Close", "Gardens", "Crescent", "Terrace", "Way", "Mews"}
	usStreetNames = []string{"Market", "Main", "Oak", "Maple", "Cedar", "Pine", "Elm", "Washington", "Lake", "Hill", "Mission", "Valencia", "Broadway", "Sunset", "Lincoln"}
	usStreetKinds = []string{"St", "Ave", "Blvd", "Rd", "Dr", "Ln", "Ct", "Pl"}
	deStreets     = []string{"Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße", "Gartenweg", "Lindenallee", "Am Mühlbach", "Friedrichstraße", "Kastanienweg", "Sonnenstraße", "Königsallee", "Bergstraße"}
	frStreets     = []string{"rue de la Paix", "rue Victor Hugo", "avenue des Champs-Élysées", "boulevard Saint-Michel", "rue du Faubourg Saint-Honoré", "rue de la République", "place Bellecour", "rue Sainte-Catherine", "impasse des Lilas", "chemin des Vignes"}
	nlStreets     = []string{"Prinsengracht", "Keizersgracht", "Herengracht", "Kalverstraat", "Damrak", "Coolsingel", "Oudegracht", "Laan van Meerdervoort", "Stationsplein", "Vismarkt"}
	esStreets     = []string{"Calle Mayor", "Gran Vía", "Calle de Alcalá", "Passeig de Gràcia", "Avenida de la Constitución", "Calle Larios", "Calle Serrano", "Rambla de Catalunya", "Plaza Nueva"}
	ieStreets     = []string{"O'Connell Street", "Grafton Street", "Dame Street", "Patrick Street", "Shop Street", "Leeson Street", "Merrion Square", "Harcourt Road"}
)

// userAgents are what browsers and apps really send.
var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.179 Mobile Safari/537.36",
	"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:126.0) Gecko/20100101 Firefox/126.0",
	"Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (iPad; CPU OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
	"ShopApp/4.12.0 (iOS 17.5; iPhone15,2)",
	"ShopApp/4.11.3 (Android 14; SM-A546B)",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
}
var userAgentWeights = []int{28, 14, 20, 12, 3, 4, 5, 3, 6, 4, 5}

var userTags = []string{"vip", "newsletter", "wholesale", "b2b", "early-adopter", "gift buyer", "returns-risk", "loyalty:gold", "loyalty:silver", "student"}

var userNotes = []string{
	"Prefers delivery after 6pm.",
	"Leave parcels with the neighbour at no. 12.",
	"Called about a missing parcel; resolved.\nOffered 10% voucher.",
	"Chargeback in 2022 — check before shipping high-value items.",
	"Wholesale account: invoice monthly, net 30.",
	"Customer asked us not to call; email only.",
	"Allergic to latex (gloves in packaging!)",
	"Duplicate account merged into this one.",
	"VIP: handwritten thank-you card with each order.",
	"Address verified by phone\t(2023-11-02).",
}

var languages = map[string][]string{
	"GB": {"en-GB"}, "US": {"en-US", "es-US"}, "DE": {"de-DE", "en-GB"}, "FR": {"fr-FR"},
	"NL": {"nl-NL", "en-GB"}, "ES": {"es-ES", "ca-ES"}, "IE": {"en-IE", "ga-IE"},
}

// productLines are the shop's categories: SKU prefix, adjectives and items
// with their base price in cents.
type productLine struct {
	code       string
	category   string
	adjectives []string
	items      []productItem
}

type productItem struct {
	code  string
	name  string
	cents int64
}

var productLines = []productLine{
	{"APP", "Apparel", []string{"Organic Cotton", "Merino Wool", "Linen", "Recycled", "Classic", "Slim-Fit", "Oversized", "Waterproof"}, []productItem{
		{"TSH", "T-Shirt", 1900}, {"HOO", "Hoodie", 4900}, {"JKT", "Jacket", 8900}, {"SCK", "Socks (3-pack)", 1200},
		{"BNE", "Beanie", 1500}, {"SCF", "Scarf", 2500}, {"JNS", "Jeans", 5900}, {"RNJ", "Rain Jacket", 7900}}},
	{"KIT", "Kitchen", []string{"Cast Iron", "Stainless Steel", "Ceramic", "Bamboo", "Non-Stick", "Enamel", "Copper"}, []productItem{
		{"SKL", "Skillet", 3900}, {"SPN", "Saucepan", 2900}, {"KNF", "Chef's Knife", 6900}, {"CBD", "Cutting Board", 2200},
		{"ESP", "Espresso Cups (set of 2)", 1800}, {"BWL", "Mixing Bowl", 1600}, {"TRC", "Crème Brûlée Torch", 2400}, {"DOV", "Dutch Oven", 9900}}},
	{"ELE", "Electronics", []string{"Wireless", "Bluetooth", "USB-C", "Noise-Cancelling", "Portable", "Smart"}, []productItem{
		{"HPH", "Headphones", 12900}, {"SPK", "Speaker", 7900}, {"CHG", "Charger 65W", 3500}, {"PWB", "Power Bank", 2900},
		{"KBD", "Keyboard", 8900}, {"MSE", "Mouse", 3900}, {"LMP", "Desk Lamp", 4500}, {"CAM", "Webcam", 6900}}},
	{"HOM", "Home", []string{"Scented", "Handwoven", "Velvet", "Linen", "Minimalist", "Vintage"}, []productItem{
		{"CND", "Candle", 1800}, {"THR", "Throw Blanket", 5900}, {"CSH", "Cushion Cover", 1900}, {"POT", "Plant Pot", 2100},
		{"CLK", "Wall Clock", 3400}, {"FRM", "Picture Frame", 1400}}},
	{"PTY", "Party & Toys", []string{"Birthday", "Confetti", "Glow-in-the-Dark", "Wooden", "Rainbow"}, []productItem{
		{"PKT", "Party Pack 🎉", 2500}, {"BLN", "Balloons (x20)", 800}, {"PZL", "Puzzle (1000 pcs)", 1900}, {"BGM", "Board Game", 3400}}},
	{"STA", "Stationery", []string{"Dotted", "Leather", "A5", "Recycled", "Pocket"}, []productItem{
		{"NTB", "Notebook", 1200}, {"PEN", "Fountain Pen", 4500}, {"PLN", "Planner 2025", 2200}, {"STK", "Sticker Set", 600}}},
}

var productBlurbs = []string{
	"Designed in Bristol, made to last.",
	"Our best-seller for three years running.",
	"Ships in plastic-free packaging.",
	"Machine washable at 30 °C.",
	"Dishwasher safe; hand-washing extends its life.",
	"Limited edition — once it's gone, it's gone.",
	"Pairs perfectly with the matching set.",
	"Backed by a 2-year warranty.",
	"Ethically sourced materials, certified by a third party.",
	"Customers say it runs slightly small; consider sizing up.",
}

// productOddities are description fragments that real catalogues contain
// and that exercise COPY escaping and encodings: tabs, newlines, Windows
// line ends, backslashes, a literal \N, accents, emoji.
var productOddities = []string{
	"Size guide:\nS\tchest 88 cm\nM\tchest 96 cm\nL\tchest 104 cm",
	"Perfect for crème brûlée, flan and crêpes — à la française.",
	"Party time 🎉🎈 Includes 20 balloons & 1 banner!",
	"Imported spec sheet: C:\\Specs\\item.pdf (see page 2)",
	"Legacy field from the old shop: \\N (do not remove)",
	"Care: 30°C wash\r\nDo not tumble dry\r\nIron on low",
	"Beschreibung: Größe M, Farbe Weiß — „Qualität aus Köln“.",
	"日本語の説明: 高品質のコットン。",
	"Escaped quote test: \"12\\\" vinyl\" fits inside",
	"Column1\tColumn2\tColumn3\nvalue\t\tafter an empty cell",
}

var reviewTitles = []string{
	"Exactly as described", "Great value", "Love it!", "Not what I expected", "Arrived damaged",
	"Five stars ⭐⭐⭐⭐⭐", "Good, but pricey", "Would buy again", "Disappointed", "Perfect gift",
	"Très bien", "Sehr gut!", "Meh.", "Better than the photos", "Runs small",
}

var reviewBodies = []string{
	"Bought this for my partner's birthday and they haven't stopped using it.",
	"Quality is fine for the price. Delivery took a bit longer than promised.",
	"The colour is slightly different from the picture, but I still like it.",
	"Broke after two weeks.\nCustomer service replaced it quickly though.",
	"Absolutely love it 😍 — already ordered a second one.",
	"Does the job. Nothing more, nothing less.",
	"Packaging was excessive; the product itself is great.",
	"Pros:\n- well made\n- looks nice\nCons:\n- heavy",
	"Le produit est conforme à la description. Livraison rapide.",
	"Qualität top, Lieferung pünktlich. Gerne wieder!",
	"Returned it: the size chart says M but it fits like an XS.",
	"My kids love it 🎉 Worth every penny.",
}

var refundReasons = []string{
	"Item arrived damaged", "Wrong size", "Changed my mind", "Item not as described",
	"Parcel never arrived", "Duplicate order", "Faulty on arrival — does not power on",
	"Late delivery, no longer needed",
}

var searchTerms = []string{
	"hoodie", "crème brûlée torch", "noise cancelling headphones", "gift for dad", "candle",
	"wool socks", "usb-c charger", "party pack", "notebook a5", "dutch oven", "größe m", "cadeau",
}

var pagePaths = []string{"/", "/cart", "/account", "/account/orders", "/help/returns", "/sale", "/new-in", "/gift-cards"}

var referrers = []string{"https://www.google.com/", "https://www.instagram.com/", "https://t.co/", "https://www.bing.com/", "https://duckduckgo.com/", "https://newsletter.shop.example/"}
