"""Word pools for invented demo data: names, groups, phrases.

Everything here is invented for demonstration. Given names and surnames are generic lists that are
combined at random, and the surnames of confronted men are built from syllables so that they read
as invented; no combination refers to a real person. Group names combine invented place-like words
(or real UK town names) with words such as "Shield" or "Sentinel"; they are not real groups' names.
"""

from __future__ import annotations

GIVEN_MALE = (
    "Adam", "Alan", "Andrew", "Anthony", "Barry", "Ben", "Brian", "Carl", "Chris", "Colin",
    "Craig", "Daniel", "Darren", "Dean", "Derek", "Duncan", "Gareth", "Gary", "Gavin", "Glen",
    "Graham", "Ian", "Jamie", "Jason", "Karl", "Keith", "Kevin", "Lee", "Liam", "Malcolm",
    "Mark", "Martin", "Neil", "Nigel", "Owen", "Paul", "Peter", "Philip", "Ray", "Rhys",
    "Rob", "Ross", "Ryan", "Scott", "Shaun", "Simon", "Steven", "Stuart", "Terry", "Tony",
    "Trevor", "Wayne",
)
GIVEN_FEMALE = (
    "Alison", "Amanda", "Angela", "Beth", "Carol", "Claire", "Dawn", "Donna", "Emma", "Fiona",
    "Gemma", "Hannah", "Helen", "Jackie", "Jane", "Joanne", "Julie", "Karen", "Kate", "Kelly",
    "Laura", "Leanne", "Lisa", "Louise", "Lucy", "Mandy", "Michelle", "Natalie", "Nicola",
    "Rachel", "Sally", "Sarah", "Sharon", "Sian", "Tracey", "Vicky", "Zoe",
)
SURNAMES = (
    "Ashworth", "Bainbridge", "Barlow", "Benson", "Birch", "Booth", "Bradley", "Brennan",
    "Carver", "Chapman", "Clough", "Crossley", "Dawson", "Dixon", "Eccles", "Fairclough",
    "Fenwick", "Fletcher", "Gibbons", "Hargreaves", "Hartley", "Holden", "Howarth", "Ingram",
    "Jennings", "Kershaw", "Lomax", "Marsden", "Mellor", "Naylor", "Ogden", "Pickering",
    "Platt", "Quinn", "Riley", "Rowley", "Sutcliffe", "Tattersall", "Thornton", "Tierney",
    "Upton", "Varley", "Walsh", "Whitworth", "Wilde", "Yates",
)
# Surnames of confronted men are built from these syllables (36 x 20 x 24 = 17,280 combinations),
# so that each one is rare in a large data set and reads as invented.
SURNAME_HEADS = (
    "Brack", "Quill", "Thrush", "Marrow", "Fenn", "Pell", "Cresk", "Dorr", "Elm", "Garr",
    "Hask", "Ivel", "Jarr", "Kell", "Lorn", "Mord", "Nant", "Orm", "Penn", "Quen",
    "Renn", "Skell", "Tarl", "Umber", "Vask", "Wenn", "Yarn", "Zell", "Brom", "Crad",
    "Drew", "Frim", "Glov", "Hob", "Latt", "Mosk",
)
SURNAME_MIDDLES = (
    "a", "e", "i", "o", "er", "in", "en", "ow", "ar", "il",
    "ad", "el", "on", "ur", "ith", "ash", "ey", "ol", "um", "et",
)
SURNAME_TAILS = (
    "wick", "by", "combe", "thorpe", "ford", "holt", "ley", "mere", "well", "ton",
    "stead", "worth", "dale", "field", "gate", "shaw", "croft", "hurst", "lock", "more",
    "ridge", "wood", "bury", "den",
)
# Unusual words that appear very rarely (each in well under 0.01% of generated reports).
RARE_WORDS = (
    "clavichord", "quinquereme", "marzipan", "periwinkle", "tessellated", "zeppelin",
    "harpsichord", "ocarina", "gramophone", "sousaphone", "astrolabe", "theodolite",
    "kaleidoscope", "samovar", "metronome", "zither", "barometer", "sextant", "dulcimer",
    "bagatelle", "palanquin", "trebuchet", "lorgnette", "velocipede", "armadillo",
    "pangolin", "axolotl", "capybara", "okapi", "narwhal",
)
# Words every style uses often (each in well over 10% of generated reports).
COMMON_WORDS = ("police", "Facebook", "arrested", "group", "man", "child")

