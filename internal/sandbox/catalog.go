package sandbox

// The catalog below is the raw material for the generated data. It is kept
// apart from the generator so that the generator reads as an algorithm and
// the realism lives in one place.

// Words that make company names such as "Acme Retail Inc." and sub-domains
// such as "acmeretail". 50 x 20 combinations give 1000 distinct names before
// a numeric suffix is needed.
var (
	brandWords = []string{
		"Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Soylent",
		"Hooli", "Vandelay", "Cyberdyne", "Tyrell", "Aperture", "Bluesky", "Brightline",
		"Cedar", "Summit", "Harbor", "Pioneer", "Evergreen", "Northstar", "Silverline",
		"Redwood", "Keystone", "Lakeside", "Meridian", "Oakridge", "Pinnacle", "Riverbend",
		"Sterling", "Trident", "Vertex", "Willow", "Zenith", "Atlas", "Beacon", "Cobalt",
		"Falcon", "Granite", "Horizon", "Ironwood", "Juniper", "Kestrel", "Lumen", "Maple",
		"Nimbus", "Orion", "Polaris", "Quartz", "Sable",
	}
	industryWords = []string{
		"Retail", "Health", "Logistics", "Insurance", "Telecom", "Energy", "Travel",
		"Foods", "Banking", "Motors", "Realty", "Pharma", "Media", "Learning", "Apparel",
		"Utilities", "Airlines", "Hotels", "Fitness", "Legal",
	}
	companySuffixes = []string{"Inc.", "Inc.", "Inc.", "LLC", "Ltd.", "Corp.", "Group", "GmbH", "S.A.", "plc"}
)

// weighted is a value with a relative weight, for picking enum values with
// realistic frequencies.
type weighted struct {
	value  string
	weight int
}

var (
	accountStatuses = []weighted{
		{"ACTIVE", 70}, {"IN_TRIAL", 10}, {"CHURNED", 8}, {"INACTIVE", 7}, {"OTHER", 5},
	}
	accountCurrencies = []weighted{{"USD", 70}, {"EUR", 15}, {"GBP", 15}}
	billingPeriods    = []weighted{
		{"MONTH", 40}, {"ANNUAL", 35}, {"QUARTER", 13}, {"SEMI_ANNUAL", 9}, {"OTHER", 3},
	}
	contractStatuses = []weighted{{"ACTIVATED", 92}, {"OTHER", 8}}
	editions         = []weighted{{"Express", 35}, {"Essentials", 25}, {"Elevate", 25}, {"Elite", 15}}
	pricingModels    = []weighted{{"FIXED_FEE", 92}, {"TIME_AND_MATERIALS", 5}, {"OTHER", 3}}
	renewalUplifts   = []float64{2.5, 3, 4.5, 5, 7, 9}
	contractTerms    = []int{12, 12, 12, 24, 36}
	callResolutions  = []string{"ANSWERED", "ABANDONED", "VOICEMAIL", "MISSED"}
	walletNames      = []string{"Main Wallet", "Telco Credits", "AI Credits"}
)

// productKind groups price-book entries: it decides the id prefix and which
// records may reference the product.
type productKind int

const (
	kindLicense productKind = iota
	kindAddOn
	kindService
	kindOther
	kindUsage
)

// productTemplate describes one fixed (non-usage) price-book entry.
type productTemplate struct {
	name, family, unit, charge string
	code                       string // middle part of the id, e.g. "LIC-APP-RC"
	minCents, maxCents         int64  // list price range
}

