"""What the demo's past guests wrote: their names, and review texts in their language by kind and rating.

`{host}` is the host's first name. Offline and deterministic (the caller's seeded random picks).
"""

from __future__ import annotations

# language -> (display name, email local part, country)
REVIEWERS = {
    "fr": (
        ("Sophie Bernard", "sophie.bernard", "FR"),
        ("Julien Petit", "julien.petit", "FR"),
        ("Manon Leroy", "manon.leroy", "BE"),
        ("Antoine Girard", "antoine.girard", "FR"),
        ("Chloé Fontaine", "chloe.fontaine", "CA"),
        ("Hugo Lambert", "hugo.lambert", "FR"),
    ),
    "de": (
        ("Lukas Becker", "lukas.becker", "DE"),
        ("Anna Schulz", "anna.schulz", "DE"),
        ("Felix Hoffmann", "felix.hoffmann", "AT"),
        ("Lena Wagner", "lena.wagner", "DE"),
        ("Paul Richter", "paul.richter", "CH"),
        ("Marie Koch", "marie.koch", "DE"),
    ),
    "en": (
        ("Emily Carter", "emily.carter", "US"),
        ("James Miller", "james.miller", "GB"),
        ("Olivia Davis", "olivia.davis", "US"),
        ("Noah Wilson", "noah.wilson", "CA"),
        ("Ava Thompson", "ava.thompson", "AU"),
        ("Ethan Clark", "ethan.clark", "US"),
    ),
    "ja": (
        ("佐藤 陽菜", "hina.sato", "JP"),
        ("鈴木 大翔", "hiroto.suzuki", "JP"),
        ("高橋 美咲", "misaki.takahashi", "JP"),
        ("田中 蓮", "ren.tanaka", "JP"),
        ("伊藤 結衣", "yui.ito", "JP"),
        ("渡辺 悠真", "yuma.watanabe", "JP"),
    ),
}

