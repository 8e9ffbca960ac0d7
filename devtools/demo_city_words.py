"""The word lists of the demo listings, per city: neighbourhoods with their streets, title templates,
description sentences and what drivers speak, in the city's language (devtools.demo_words composes them).

Size: data only, four cities' word lists; the code that uses them lives in devtools.demo_words.
"""

# ruff: noqa: RUF001 (Japanese is written with full-width punctuation)
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hood:
    name: str
    at: str  # the locative phrase titles use: "dans le Marais", "in Kreuzberg", "渋谷"
    latitude: float
    longitude: float
    area: str  # postcode (and town), or the ward in Tokyo
    streets: tuple[str, ...]


@dataclass(frozen=True)
class CityWords:
    language: str
    hoods: tuple[Hood, ...]
    rooms: tuple[str, ...]  # title templates: {at}
    cars: tuple[str, ...]  # {car}, {at}
    drivers: tuple[str, ...]  # {at}, {languages}
    room_lines: tuple[tuple[str, ...], ...]  # one sentence from each group, in order: {at}, {size}, {floor}
    car_lines: tuple[tuple[str, ...], ...]  # {car}, {at}, {year}
    driver_lines: tuple[tuple[str, ...], ...]  # {at}, {languages}
    spoken: tuple[tuple[str, ...], ...]  # languages a driver speaks, as the host would write them
    join: str  # how spoken languages are listed


def _h(name: str, at: str, lat: float, lng: float, area: str, *streets: str) -> Hood:
    return Hood(name, at, lat, lng, area, streets)