var licenseTemplates = []productTemplate{
	{"Identity", "LICENSE", "PER_ACCOUNT", "RECURRING", "LIC-APP-RC", 500, 500},
	{"CX Cloud Express Seat", "LICENSE", "PER_SEAT", "RECURRING", "LIC-CXC-RC", 2900, 3900},
	{"CX Cloud Essentials Seat", "LICENSE", "PER_SEAT", "RECURRING", "LIC-CXC-RC", 7500, 8500},
	{"CX Cloud Elevate Seat", "LICENSE", "PER_SEAT", "RECURRING", "LIC-CXC-RC", 9500, 11500},
	{"CX Cloud Elite Seat", "LICENSE", "PER_SEAT", "RECURRING", "LIC-CXC-RC", 12500, 14500},
	{"Workforce Management", "LICENSE", "PER_SEAT", "FIXED_RECURRING", "LIC-WEM-RC", 2000, 3500},
	{"Quality Management", "LICENSE", "PER_SEAT", "FIXED_RECURRING", "LIC-WEM-RC", 1500, 3000},
	{"Talkdesk Guardian", "LICENSE", "PER_SEAT", "RECURRING", "LIC-SEC-RC", 1200, 2500},
	{"Talkdesk Studio", "LICENSE", "PER_ACCOUNT", "RECURRING", "LIC-APP-RC", 50000, 150000},
	{"Speech Analytics", "LICENSE", "PER_SEAT", "RECURRING", "LIC-AI-RC", 2500, 4500},
	{"Talkdesk Copilot", "LICENSE", "PER_SEAT", "RECURRING", "LIC-AI-RC", 4500, 6500},
	{"Digital Engagement Seat", "LICENSE", "PER_SEAT", "RECURRING", "LIC-DIG-RC", 2500, 4000},
	{"Interaction Analytics", "LICENSE", "PER_SEAT", "RECURRING", "LIC-AI-RC", 1800, 3200},
	{"Talkdesk Workspace", "LICENSE", "PER_SEAT", "RECURRING", "LIC-APP-RC", 900, 1900},
	{"Supervisor Seat", "LICENSE", "PER_SEAT", "RECURRING", "LIC-CXC-RC", 3900, 5900},
	{"Feedback", "LICENSE", "PER_ACCOUNT", "RECURRING", "LIC-APP-RC", 20000, 60000},
}

var addOnTemplates = []productTemplate{
	{"Additional Storage", "ADD_ON", "PER_GB", "RECURRING", "ADD-STO-RC", 10, 50},
	{"Call Recording Retention", "ADD_ON", "PER_SEAT", "RECURRING", "ADD-REC-RC", 300, 900},
	{"Premium Support", "ADD_ON_PACKAGES", "PER_ACCOUNT", "FIXED_RECURRING", "ADD-SUP-RC", 50000, 250000},
	{"Single Sign-On", "ADD_ON", "PER_ACCOUNT", "RECURRING", "ADD-SEC-RC", 10000, 30000},
	{"HIPAA Compliance Pack", "ADD_ON_PACKAGES", "PER_ACCOUNT", "RECURRING", "ADD-SEC-RC", 25000, 75000},
	{"Phone Number Pack", "ADD_ON", "EACH", "RECURRING", "ADD-TEL-RC", 100, 300},
	{"Dialer Add-on", "ADD_ON", "PER_SEAT", "RECURRING", "ADD-DIA-RC", 1500, 3000},
	{"Salesforce Connector", "THIRD_PARTY_APPCONNECT", "PER_SEAT", "RECURRING", "ADD-APC-RC", 500, 1500},
	{"Zendesk Connector", "THIRD_PARTY_APPCONNECT", "PER_SEAT", "RECURRING", "ADD-APC-RC", 500, 1500},
	{"Survey Plus", "THIRD_PARTY_APPCONNECT", "PER_ACCOUNT", "RECURRING", "ADD-APC-RC", 5000, 20000},
	{"Live Wallboards", "ADD_ON", "PER_CONNECTION", "RECURRING", "ADD-APP-RC", 2000, 6000},
	{"Sandbox Environment", "ADD_ON", "PER_ACCOUNT", "RECURRING", "ADD-APP-RC", 30000, 90000},
}

var serviceTemplates = []productTemplate{
	{"Implementation Services", "PROFESSIONAL_SERVICES", "EACH", "ONE_TIME", "PS-IMP-OT", 250000, 1500000},
	{"Onboarding Package", "PROFESSIONAL_SERVICES", "EACH", "ONE_TIME_CHARGE", "PS-ONB-OT", 150000, 500000},
	{"Custom Integration Hours", "PROFESSIONAL_SERVICES", "PER_USE", "ONE_TIME", "PS-INT-OT", 17500, 22500},
	{"Administrator Training", "PROFESSIONAL_SERVICES", "PER_SESSION", "ONE_TIME", "PS-TRN-OT", 90000, 150000},
	{"Technical Account Manager", "PROFESSIONAL_SERVICES", "PER_ACCOUNT", "RECURRING", "PS-TAM-RC", 150000, 300000},
	{"Data Migration", "PROFESSIONAL_SERVICES", "EACH", "ONE_TIME", "PS-MIG-OT", 100000, 400000},
}

