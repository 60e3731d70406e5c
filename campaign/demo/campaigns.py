"""Demo content: the #HumansAgainstTorture campaign, its petitions, some supporters, statements.

Idempotent: running it again changes nothing that exists already.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from campaign.demo.statements import load_demo_statements
from campaign.demo.wall import load_demo_wall
from campaign.models import Campaign, CampaignText, Petition, PetitionText, Signature, utcnow

CAMPAIGN = {
    "slug": "humans-against-torture",
    "hashtag": "HumansAgainstTorture",
    "texts": {
        "en": (
            "Let’s stand together against torture",
            "Torture can hit anyone, anywhere – women, men and children. Governments have the "
            "means to stop it but fail to use them. Join #HumansAgainstTorture.",
            "Torture causes pain that never goes away. It breaks bodies and minds, and it "
            "reaches far beyond the person it is done to: families, friends, whole "
            "communities live in its shadow.\n\nIt is not a thing of the past, nor of a few "
            "far-away places. It happens in police stations, prisons, migration centres and "
            "secret places of detention, on every continent.\n\nGovernments have the means to "
            "stop torture: laws that ban it, independent monitors, investigations that end "
            "impunity, care for survivors. Too often they fail to use them. The onus is on each "
            "and every one of us to demand that torture stops.",
        ),
        "fr": (
            "Unissons-nous contre la torture",
            "La torture peut frapper n’importe qui, n’importe où – femmes, hommes et enfants. Les "
            "gouvernements ont les moyens de l’arrêter mais ne les utilisent pas. Rejoignez "
            "#HumansAgainstTorture.",
            "La torture cause une douleur qui ne disparaît jamais. Elle brise les corps et les "
            "esprits, et atteint bien plus que la personne qui la subit : familles, proches, "
            "communautés entières vivent dans son ombre.\n\nElle n’appartient ni au passé ni à "
            "quelques pays lointains. Elle a lieu dans des commissariats, des prisons, des "
            "centres pour migrants et des lieux de détention secrets, sur tous les "
            "continents.\n\nLes gouvernements ont les moyens d’arrêter la torture : des lois qui "
            "l’interdisent, des contrôles indépendants, des enquêtes qui mettent fin à "
            "l’impunité, des soins pour les survivants. Trop souvent, ils ne les utilisent pas. "
            "C’est à chacune et chacun d’entre nous d’exiger que la torture cesse.",
        ),
        "es": (
            "Unámonos contra la tortura",
            "La tortura puede afectar a cualquiera, en cualquier lugar: mujeres, hombres, niñas y "
            "niños. Los gobiernos tienen los medios para detenerla, pero no los usan. Súmate a "
            "#HumansAgainstTorture.",
            "La tortura causa un dolor que nunca desaparece. Destruye cuerpos y mentes, y llega "
            "mucho más allá de la persona que la sufre: familias, amistades y comunidades "
            "enteras viven bajo su sombra.\n\nNo es cosa del pasado ni de unos pocos lugares "
            "lejanos. Ocurre en comisarías, cárceles, centros de migrantes y lugares de "
            "detención secretos, en todos los continentes.\n\nLos gobiernos tienen los medios "
            "para acabar con la tortura: leyes que la prohíben, supervisión independiente, "
            "investigaciones que ponen fin a la impunidad, atención a sobrevivientes. Con "
            "demasiada frecuencia no los usan. Nos toca a cada una y cada uno de nosotros exigir "
            "que la tortura se detenga.",
        ),
        "ar": (
            "لنقف معًا ضد التعذيب",
            "يمكن أن يطال التعذيب أي شخص في أي مكان – نساءً ورجالًا وأطفالًا. تملك الحكومات "
            "وسائل وقفه لكنها لا تستخدمها. انضموا إلى #HumansAgainstTorture.",
            "يسبب التعذيب ألمًا لا يزول أبدًا. إنه يحطم الأجساد والعقول، ويمتد أثره إلى ما هو "
            "أبعد من الشخص الذي يتعرض له: عائلات وأصدقاء ومجتمعات بأكملها تعيش في ظله.\n\n"
            "التعذيب ليس من الماضي، ولا يقتصر على أماكن بعيدة. إنه يحدث في مراكز الشرطة "
            "والسجون ومراكز احتجاز المهاجرين وأماكن الاحتجاز السرية، في كل القارات.\n\n"
            "تملك الحكومات وسائل وقف التعذيب: قوانين تحظره، ورقابة مستقلة، وتحقيقات تنهي "
            "الإفلات من العقاب، ورعاية للناجين. لكنها كثيرًا ما لا تستخدمها. وتقع على عاتق كل "
            "واحد وواحدة منا مسؤولية المطالبة بوقف التعذيب.",
        ),
    },
}

PETITIONS = [
    {
        "slug": "end-impunity-for-torture",
        "targets": {
            "en": "Heads of State and Government of the United Nations member states",
            "fr": "Chefs d’État et de gouvernement des États membres des Nations unies",
            "es": "Jefas y jefes de Estado y de Gobierno de los Estados miembros de la ONU",
            "ar": "رؤساء دول وحكومات الدول الأعضاء في الأمم المتحدة",
        },
        "goal": 1000,
        "confirmed": 412,
        "pending": 37,
        "texts": {
            "en": (
                "End impunity for torture",
                "We call on every government to investigate each allegation of torture promptly "
                "and independently, to bring those responsible to justice, and to give survivors "
                "redress, care and the truth.\n\nImpunity is what lets torture go on. When no one "
                "answers for it, it happens again.",
                "Torture happens because those who commit it go unpunished. I signed: end "
                "impunity for torture.",
            ),
            "fr": (
                "Mettre fin à l’impunité de la torture",
                "Nous appelons chaque gouvernement à enquêter rapidement et de manière "
                "indépendante sur chaque allégation de torture, à traduire les responsables en "
                "justice et à garantir aux survivants réparation, soins et vérité.\n\nC’est "
                "l’impunité qui permet à la torture de continuer. Quand personne n’en répond, "
                "elle recommence.",
                "La torture continue parce que ses auteurs restent impunis. J’ai signé : mettons "
                "fin à l’impunité.",
            ),
            "es": (
                "Fin a la impunidad de la tortura",
                "Pedimos a todos los gobiernos que investiguen cada denuncia de tortura con "
                "rapidez e independencia, que lleven a los responsables ante la justicia y que "
                "garanticen a las personas sobrevivientes reparación, atención y verdad.\n\nLa "
                "impunidad es lo que permite que la tortura continúe. Cuando nadie responde por "
                "ella, vuelve a ocurrir.",
                "La tortura sigue porque quienes la cometen quedan impunes. Ya firmé: fin a la "
                "impunidad.",
            ),
            "ar": (
                "أنهوا الإفلات من العقاب على التعذيب",
                "ندعو كل حكومة إلى التحقيق في كل ادعاء بالتعذيب بسرعة واستقلالية، وتقديم "
                "المسؤولين إلى العدالة، وضمان الإنصاف والرعاية والحقيقة للناجين.\n\nالإفلات من "
                "العقاب هو ما يسمح باستمرار التعذيب. عندما لا يُحاسَب أحد، يتكرر.",
                "يستمر التعذيب لأن مرتكبيه يفلتون من العقاب. وقّعتُ: أنهوا الإفلات من العقاب.",
            ),
        },
    },
    {
        "slug": "protect-human-rights-defenders",
        "targets": {
            "en": "Ministers of Justice and of the Interior",
            "fr": "Ministres de la Justice et de l’Intérieur",
            "es": "Ministras y ministros de Justicia y del Interior",
            "ar": "وزراء العدل والداخلية",
        },
        "goal": 750,
        "confirmed": 268,
        "pending": 21,
        "texts": {
            "en": (
                "Protect those who defend us from torture",
                "Human rights defenders document torture, support survivors and take cases to "
                "court. For this they are threatened, arrested, and sometimes tortured "
                "themselves.\n\nWe ask governments to release every defender detained for their "
                "work, to end the harassment of their organisations, and to protect them when "
                "they are at risk.",
                "Those who expose torture must not become its victims. I signed to protect human "
                "rights defenders.",
            ),
            "fr": (
                "Protéger celles et ceux qui nous défendent contre la torture",
                "Les défenseurs des droits humains documentent la torture, soutiennent les "
                "survivants et portent les affaires devant la justice. Pour cela, ils sont "
                "menacés, arrêtés et parfois torturés à leur tour.\n\nNous demandons aux "
                "gouvernements de libérer chaque défenseur détenu en raison de son travail, de "
                "mettre fin au harcèlement de leurs organisations et de les protéger lorsqu’ils "
                "sont en danger.",
                "Celles et ceux qui dénoncent la torture ne doivent pas en devenir les victimes. "
                "J’ai signé pour les protéger.",
            ),
            "es": (
                "Proteger a quienes nos defienden de la tortura",
                "Las personas defensoras de derechos humanos documentan la tortura, acompañan a "
                "sobrevivientes y llevan casos ante la justicia. Por ello son amenazadas, "
                "detenidas y a veces torturadas.\n\nPedimos a los gobiernos que liberen a toda "
                "persona defensora detenida por su labor, que pongan fin al hostigamiento de sus "
                "organizaciones y que las protejan cuando están en riesgo.",
                "Quienes denuncian la tortura no deben convertirse en sus víctimas. Ya firmé "
                "para protegerlas.",
            ),
            "ar": (
                "احموا من يدافعون عنا ضد التعذيب",
                "يوثّق المدافعون عن حقوق الإنسان التعذيب، ويساندون الناجين، ويرفعون القضايا إلى "
                "المحاكم. ولهذا يتعرضون للتهديد والاعتقال، وأحيانًا للتعذيب.\n\nنطالب الحكومات "
                "بالإفراج عن كل مدافع محتجز بسبب عمله، ووقف مضايقة منظماتهم، وحمايتهم عندما "
                "يكونون في خطر.",
                "من يفضحون التعذيب يجب ألا يصبحوا ضحاياه. وقّعتُ لحماية المدافعين عن حقوق الإنسان.",
            ),
        },
    },
]

_GIVEN = [
    "Amina",
    "Carlos",
    "Mei",
    "Olga",
    "Tomás",
    "Fatou",
    "Yusuf",
    "Ingrid",
    "Léa",
    "Rahul",
    "Nadia",
    "Pablo",
    "Sara",
    "Ahmed",
    "Chloé",
    "Kwame",
]
_FAMILY = [
    "Diallo",
    "García",
    "Chen",
    "Petrova",
    "Rossi",
    "Haddad",
    "Müller",
    "Silva",
    "Nguyen",
    "Okafor",
    "Martin",
    "Kaya",
    "Suárez",
    "Benali",
]
_COUNTRIES = [
    "CH",
    "FR",
    "ES",
    "MX",
    "CO",
    "TN",
    "EG",
    "LB",
    "SN",
    "CD",
    "GB",
    "DE",
    "AR",
    "CL",
    "MA",
    "US",
    "CA",
    "BE",
    "JO",
    "IT",
]
DEMO_CONSENT = "Demo signature: no consent was given by a real person."


def load_demo(session: Session, *, upload_dir: str) -> str:
    """Create whatever demo content is missing; return a one-line summary. The wall of
    support's photos are stored in `upload_dir`."""
    campaign_summary = _load_campaign(session)
    campaign = session.scalars(select(Campaign).where(Campaign.slug == CAMPAIGN["slug"])).one()
    wall_summary = load_demo_wall(session, campaign, upload_dir=upload_dir)
    return f"{campaign_summary}; {load_demo_statements(session)}; {wall_summary}"