PARIS = CityWords(
    language="fr",
    hoods=(
        _h(
            "canal Saint-Martin",
            "près du canal Saint-Martin",
            48.8710,
            2.3650,
            "75010 Paris",
            "rue de Lancry",
            "quai de Valmy",
            "rue Beaurepaire",
            "rue des Vinaigriers",
        ),
        _h(
            "Marais",
            "dans le Marais",
            48.8590,
            2.3620,
            "75003 Paris",
            "rue de Bretagne",
            "rue Vieille-du-Temple",
            "rue de Turenne",
            "rue Charlot",
        ),
        _h(
            "Montmartre",
            "à Montmartre",
            48.8867,
            2.3431,
            "75018 Paris",
            "rue Lepic",
            "rue des Abbesses",
            "rue Caulaincourt",
            "rue Custine",
        ),
        _h(
            "Belleville",
            "à Belleville",
            48.8720,
            2.3770,
            "75020 Paris",
            "rue de Belleville",
            "rue Ramponeau",
            "rue Julien-Lacroix",
            "rue des Couronnes",
        ),
        _h(
            "Batignolles",
            "aux Batignolles",
            48.8840,
            2.3200,
            "75017 Paris",
            "rue des Batignolles",
            "rue Legendre",
            "rue Nollet",
            "rue Brochant",
        ),
        _h(
            "Bastille",
            "à deux pas de Bastille",
            48.8530,
            2.3690,
            "75011 Paris",
            "rue de la Roquette",
            "rue de Charonne",
            "rue Keller",
            "rue de Lappe",
        ),
        _h(
            "Quartier latin",
            "au Quartier latin",
            48.8480,
            2.3440,
            "75005 Paris",
            "rue Mouffetard",
            "rue Monge",
            "rue des Écoles",
            "rue du Cardinal-Lemoine",
        ),
        _h(
            "Saint-Germain-des-Prés",
            "à Saint-Germain-des-Prés",
            48.8540,
            2.3330,
            "75006 Paris",
            "rue de Seine",
            "rue Jacob",
            "rue du Four",
            "rue Bonaparte",
        ),
        _h(
            "Butte-aux-Cailles",
            "sur la Butte-aux-Cailles",
            48.8270,
            2.3500,
            "75013 Paris",
            "rue de la Butte-aux-Cailles",
            "rue des Cinq-Diamants",
            "rue Bobillot",
        ),
        _h(
            "Oberkampf",
            "à Oberkampf",
            48.8650,
            2.3780,
            "75011 Paris",
            "rue Oberkampf",
            "rue Saint-Maur",
            "rue Jean-Pierre-Timbaud",
        ),
        _h(
            "Montparnasse",
            "à Montparnasse",
            48.8420,
            2.3210,
            "75014 Paris",
            "rue Daguerre",
            "rue de la Gaîté",
            "rue Delambre",
            "rue Froidevaux",
        ),
        _h(
            "Passy", "à Passy", 48.8580, 2.2850, "75016 Paris", "rue de Passy", "rue de l'Annonciation", "rue Raynouard"
        ),
        _h(
            "Vincennes",
            "à Vincennes",
            48.8474,
            2.4390,
            "94300 Vincennes",
            "rue de Fontenay",
            "rue du Midi",
            "avenue de Paris",
        ),
        _h(
            "Boulogne",
            "à Boulogne",
            48.8350,
            2.2400,
            "92100 Boulogne-Billancourt",
            "rue de Silly",
            "rue d'Aguesseau",
            "avenue Jean-Baptiste-Clément",
        ),
        _h(
            "Saint-Denis",
            "à Saint-Denis",
            48.9362,
            2.3574,
            "93200 Saint-Denis",
            "rue de la République",
            "rue Gabriel-Péri",
            "boulevard Jules-Guesde",
        ),
        _h(
            "Montreuil",
            "à Montreuil",
            48.8630,
            2.4480,
            "93100 Montreuil",
            "rue de Paris",
            "rue Kléber",
            "boulevard Rouget-de-Lisle",
        ),
    ),
    rooms=(
        "Chambre lumineuse {at}",
        "Studio calme {at}",
        "Chambre sous les toits {at}",
        "Grande chambre avec balcon {at}",
        "Chambre cosy {at}",
        "Petit studio refait à neuf {at}",
        "Chambre double sur cour {at}",
        "Chambre avec vue {at}",
        "Chambre d'artiste {at}",
    ),
    cars=("{car} {at}", "{car}, idéale en ville, {at}", "{car} pour vos week-ends, {at}", "{car} récente {at}"),
    drivers=(
        "Chauffeur privé {at} ({languages})",
        "Chauffeur avec berline {at} ({languages})",
        "Transferts aéroport au départ {at} ({languages})",
    ),
    room_lines=(
        (
            "Une chambre claire de {size} m² {at}, au {floor}e étage.",
            "Chambre calme de {size} m² {at}, dans un immeuble ancien au {floor}e étage.",
            "Je loue ma chambre d'amis {at} : {size} m², parquet et moulures, {floor}e étage.",
        ),
        (
            "Lit double, bureau et armoire ; le wifi est rapide.",
            "Le lit est fait à votre arrivée et les serviettes sont fournies.",
            "Cuisine partagée avec cafetière et four, salle de bain pour vous seul.",
        ),
        (
            "Boulangerie, marché et métro à moins de cinq minutes à pied.",
            "Le quartier est vivant le soir mais la chambre donne sur cour.",
            "Idéal pour découvrir Paris à pied, avec de bons cafés en bas de la rue.",
        ),
        (
            "Arrivée à partir de 15 h, je vous donne les clés en main propre.",
            "Boîte à clés pour arriver à toute heure. À bientôt !",
            "Je réponds vite aux messages et je vous conseille volontiers des adresses.",
        ),
    ),
    car_lines=(
        ("{car} de {year}, bien entretenue, garée {at}.", "Ma {car} de {year} dort {at} la plupart du temps."),
        (
            "Parfaite pour une virée en Normandie ou un déménagement léger.",
            "Petite consommation, facile à garer, parfaite pour la ville.",
            "Coffre spacieux, sièges enfant sur demande.",
        ),
        (
            "Remise des clés en main propre, plein à rendre comme au départ.",
            "Carte grise et assurance dans la boîte à gants ; pas d'animaux, merci.",
        ),
    ),
    driver_lines=(
        (
            "Chauffeur depuis dix ans, je connais Paris et sa banlieue par cœur.",
            "Je vous conduis {at} et partout en Île-de-France, de jour comme de nuit.",
        ),
        ("Je parle {languages}.", "Langues parlées : {languages}."),
        (
            "Aéroports, gares, soirées, rendez-vous : berline climatisée, eau à bord.",
            "Ponctuel et discret ; sièges enfant sur demande.",
        ),
    ),
    spoken=(
        ("français", "anglais"),
        ("français", "anglais", "espagnol"),
        ("français", "arabe", "anglais"),
        ("français", "portugais"),
        ("français", "italien", "anglais"),
    ),
    join=", ",
)