# language -> kind -> rating -> texts
GUEST_TEXTS: dict[str, dict[str, dict[int, tuple[str, ...]]]] = {
    "fr": {
        "room": {
            5: (
                "Chambre impeccable et très calme, exactement comme sur les photos. {host} est adorable et de bon "
                "conseil pour les restaurants du quartier.",
                "Séjour parfait : lit confortable, wifi rapide, métro à deux pas. Je reviendrai sans hésiter.",
                "Accueil chaleureux de {host}, chambre lumineuse et propre. Le quartier est génial le soir.",
            ),
            4: (
                "Très bonne adresse, chambre propre et bien placée. Un peu de bruit de la rue le matin.",
                "{host} a été très réactif. La chambre est un peu petite mais tout y est.",
            ),
            3: ("Correct pour quelques nuits. La salle de bain mériterait un coup de neuf, mais {host} est gentil.",),
        },
        "car": {
            5: (
                "Voiture propre, récente et économique. Remise des clés rapide avec {host}. Parfait !",
                "Tout s'est très bien passé, la voiture était nickel et le plein fait.",
            ),
            4: ("Bonne voiture pour un week-end, quelques rayures mais rien de gênant. {host} est arrangeant.",),
            3: ("La voiture a fait le travail, mais l'intérieur n'était pas très propre au départ.",),
        },
        "driver": {
            5: (
                "{host} est ponctuel, prudent et très agréable. Trajet vers l'aéroport sans stress.",
                "Excellent chauffeur, voiture impeccable, conversation sympa. Je recommande.",
            ),
            4: ("Conduite sûre et à l'heure. Voiture confortable.",),
            3: ("Un peu de retard au départ, mais conduite prudente ensuite.",),
        },
    },
    "de": {
        "room": {
            5: (
                "Sehr sauberes, ruhiges Zimmer, genau wie auf den Fotos. {host} hat tolle Tipps für den Kiez gegeben.",
                "Perfekter Aufenthalt: bequemes Bett, schnelles WLAN, U-Bahn um die Ecke. Gerne wieder!",
                "Herzlicher Empfang, helles und gemütliches Zimmer. Klare Empfehlung.",
            ),
            4: (
                "Gute Lage und sauber. Morgens etwas Straßenlärm, sonst alles bestens.",
                "{host} hat schnell geantwortet. Das Zimmer ist klein, aber es fehlt nichts.",
            ),
            3: ("Für ein paar Nächte in Ordnung. Das Bad könnte eine Renovierung vertragen.",),
        },
        "car": {
            5: (
                "Sauberes, sparsames Auto, unkomplizierte Übergabe mit {host}. Top!",
                "Alles lief reibungslos, das Auto war vollgetankt und gepflegt.",
            ),
            4: ("Gutes Auto für einen Ausflug, ein paar Kratzer, aber nichts Schlimmes.",),
            3: ("Das Auto fuhr gut, war innen aber nicht ganz sauber.",),
        },
        "driver": {
            5: (
                "{host} war pünktlich, fuhr sehr sicher und war ausgesprochen freundlich.",
                "Toller Fahrer, sauberes Auto, entspannte Fahrt zum Flughafen.",
            ),
            4: ("Sicher und pünktlich gefahren, bequemer Wagen.",),
            3: ("Etwas verspätet, danach aber eine ruhige Fahrt.",),
        },
    },
    "en": {
        "room": {
            5: (
                "Spotless, quiet room, exactly as pictured. {host} gave us great tips for dinner nearby.",
                "Perfect stay: comfy bed, fast wifi, subway around the corner. Would book again in a heartbeat.",
                "{host} was a wonderful host and the room was bright and cozy. Loved the neighborhood.",
            ),
            4: (
                "Great location and very clean. A little street noise in the morning, otherwise perfect.",
                "{host} answered quickly. The room is on the small side but has everything you need.",
            ),
            3: ("Fine for a couple of nights. The bathroom could use some updating, but {host} was kind.",),
        },
        "car": {
            5: (
                "Clean, reliable and easy on gas. Pickup with {host} took two minutes. Great!",
                "Everything went smoothly, the car was spotless with a full tank.",
            ),
            4: ("Good car for a weekend trip, a few scratches but nothing that mattered.",),
            3: ("The car drove fine but the inside wasn't very clean at pickup.",),
        },
        "driver": {
            5: (
                "{host} was on time, drove carefully and was a pleasure to talk to.",
                "Excellent driver, immaculate car, stress-free ride to JFK.",
            ),
            4: ("Safe, punctual driving and a comfortable car.",),
            3: ("A bit late to pick us up, but a smooth ride after that.",),
        },
    },
    "ja": {
        "room": {
            5: (
                "写真どおりの清潔で静かな部屋でした。{host}さんが近所のおすすめのお店を教えてくれました。",
                "ベッドが快適でWi-Fiも速く、駅も近くて最高でした。また泊まりたいです。",
                "{host}さんの対応がとても丁寧で、明るく居心地のいい部屋でした。",
            ),
            4: (
                "立地がよく清潔でした。朝は少し外の音が聞こえましたが、快適に過ごせました。",
                "返信が早くて助かりました。部屋は少し狭めですが、必要なものはそろっています。",
            ),
            3: ("数泊なら問題ありません。浴室は少し古さを感じました。",),
        },
        "car": {
            5: (
                "車はきれいで燃費もよく、{host}さんとの受け渡しもスムーズでした。",
                "満タンで整備も行き届いていて、安心して運転できました。",
            ),
            4: ("週末のドライブにちょうどいい車でした。小さな傷はありましたが問題ありません。",),
            3: ("走りは問題ありませんでしたが、車内の清掃が少し気になりました。",),
        },
        "driver": {
            5: (
                "{host}さんは時間どおりに来てくれて、運転も丁寧でした。",
                "とても感じのいいドライバーで、空港まで快適に移動できました。",
            ),
            4: ("安全運転で時間も正確でした。車も快適です。",),
            3: ("迎えが少し遅れましたが、その後の運転は安心でした。",),
        },
    },
}

# What hosts write about guests, in the host's city's language.
HOST_TEXTS = {
    "fr": (
        "Voyageur très respectueux, chambre laissée impeccable. Bienvenue quand vous voulez !",
        "Communication facile et ponctualité parfaite. Je recommande.",
        "Invité discret et sympathique, tout était en ordre au départ.",
    ),
    "de": (
        "Sehr angenehmer Gast, hat alles ordentlich hinterlassen. Jederzeit wieder!",
        "Unkomplizierte Kommunikation, pünktlich und freundlich.",
        "Ruhiger, netter Gast, alles war in bestem Zustand.",
    ),
    "en": (
        "A considerate guest who left everything tidy. Welcome back any time!",
        "Easy to communicate with and right on time. Recommended.",
        "Quiet, friendly and respectful of the house rules.",
    ),
    "ja": (
        "とても丁寧なゲストで、部屋もきれいに使っていただきました。またお待ちしています。",
        "連絡がスムーズで、時間もきっちり守っていただきました。",
        "静かで感じのいい方でした。ありがとうございました。",
    ),
}