def _load_campaign(session: Session) -> str:
    if session.scalar(
        select(func.count()).select_from(Campaign).where(Campaign.slug == CAMPAIGN["slug"])
    ):
        return "demo content already present"
    now = utcnow()
    campaign = Campaign(
        slug=CAMPAIGN["slug"],
        hashtag=CAMPAIGN["hashtag"],
        status="published",
        default_locale="en",
        published_at=now - timedelta(days=60),
        texts=[
            CampaignText(locale=loc, title=title, summary=summary, body=body)
            for loc, (title, summary, body) in CAMPAIGN["texts"].items()
        ],
    )
    session.add(campaign)
    rng = random.Random(2018)  # the same supporters every time
    total = 0
    for spec in PETITIONS:
        petition = Petition(
            campaign=campaign,
            slug=spec["slug"],
            status="open",
            goal=spec["goal"],
            default_locale="en",
            signature_count=spec["confirmed"],
            texts=[
                PetitionText(
                    locale=loc,
                    title=title,
                    body=body,
                    share_text=share,
                    target=spec["targets"][loc],
                )
                for loc, (title, body, share) in spec["texts"].items()
            ],
        )
        session.add(petition)
        session.flush()
        rows = []
        for n in range(spec["confirmed"] + spec["pending"]):
            signed_at = now - timedelta(days=rng.uniform(0.5, 55))
            email = f"supporter{n}.{petition.id}@example.org"
            rows.append(
                {
                    "petition_id": petition.id,
                    "name": f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}",
                    "email": email,
                    "email_normalized": email,
                    "country": rng.choice(_COUNTRIES),
                    "locale": rng.choice(("en", "en", "fr", "es", "ar")),
                    "consent_text": DEMO_CONSENT,
                    "consented_at": signed_at,
                    "newsletter": rng.random() < 0.4,
                    "created_at": signed_at,
                    "confirmed_at": (
                        signed_at + timedelta(minutes=rng.uniform(1, 90))
                        if n < spec["confirmed"]
                        else None
                    ),
                    "emails_sent": 1,
                }
            )
        session.execute(Signature.__table__.insert(), rows)
        total += len(rows)
    session.flush()
    return f"demo content loaded: 1 campaign, {len(PETITIONS)} petitions, {total} signatures"