BERLIN = CityWords(
    language="de",
    hoods=(
        _h(
            "Kreuzberg",
            "in Kreuzberg",
            52.4990,
            13.4030,
            "10999 Berlin",
            "Oranienstraße",
            "Wiener Straße",
            "Reichenberger Straße",
            "Graefestraße",
        ),
        _h(
            "Neukölln",
            "in Neukölln",
            52.4810,
            13.4350,
            "12047 Berlin",
            "Weserstraße",
            "Sonnenallee",
            "Pannierstraße",
            "Friedelstraße",
        ),
        _h(
            "Prenzlauer Berg",
            "in Prenzlauer Berg",
            52.5390,
            13.4240,
            "10435 Berlin",
            "Kastanienallee",
            "Schönhauser Allee",
            "Lychener Straße",
            "Kollwitzstraße",
        ),
        _h(
            "Friedrichshain",
            "in Friedrichshain",
            52.5150,
            13.4540,
            "10245 Berlin",
            "Simon-Dach-Straße",
            "Boxhagener Straße",
            "Wühlischstraße",
        ),
        _h("Mitte", "in Mitte", 52.5260, 13.4020, "10119 Berlin", "Torstraße", "Linienstraße", "Auguststraße"),
        _h(
            "Schöneberg",
            "in Schöneberg",
            52.4900,
            13.3550,
            "10781 Berlin",
            "Akazienstraße",
            "Goltzstraße",
            "Crellestraße",
        ),
        _h(
            "Charlottenburg",
            "in Charlottenburg",
            52.5050,
            13.3050,
            "10629 Berlin",
            "Kantstraße",
            "Pestalozzistraße",
            "Mommsenstraße",
        ),
        _h(
            "Wedding",
            "im Wedding",
            52.5500,
            13.3600,
            "13353 Berlin",
            "Müllerstraße",
            "Malplaquetstraße",
            "Utrechter Straße",
        ),
        _h("Moabit", "in Moabit", 52.5270, 13.3420, "10551 Berlin", "Turmstraße", "Waldstraße", "Beusselstraße"),
        _h("Treptow", "in Treptow", 52.4930, 13.4620, "12435 Berlin", "Karl-Kunger-Straße", "Plesser Straße"),
        _h("Spandau", "in Spandau", 52.5360, 13.2040, "13597 Berlin", "Carl-Schurz-Straße", "Breite Straße"),
        _h("Köpenick", "in Köpenick", 52.4450, 13.5750, "12555 Berlin", "Bahnhofstraße", "Grünstraße"),
    ),
    rooms=(
        "Helles Zimmer {at}",
        "Ruhiges Zimmer {at}",
        "Altbauzimmer mit Balkon {at}",
        "Gemütliches Dachzimmer {at}",
        "Kleines Studio {at}",
        "WG-Zimmer mit Blick ins Grüne {at}",
        "Zimmer mit hohen Decken {at}",
        "Modernes Gästezimmer {at}",
    ),
    cars=("{car} {at}", "{car} für Ausflüge ins Umland, {at}", "{car}, sparsam und zuverlässig, {at}"),
    drivers=(
        "Fahrer mit eigenem Wagen {at} ({languages})",
        "Privatfahrer {at} ({languages})",
        "Flughafentransfer {at} ({languages})",
    ),
    room_lines=(
        (
            "Helles Altbauzimmer mit {size} m² {at}, {floor}. Stock.",
            "Ruhiges Zimmer ({size} m²) {at}, zum Hof gelegen, {floor}. Stock.",
            "Unser Gästezimmer {at}: {size} m², Dielenboden, {floor}. Stock.",
        ),
        (
            "Doppelbett, Schreibtisch und schnelles WLAN.",
            "Bettwäsche und Handtücher liegen bereit, Küche und Bad teilen wir.",
            "Eigenes Bad, Kaffeemaschine in der Gemeinschaftsküche.",
        ),
        (
            "Späti, Bäcker und U-Bahn sind in wenigen Minuten zu Fuß erreichbar.",
            "Der Kiez ist lebendig, das Zimmer aber angenehm ruhig.",
            "Ideal, um Berlin mit dem Fahrrad zu entdecken, zwei Räder stehen im Hof.",
        ),
        (
            "Check-in ab 15 Uhr, ich übergebe die Schlüssel persönlich.",
            "Schlüsselbox für eine späte Ankunft. Bis bald!",
            "Ich antworte schnell und gebe gern Tipps für den Kiez.",
        ),
    ),
    car_lines=(
        ("{car}, Baujahr {year}, gepflegt, steht {at}.", "Mein {car} von {year} parkt meistens {at}."),
        (
            "Perfekt für einen Ausflug an die Seen oder nach Potsdam.",
            "Sparsam, leicht zu parken, ideal für die Stadt.",
            "Großer Kofferraum, Kindersitz auf Anfrage.",
        ),
        (
            "Schlüsselübergabe persönlich, bitte vollgetankt zurückgeben.",
            "Nichtraucherauto, Haustiere bitte nur nach Absprache.",
        ),
    ),
    driver_lines=(
        (
            "Ich fahre seit zwölf Jahren in Berlin und kenne jede Abkürzung.",
            "Ich fahre Sie {at} und in ganz Berlin, auch nachts.",
        ),
        ("Ich spreche {languages}.", "Sprachen: {languages}."),
        (
            "Flughafen BER, Bahnhof, Termine: klimatisierter Wagen, Wasser an Bord.",
            "Pünktlich und diskret, Kindersitz auf Anfrage.",
        ),
    ),
    spoken=(
        ("Deutsch", "Englisch"),
        ("Deutsch", "Türkisch", "Englisch"),
        ("Deutsch", "Polnisch"),
        ("Deutsch", "Englisch", "Arabisch"),
        ("Deutsch", "Russisch"),
    ),
    join=", ",
)

