package gen

// Word lists the names, addresses and descriptions are made from.

var firstNames = []string{"Priya", "Tom", "Gareth", "Helen", "Owen", "Daniel", "Sophie", "Mark", "Aisha", "James",
	"Olivia", "Mohammed", "Emily", "Jack", "Chloe", "Harry", "Grace", "Oliver", "Amelia", "George", "Isla", "Noah",
	"Zara", "Leo", "Hannah", "Ethan", "Ruby", "Samuel", "Freya", "Arjun", "Niamh", "Callum", "Megan", "Rhys", "Eilidh"}

var lastNames = []string{"Shah", "Reeves", "Lewis", "Carter", "Price", "Okafor", "Turner", "Jenkins", "Smith", "Jones",
	"Williams", "Brown", "Taylor", "Davies", "Evans", "Wilson", "Thomas", "Roberts", "Johnson", "Walker", "Wright",
	"Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall", "Wood", "Harris", "Martin", "Khan", "Patel"}

var positions = []string{"Facilities Manager", "Building Manager", "Estates Manager", "Finance Manager",
	"Property Manager", "Site Manager", "Operations Director", "Accounts Payable", "Health and Safety Lead", "Bursar"}

// towns carry their county and a postcode area.
var towns = []struct{ name, region, postcode string }{
	{"Bristol", "City of Bristol", "BS"}, {"Bath", "Somerset", "BA"}, {"Swindon", "Wiltshire", "SN"},
	{"Cardiff", "South Glamorgan", "CF"}, {"Gloucester", "Gloucestershire", "GL"}, {"Exeter", "Devon", "EX"},
	{"Reading", "Berkshire", "RG"}, {"Oxford", "Oxfordshire", "OX"}, {"Birmingham", "West Midlands", "B"},
	{"Manchester", "Greater Manchester", "M"}, {"Leeds", "West Yorkshire", "LS"}, {"Cheltenham", "Gloucestershire", "GL"},
	{"Newport", "Gwent", "NP"}, {"Taunton", "Somerset", "TA"}, {"Plymouth", "Devon", "PL"}, {"Southampton", "Hampshire", "SO"},
}

var streets = []string{"High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Park Road",
	"Queens Road", "London Road", "Canons Way", "Temple Way", "Broad Street", "King Street", "Harbour Walk",
	"Aldermoor Way", "Greenbridge Road", "Kings Weston Lane", "Avon Street", "Marsh Lane", "Castle Street"}

var siteKinds = []string{"House", "Court", "Centre", "Business Park", "Retail Park", "Academy", "Primary School",
	"Medical Centre", "Library", "Leisure Centre", "Depot", "Warehouse", "Apartments", "Care Home", "Hotel",
	"Office Campus", "Cinema", "Surgery", "Community Hall", "Unit"}

var companyWords = []string{"Harbour", "Severn", "Avon", "Kingsmead", "Parkway", "Temple", "Mendip", "Cotswold",
	"Riverside", "Westgate", "Northcliffe", "Redland", "Clifton", "Brunel", "Castle", "Meridian", "Oakfield",
	"Brookside", "Summit", "Lakeside", "Crown", "Granary", "Millbrook", "Beacon"}

var companyKinds = []string{"Property Group", "Estates", "Holdings", "Academy Trust", "Retail Ltd", "Healthcare",
	"Housing Association", "Leisure Ltd", "Hotels", "Logistics", "Dental Practice", "Care Ltd", "Offices Ltd"}

// assetTypes: type, service interval, level, days between tests, makes/models.
var assetTypes = []struct {
	typ, interval, level string
	every                int
	models               [][2]string
	locations            []string
	failNotes            []string
}{
	{"Fire alarm panel", "weekly", "Gold", 7, [][2]string{{"Advanced", "MxPro 5"}, {"Kentec", "Syncro AS"}, {"Gent", "Vigilon Compact"}},
		[]string{"Main entrance lobby", "Reception", "Security office"},
		[]string{"Earth fault on loop 1", "Standby battery failed load test", "Sounder circuit open-circuit fault"}},
	{"Smoke detector", "quarterly", "Standard", 91, [][2]string{{"Apollo", "XP95 Optical"}, {"Hochiki", "ALN-EN"}},
		[]string{"Ground floor corridor", "First floor office", "Plant room", "Kitchen", "Stairwell A", "Server room"},
		[]string{"Detector failed smoke test: contaminated chamber", "Detector head missing from base"}},
	{"Emergency light", "monthly", "Standard", 30, [][2]string{{"Ansell", "Eiger LED"}, {"Thorn", "Voyager Sport"}},
		[]string{"Stairwell B", "Fire exit, rear corridor", "Main staircase", "Car park level 1"},
		[]string{"Battery not holding charge", "LED driver fault", "Diffuser missing"}},
	{"Fire extinguisher", "yearly", "Standard", 365, [][2]string{{"Britannia", "P50 6 L Foam"}, {"Chubb", "FX6 Water"}},
		[]string{"Kitchen", "Server room", "Reception", "Fire point, ground floor", "Workshop"},
		[]string{"Tamper seal broken, gauge in red", "Extinguisher missing from bracket"}},
	{"Sprinkler valve", "weekly", "Gold", 7, [][2]string{{"Tyco", "AV-1"}, {"Viking", "J-1"}},
		[]string{"Sprinkler valve room", "Pump house"},
		[]string{"Water motor alarm did not sound", "Installation pressure below set point"}},
	{"CCTV camera", "quarterly", "Standard", 91, [][2]string{{"Hikvision", "DS-2CD2386G2"}, {"Axis", "P3265-LVE"}},
		[]string{"Car park, north", "Service yard", "Main entrance", "Loading bay"},
		[]string{"Camera offline", "Image blurred"}},
	{"Intruder alarm panel", "quarterly", "Standard", 91, [][2]string{{"Texecom", "Premier Elite 48"}, {"Pyronix", "Enforcer 32"}},
		[]string{"Security office", "Reception cupboard"},
		[]string{"Signalling path failed", "Tamper fault on zone 4"}},
}