var otherTemplates = []productTemplate{
	{"Legacy Enterprise Seat", "LEGACY_LICENSE", "PER_SEAT", "RECURRING", "LIC-LEG-RC", 8000, 10000},
	{"Legacy Call Recording", "LEGACY_ADD_ON", "PER_SEAT", "RECURRING", "ADD-LEG-RC", 200, 600},
	{"Prepaid Credits", "CREDIT", "CREDITS", "ONE_TIME", "CRD-PRE-OT", 100, 100},
	{"Billing Adjustment", "FINANCE", "EACH", "OTHER", "FIN-ADJ-OT", 100, 10000},
	{"Reporting Classic", "SUNSET", "PER_ACCOUNT", "RECURRING", "LIC-SUN-RC", 5000, 15000},
	{"Usage Commitment", "CONSUMPTION", "PER_ACCOUNT", "FIXED_RECURRING", "CON-COM-RC", 100000, 500000},
}

// usageTemplate describes a usage (consumption) product. Templates whose
// name contains "%s" are repeated per country to make a realistic telecom
// rate card of any size.
type usageTemplate struct {
	name, family, unit, usageType, direction string // direction "" = null
	group                                    string // id middle part; usage rows aggregate per group
	resolution, wallet                       bool   // whether usage rows carry a resolution / wallet name
	minPrice4, maxPrice4                     int64  // unit price in 1/10000 of the currency
	minUnits, maxUnits                       int64  // whole units per account and month
	fractional                               bool   // units may have cents (e.g. minutes billed per second)
}

var usageTemplates = []usageTemplate{
	{"Inbound Minutes %s", "CONSUMPTION", "PER_MINUTE", "CALL", "INBOUND", "TEL", true, false, 45, 250, 500, 90000, true},
	{"Outbound Minutes %s", "CONSUMPTION", "PER_MINUTE", "CALL", "OUTBOUND", "TEL", true, false, 90, 1500, 200, 60000, true},
	{"Toll-Free Minutes %s", "PRODUCT_USAGE_RATE", "PER_MINUTE", "CALL", "INBOUND", "TEL", true, false, 180, 900, 100, 40000, true},
	{"SIP Number %s", "PRODUCT_USAGE_RATE", "EACH", "NUMBER", "", "TEL", false, false, 10000, 30000, 1, 150, false},
	{"SMS Outbound %s", "CONSUMPTION", "PER_USE", "MESSAGE", "OUTBOUND", "MSG", false, false, 75, 900, 50, 30000, false},
	{"Speech Transcription", "CREDIT_USAGE", "PER_MINUTE", "SPEECH_TRANSCRIPTION", "", "AI", false, true, 100, 400, 100, 50000, true},
	{"Voicemail Transcription", "CONSUMPTION", "PER_USE", "VOICEMAIL_TRANSCRIPTION", "", "AI", false, false, 200, 500, 10, 5000, false},
	{"Answering Machine Detection", "CONSUMPTION", "PER_USE", "AMD", "OUTBOUND", "DIA", false, false, 40, 120, 100, 80000, false},
	{"Predictive Dialer Minutes", "CONSUMPTION", "PER_MINUTE", "DIALER", "OUTBOUND", "DIA", true, false, 80, 300, 500, 70000, true},
	{"API Requests", "PRODUCT_USAGE_RATE", "PER_API_CALL", "API_REQUEST", "", "API", false, false, 1, 10, 1000, 900000, false},
	{"AI Credits Consumption", "CREDIT_USAGE", "CREDITS", "CREDIT_COMMIT", "", "AI", false, true, 100, 100, 100, 200000, false},
	{"Wallet Recharge", "CREDIT", "CREDITS", "RECHARGE", "", "AI", false, true, 10000, 10000, 1, 20, false},
	{"Call Service Fee", "CONSUMPTION", "PER_MINUTE", "CALL_SERVICE", "", "TEL", false, false, 10, 60, 1000, 90000, true},
	{"Virtual Agent Conversations", "CONSUMPTION", "PER_CONVERSATION", "PRODUCT_SERVICE", "INBOUND", "AI", true, false, 2500, 9000, 10, 20000, false},
	{"Text-to-Speech Characters", "CONSUMPTION", "CHARACTERS", "OTHER", "", "AI", false, false, 1, 5, 10000, 5000000, false},
	{"Identity Validations", "CONSUMPTION", "PER_VALIDATION", "PRODUCT_SERVICE", "INBOUND", "AI", false, false, 500, 1500, 10, 8000, false},
}

// countries expands the per-country usage templates.
var countries = []string{
	"US", "CA", "UK", "IE", "PT", "ES", "FR", "DE", "IT", "NL", "BE", "CH", "AT",
	"SE", "NO", "DK", "FI", "PL", "AU", "NZ", "MX", "BR", "AR", "CL", "CO", "JP",
	"SG", "IN", "ZA", "IL",
}