NEW_YORK = CityWords(
    language="en",
    hoods=(
        _h(
            "Williamsburg",
            "in Williamsburg",
            40.7140,
            -73.9570,
            "Brooklyn, NY 11211",
            "Bedford Avenue",
            "Grand Street",
            "North 6th Street",
            "Berry Street",
        ),
        _h(
            "Park Slope",
            "in Park Slope",
            40.6720,
            -73.9780,
            "Brooklyn, NY 11215",
            "7th Avenue",
            "5th Avenue",
            "Berkeley Place",
            "Union Street",
        ),
        _h(
            "East Village",
            "in the East Village",
            40.7265,
            -73.9815,
            "New York, NY 10009",
            "East 7th Street",
            "Avenue B",
            "St Marks Place",
        ),
        _h(
            "West Village",
            "in the West Village",
            40.7340,
            -74.0030,
            "New York, NY 10014",
            "Bleecker Street",
            "Perry Street",
            "Bank Street",
        ),
        _h(
            "Harlem",
            "in Harlem",
            40.8116,
            -73.9465,
            "New York, NY 10027",
            "West 126th Street",
            "Malcolm X Boulevard",
            "Frederick Douglass Boulevard",
        ),
        _h(
            "Upper West Side",
            "on the Upper West Side",
            40.7870,
            -73.9754,
            "New York, NY 10024",
            "Amsterdam Avenue",
            "West 84th Street",
            "Columbus Avenue",
        ),
        _h(
            "Upper East Side",
            "on the Upper East Side",
            40.7736,
            -73.9566,
            "New York, NY 10075",
            "East 77th Street",
            "Lexington Avenue",
            "York Avenue",
        ),
        _h(
            "Lower East Side",
            "on the Lower East Side",
            40.7150,
            -73.9843,
            "New York, NY 10002",
            "Orchard Street",
            "Rivington Street",
            "Ludlow Street",
        ),
        _h(
            "Astoria",
            "in Astoria",
            40.7644,
            -73.9235,
            "Astoria, NY 11103",
            "31st Street",
            "Ditmars Boulevard",
            "Steinway Street",
        ),
        _h(
            "Long Island City",
            "in Long Island City",
            40.7447,
            -73.9485,
            "Long Island City, NY 11101",
            "Vernon Boulevard",
            "Jackson Avenue",
            "47th Avenue",
        ),
        _h(
            "Bushwick",
            "in Bushwick",
            40.6944,
            -73.9213,
            "Brooklyn, NY 11237",
            "Knickerbocker Avenue",
            "Wyckoff Avenue",
            "Troutman Street",
        ),
        _h(
            "Greenpoint",
            "in Greenpoint",
            40.7300,
            -73.9540,
            "Brooklyn, NY 11222",
            "Manhattan Avenue",
            "Franklin Street",
            "Java Street",
        ),
        _h(
            "Jersey City",
            "in Jersey City",
            40.7178,
            -74.0431,
            "Jersey City, NJ 07302",
            "Grove Street",
            "Newark Avenue",
            "Montgomery Street",
        ),
    ),
    rooms=(
        "Bright room {at}",
        "Quiet bedroom {at}",
        "Sunny brownstone room {at}",
        "Cozy loft bedroom {at}",
        "Private room with a view {at}",
        "Garden-level studio {at}",
        "Big bedroom with a desk {at}",
        "Top-floor room {at}",
    ),
    cars=("{car} {at}", "{car} for weekend getaways, {at}", "{car}, easy to park, {at}"),
    drivers=(
        "Private driver {at} ({languages})",
        "Chauffeur with a sedan {at} ({languages})",
        "Airport rides from {hood} ({languages})",
    ),
    room_lines=(
        (
            "A bright {size} m² bedroom {at}, on the {floor_en} floor of a walk-up.",
            "Quiet {size} m² room {at}, facing the back garden, {floor_en} floor.",
            "Our spare room {at}: {size} m², hardwood floors, {floor_en} floor.",
        ),
        (
            "Queen bed, a desk and fast wifi.",
            "Fresh sheets and towels are ready when you arrive.",
            "Shared kitchen with a coffee maker; the bathroom is yours alone.",
        ),
        (
            "The subway, a deli and a laundromat are all within five minutes.",
            "The block is lively at night but the room is at the back and quiet.",
            "Great for exploring on foot, with good coffee around the corner.",
        ),
        (
            "Check-in from 3 pm, I hand you the keys myself.",
            "Lockbox for late arrivals. See you soon!",
            "I answer messages fast and I'm happy to share my favourite spots.",
        ),
    ),
    car_lines=(
        ("{year} {car}, well kept, parked {at}.", "My {year} {car} mostly sits {at}."),
        (
            "Perfect for a day at the beach or a trip upstate.",
            "Good on gas and easy to park in the city.",
            "Plenty of trunk space; a child seat on request.",
        ),
        (
            "Keys handed over in person; please bring it back with a full tank.",
            "Registration and insurance are in the glovebox; no smoking, please.",
        ),
    ),
    driver_lines=(
        (
            "I've driven in New York for twelve years and know every shortcut.",
            "I drive you {at} and anywhere in the five boroughs, day or night.",
        ),
        ("I speak {languages}.", "Languages: {languages}."),
        (
            "JFK, LaGuardia, Newark, dinners out: air-conditioned sedan, water on board.",
            "On time and discreet; child seat on request.",
        ),
    ),
    spoken=(
        ("English", "Spanish"),
        ("English",),
        ("English", "Russian"),
        ("English", "Mandarin"),
        ("English", "Haitian Creole", "French"),
    ),
    join=", ",
)