var technicians = []string{"Craig Whitfield", "Liam O'Connor", "Megan Hughes", "Ravi Kumar", "Ellie Dawson",
	"Dan Fletcher", "Sam Brooks", "Nadia Ali", "Pete Morgan", "Jo Chambers", "Kieran Walsh", "Lucy Fenwick"}

var workDescriptions = []string{"Annual fire alarm service", "Quarterly emergency lighting test",
	"Replace faulty smoke detector", "Extinguisher annual service", "CCTV camera replacement",
	"Investigate false alarm", "Sprinkler weekly test witness", "Install additional call points",
	"Intruder alarm service", "Replace panel standby batteries", "Fire door inspection", "Emergency light repairs"}

var issueTitles = []string{"Fire alarm panel showing fault", "False alarm at 3am", "Emergency light not working",
	"Extinguisher used in kitchen fire", "Sprinkler pressure low", "CCTV camera offline", "Intruder alarm keeps activating",
	"Smoke detector chirping", "Call point glass broken", "Fire door not closing"}

var catalogue = []struct {
	code, name string
	price      int64
}{
	{"FA-DET-OPT", "Optical smoke detector (addressable) with base", 4850},
	{"FA-MCP", "Manual call point (addressable)", 3900},
	{"FA-SNDR", "Wall sounder beacon (addressable)", 6800},
	{"FA-BATT", "Panel standby batteries 12 V 7 Ah (pair)", 3600},
	{"EL-BULK-LED", "LED maintained emergency bulkhead, 3 h", 8900},
	{"EL-BATT", "Emergency light replacement battery pack", 2400},
	{"FE-CO2-2", "2 kg CO2 fire extinguisher", 6500},
	{"FE-FOAM-6", "6 L foam fire extinguisher", 5200},
	{"SP-GAUGE", "Sprinkler pressure gauge, 0-16 bar", 4600},
	{"CC-CAM-4K", "4K IP dome camera, supplied and fitted", 29500},
	{"IA-PIR", "Grade 2 PIR detector", 5400},
	{"LAB-HR", "Engineer labour, per hour", 6500},
	{"LAB-DAY", "Engineer day rate", 48000},
	{"CALL-OUT", "Emergency call-out, first hour", 12500},
}

var certTypes = []string{"Fire alarm certificate", "Emergency lighting certificate", "Gas safety record", "EICR",
	"Extinguisher service certificate", "Sprinkler inspection certificate"}

var docNames = []string{"Service report", "Job sheet", "Photo", "Risk assessment", "Method statement",
	"Site plan", "Invoice copy", "Quote", "Certificate", "Asset label"}

var taskSubjects = []string{"Chase purchase order", "Arrange site access", "Send revised quote", "Confirm booking with site",
	"Order replacement parts", "Update asset register", "Call back about invoice", "Renew maintenance contract"}

var scriptTexts = []struct{ title, body string }{
	{"Fire alarm fault", "Fire alarm fault: panel showing fault. Message on the display: ... Zone/loop: ..."},
	{"False alarm", "False alarm: the fire alarm activated with no fire at ... (time). Device that triggered: ..."},
	{"Emergency light not working", "Emergency light not working. Location: ... Number of fittings affected: ..."},
	{"Extinguisher used or missing", "Fire extinguisher discharged or missing. Location: ... Type: ..."},
	{"Sprinkler concern", "Sprinkler system: ... (pressure low / alarm bell ringing / leak at ...)."},
	{"CCTV camera offline", "CCTV: camera(s) ... showing no picture since ... (date/time)."},
	{"Book annual service", "Please book the annual service. Preferred days: ... Access arrangements: ..."},
}