# Invented place-like words for group names (no such places are meant).
GROUP_PLACES = (
    "Ashcombe", "Brackenfield", "Corriewell", "Dunmarsh", "Elderholt", "Fernhollow",
    "Glenmarrow", "Harrowby Vale", "Ironmere", "Kestrel Moor", "Larkspur", "Millbeck",
    "Northvale", "Oakhaven", "Pennwick", "Quarrybank", "Redtarn", "Wetherholm", "Thornleigh",
    "Underfell", "Wrenmouth", "Yarrowdale", "Brindlemoor", "Ambervale", "Hollowmere",
    "Foxglove", "Marrowgate", "Tallowmere", "Silverbirch", "Copperdale", "Emberfield",
    "Gorsebrook", "Heathwick", "Kingsmarsh", "Lindenholt", "Mistleby", "Nettlecombe",
    "Oxbarrow", "Rushmere Vale", "Sedgewick Moor",
)
GROUP_CORES = (
    "Sentinels", "Shield", "Watch", "Guardians", "Safe Net", "Justice", "Vigil", "Sentinel",
    "Beacon Watch", "Lookout", "Lantern", "Shield Network", "Keepers", "Safe Net Watch",
)
# Real UK towns with an invented group core; used only if the town is in the gazetteer.
TOWN_GROUPS = (
    ("Wigan", "Safe Net"), ("Rochdale", "Lantern Patrol"), ("Swindon", "Sentinel Watch"),
    ("Stockport", "Shield Network"), ("Doncaster", "Vigil"), ("Luton", "Beacon Watch"),
    ("Wrexham", "Watchtower"), ("Falkirk", "Shield"), ("Barnsley", "Lookout"),
    ("Telford", "Sentinels"), ("Ipswich", "Safe Net Watch"), ("Carlisle", "Keepers"),
)
TOWN_GROUP_COUNT = 12
GROUP_COUNT = 40

CONTACT_PLATFORMS = (
    "Facebook Messenger", "Facebook Messenger", "Facebook", "WhatsApp", "WhatsApp", "Snapchat",
    "Snapchat", "Kik", "Instagram", "Skype", "Grindr", "MeetMe", "Badoo", "Omegle", "Yubo",
    "Plenty of Fish", "Telegram",
)
STREAM_PLATFORMS = (
    "Facebook Live", "Facebook Live", "Facebook Live", "Facebook Live", "Facebook Live",
    "YouTube", "Periscope", "Instagram",
)
VENUES = (
    "a supermarket car park", "the railway station", "a McDonald's restaurant",
    "the bus station", "a retail park", "a park near the town centre", "a petrol station forecourt",
    "outside a Greggs", "the shopping centre", "a pub car park", "the leisure centre",
    "a residential street", "his home address", "his workplace", "a fast food outlet",
    "the library car park", "a canal towpath", "a hotel lobby",
)
DECOY_KINDS = ("girl", "girl", "girl", "boy", "boy")
PARTNERS = (
    "children's services", "the local safeguarding partnership", "the probation service",
    "the community safety team", "the mental health crisis team", "the housing provider",
    "the adult social care team", "the schools liaison officer",
)
CONDITIONS = (
    "Not to be disseminated outside the force without reference to the originator.",
    "Do not action without consulting the source handler first.",
    "No onward disclosure to partner agencies; investigative use only.",
    "Sensitive source: share only with the investigation team and supervisors.",
    "Not for use in evidence; refer to the dedicated source unit before any action.",
)
VEHICLES = (
    "a silver Ford Focus", "a black Vauxhall Astra", "a white Transit van", "a red Fiat Punto",
    "a blue Volkswagen Golf", "a grey Nissan Qashqai", "a green Skoda Octavia", "a taxi",
)
RANKS = ("DC", "DS", "DI", "PC", "PS", "DCI")
AGENCIES = (
    "Children's Services", "Probation", "NSPCC helpline", "Community Safety Partnership",
    "Youth Offending Service", "Education Safeguarding Team",
)
INVESTIGATION_WORDS = (
    "Kestrel", "Lantern", "Harrier", "Juniper", "Marlin", "Osprey", "Bramble", "Granite",
    "Heron", "Mosaic", "Quartz", "Sable", "Tamarisk", "Willow", "Cobalt", "Fennel", "Linnet",
    "Nightjar", "Pumice", "Rowan", "Sorrel", "Teasel", "Vetch", "Wagtail", "Yarrow",
    "Anvil", "Bellflower", "Cormorant", "Dunlin", "Egret", "Flint", "Gannet",
)
