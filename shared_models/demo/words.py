"""Word lists the demo catalog draws its names from (no Faker: plain lists keep it
deterministic across library versions)."""

from __future__ import annotations

ADJECTIVES = (
    "Amber", "Arctic", "Atomic", "Black", "Blue", "Broken", "Burning", "Chrome", "Crimson",
    "Crystal", "Dark", "Electric", "Empty", "Endless", "Fading", "Falling", "Frozen", "Gentle",
    "Ghost", "Golden", "Hidden", "Hollow", "Iron", "Last", "Little", "Lonely", "Lost", "Lucky",
    "Lunar", "Mad", "Midnight", "Neon", "Northern", "Paper", "Pale", "Plastic", "Purple",
    "Quiet", "Radiant", "Restless", "Rusty", "Sacred", "Savage", "Secret", "Silent", "Silver",
    "Slow", "Solar", "Static", "Stone", "Strange", "Sweet", "Velvet", "Violet", "Wild",
    "Wicked", "Winter", "Wooden", "Young", "Cosmic",
)  # fmt: skip

NOUNS = (
    "Anchor", "Angel", "Arrow", "Avenue", "Badger", "Bandit", "Beacon", "Bird", "Bridge",
    "Canyon", "Circus", "City", "Cloud", "Comet", "Crown", "Dancer", "Desert", "Dream",
    "Echo", "Engine", "Falcon", "Fire", "Flower", "Fox", "Garden", "Ghost", "Giant", "Harbor",
    "Heart", "Horizon", "Island", "Jungle", "Kingdom", "Lantern", "Machine", "Mirror",
    "Monkey", "Moon", "Mountain", "Ocean", "Orchid", "Palace", "Parade", "Pilot", "Planet",
    "Raven", "Rebel", "River", "Rocket", "Saint", "Shadow", "Signal", "Sister", "Sparrow",
    "Star", "Storm", "Summer", "Thunder", "Tiger", "Tower", "Train", "Valley", "Wave", "Wolf",
)  # fmt: skip

FIRST_NAMES = (
    "Ada", "Alex", "Amara", "Ana", "Ben", "Camille", "Chloe", "Dario", "Dev", "Elena", "Eli",
    "Emma", "Finn", "Grace", "Hana", "Ines", "Isaac", "Jade", "Jonas", "Kai", "Kenji", "Lars",
    "Lea", "Leo", "Lina", "Luca", "Maya", "Mila", "Nadia", "Nico", "Noah", "Nora", "Omar",
    "Oskar", "Paula", "Rafael", "Rosa", "Ruby", "Sam", "Sara", "Sofia", "Theo", "Tove", "Uma",
    "Vera", "Yara", "Zoe", "Björn", "Zoë", "Ségolène", "Joaquín", "Şebnem",
)  # fmt: skip

LAST_NAMES = (
    "Adler", "Baker", "Blanco", "Brooks", "Carter", "Costa", "Dahl", "Diaz", "Ellis", "Evans",
    "Fischer", "Garcia", "Hansen", "Hayes", "Ibarra", "Jensen", "Kato", "Keller", "Kim",
    "Larsen", "Lopez", "Mahler", "Moreau", "Nakamura", "Novak", "Okafor", "Olsen", "Park",
    "Petrov", "Quinn", "Reyes", "Rossi", "Sato", "Schmidt", "Silva", "Stone", "Suzuki",
    "Torres", "Varga", "Vidal", "Walsh", "Weber", "Young", "Zimmer", "Østergaard", "Núñez",
    "Åberg", "Doğan",
)  # fmt: skip

GENRES = (
    "alternative", "ambient", "blues", "country", "dance", "disco", "drum and bass",
    "dubstep", "electronic", "folk", "funk", "hip hop", "house", "indie", "indie pop",
    "jazz", "k-pop", "latin", "metal", "new wave", "pop", "post-punk", "punk", "r&b",
    "reggae", "rock", "shoegaze", "soul", "synthpop", "techno", "trip hop",
)  # fmt: skip

COUNTRIES = ("US", "GB", "SE", "DE", "FR", "JP", "KR", "BR", "CA", "AU", "IS", "NO", "ES")

SONG_WORDS = (
    "Again", "Alive", "Away", "Back", "Blood", "Body", "Burn", "Call", "Chance", "Change",
    "Closer", "Cold", "Crazy", "Dance", "Daylight", "Down", "Forever", "Free", "Gold", "Gone",
    "Higher", "Home", "Honey", "Hurricane", "Light", "Love", "Magic", "Money", "Night",
    "Nothing", "Paradise", "Rain", "Ride", "Run", "Satellite", "Sky", "Smoke", "Stay",
    "Sugar", "Sunrise", "Tonight", "Trouble", "Under", "Water", "Wonder", "Yesterday",
)  # fmt: skip

SONG_PATTERNS = (
    "{song}",
    "{song} {song}",
    "{adjective} {song}",
    "{adjective} {noun}",
    "{song} of the {noun}",
    "{noun} in the {song}",
    "Don't {song}",
    "{song} (Remix)",
    "{song}, {song}, {song}",
    "The {adjective} {noun}",
    "{nouns}",
    "{song} & {song}",
)

BAND_PATTERNS = (
    "The {adjective} {nouns}",
    "{adjective} {noun}",
    "{noun} {noun2}",
    "{first} {last}",
    "{first} {last}",
    "{first} & the {nouns}",
    "DJ {noun}",
    "{adjective} {noun} Orchestra",
    "{last} Brothers",
    "{nouns} of {noun2}",
)

BIO_SENTENCES = (
    "{genre} from {city}, releasing videos since {year}.",
    "First video released in {year}; a mix of {genre} and {genre2}.",
    "A regular on the {city} scene, known for self-directed videos.",
    "Started as a bedroom project in {year}, now a fixture of the {genre} scene.",
)

CITIES = (
    "Berlin", "Bristol", "Chicago", "Gothenburg", "Lagos", "Lisbon", "London", "Melbourne",
    "Montréal", "Osaka", "Reykjavík", "São Paulo", "Seoul", "Toronto", "Zürich",
)  # fmt: skip

DESCRIPTION_SENTENCES = (
    "Shot in a single take at dawn.",
    "Directed by {director}, filmed on 16mm.",
    "An animated video made frame by frame over six months.",
    "Performance video recorded live in {city}.",
    "The official music video for {title}.",
    "A short film set to {title}, directed by {director}.",
)