TOKYO = CityWords(
    language="ja",
    hoods=(
        _h("渋谷", "渋谷", 35.6620, 139.7040, "渋谷区", "神南", "宇田川町", "道玄坂"),
        _h("新宿", "新宿", 35.6938, 139.7034, "新宿区", "西新宿", "新宿", "大久保"),
        _h("下北沢", "下北沢", 35.6613, 139.6680, "世田谷区", "北沢", "代沢"),
        _h("中目黒", "中目黒", 35.6440, 139.6990, "目黒区", "上目黒", "青葉台"),
        _h("浅草", "浅草", 35.7148, 139.7967, "台東区", "浅草", "雷門", "西浅草"),
        _h("谷中", "谷中", 35.7260, 139.7670, "台東区", "谷中", "上野桜木"),
        _h("吉祥寺", "吉祥寺", 35.7030, 139.5795, "武蔵野市", "吉祥寺本町", "吉祥寺南町"),
        _h("高円寺", "高円寺", 35.7050, 139.6490, "杉並区", "高円寺北", "高円寺南"),
        _h("中野", "中野", 35.7074, 139.6638, "中野区", "中野", "新井"),
        _h("荻窪", "荻窪", 35.7047, 139.6200, "杉並区", "荻窪", "上荻"),
        _h("池袋", "池袋", 35.7295, 139.7109, "豊島区", "南池袋", "西池袋", "東池袋"),
        _h("三軒茶屋", "三軒茶屋", 35.6437, 139.6710, "世田谷区", "太子堂", "三軒茶屋"),
        _h("恵比寿", "恵比寿", 35.6467, 139.7101, "渋谷区", "恵比寿", "恵比寿西"),
    ),
    rooms=(
        "{at}の静かな和室",
        "{at}の明るいワンルーム",
        "{at}駅近の個室",
        "{at}の畳の部屋",
        "{at}のロフト付き個室",
        "{at}の庭付き和室",
        "{at}の新しい個室",
        "{at}の眺めのいい部屋",
    ),
    cars=("{at}の{car}", "{at}の{car}（週末のお出かけに）", "{at}の{car}・駐車しやすい"),
    drivers=(
        "{at}の送迎ドライバー（{languages}）",
        "{at}発のハイヤー（{languages}）",
        "{at}から空港送迎（{languages}）",
    ),
    room_lines=(
        (
            "{at}にある{size}平米の明るい個室です（{floor}階）。",
            "{at}の静かな住宅街にある{size}平米の和室です（{floor}階）。",
            "{at}駅から徒歩7分、{size}平米の個室です（{floor}階）。",
        ),
        (
            "ダブルベッド、机、高速Wi-Fiがあります。",
            "布団とタオルをご用意しています。キッチンは共用です。",
            "専用のシャワールームとコーヒーメーカーがあります。",
        ),
        (
            "コンビニ、銭湯、駅まで歩いて5分以内です。",
            "夜も静かで、ぐっすり眠れます。",
            "商店街が近く、食べ歩きにぴったりの場所です。",
        ),
        (
            "チェックインは15時から、鍵は直接お渡しします。",
            "遅い到着にはキーボックスをご利用ください。",
            "メッセージにはすぐ返信します。おすすめのお店もお教えします。",
        ),
    ),
    car_lines=(
        ("{year}年式の{car}です。{at}に駐車しています。", "{at}の駐車場にある{year}年式の{car}です。"),
        (
            "箱根や鎌倉への日帰り旅行にぴったりです。",
            "燃費がよく、都内でも運転しやすいです。",
            "トランクが広く、チャイルドシートも貸し出せます。",
        ),
        ("鍵は直接お渡しします。満タンでご返却ください。", "禁煙車です。ペットは事前にご相談ください。"),
    ),
    driver_lines=(
        ("東京で10年以上運転しています。道は任せてください。", "{at}をはじめ都内どこへでもお送りします。"),
        ("{languages}が話せます。", "対応言語：{languages}"),
        ("羽田・成田への送迎、会食の送り迎えも承ります。", "時間厳守で安全運転です。チャイルドシートもあります。"),
    ),
    spoken=(("日本語", "英語"), ("日本語",), ("日本語", "英語", "中国語"), ("日本語", "韓国語")),
    join="・",
)

WORDS = {"Paris": PARIS, "Berlin": BERLIN, "New York City": NEW_YORK, "Tokyo": TOKYO}

# Per city: the cars people there rent out (make, model, seats) as they write them.
CARS = {
    "Paris": (
        ("Renault", "Clio", 5),
        ("Peugeot", "208", 5),
        ("Citroën", "C3", 5),
        ("Renault", "Zoe", 5),
        ("Toyota", "Yaris", 5),
        ("Renault", "Trafic", 9),
        ("Fiat", "500", 4),
        ("Tesla", "Model 3", 5),
    ),
    "Berlin": (
        ("Volkswagen", "Golf", 5),
        ("Volkswagen", "Polo", 5),
        ("Opel", "Corsa", 5),
        ("BMW", "1er", 5),
        ("Škoda", "Octavia Kombi", 5),
        ("Volkswagen", "T6 Bus", 8),
        ("Tesla", "Model 3", 5),
    ),
    "New York City": (
        ("Honda", "Civic", 5),
        ("Toyota", "RAV4", 5),
        ("Subaru", "Outback", 5),
        ("Tesla", "Model Y", 5),
        ("Jeep", "Wrangler", 5),
        ("Ford", "Transit", 9),
    ),
    "Tokyo": (
        ("トヨタ", "アクア", 5),
        ("ホンダ", "フィット", 5),
        ("日産", "ノート", 5),
        ("トヨタ", "プリウス", 5),
        ("スズキ", "ハスラー", 4),
        ("トヨタ", "ハイエース", 10),
    ),
}
