"""Demo statements: urgent interventions, joint statements, letters, reports and news.

Modelled on the kinds of text a human-rights organisation publishes beside its campaigns; the
organisations and events are illustrative. Loaded by campaign.demo.campaigns.load_demo; a
statement whose slug exists already is left alone, so loading twice changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from campaign.models import (
    Campaign,
    Petition,
    Statement,
    StatementCountry,
    StatementEndorsement,
    StatementSignatory,
    StatementText,
    StatementTopic,
    utcnow,
)
from campaign.statements.messages import endorsement_consent_text

CAMPAIGN_SLUG = "humans-against-torture"

STATEMENTS = [
    {
        "slug": "russia-arson-human-rights-centre-nazran",
        "kind": "urgent_intervention",
        "days_ago": 3,
        "countries": ["RU"],
        "topics": ["human-rights-defenders"],
        "campaign": True,
        "petitions": ["protect-human-rights-defenders"],
        "texts": {
            "en": (
                "Arson attack on the office of a human rights centre in Nazran, Ingushetia",
                "Unknown people set fire to the office of a human rights centre in Nazran during "
                "the night, destroying half of its rooms and the files they held.",
                "We have learnt from reliable sources that the office of a human rights centre "
                "in **Nazran**, Ingushetia, was set on fire during the night. Three of its six "
                "rooms were destroyed, together with case files on disappearances and torture in "
                "the North Caucasus.\n\nThe attack follows months of threats against the centre's "
                "staff, none of which was investigated.\n\nWe urge the authorities to:\n\n"
                "- open a prompt, thorough and impartial investigation into the arson;\n"
                "- guarantee the physical safety of the centre's staff;\n"
                "- end all harassment of human rights defenders in the region.",
            ),
            "fr": (
                "Incendie criminel des bureaux d’un centre des droits humains à Nazran, Ingouchie",
                "Des inconnus ont mis le feu aux bureaux d’un centre des droits humains à Nazran "
                "pendant la nuit, détruisant la moitié des pièces et les dossiers qu’elles "
                "contenaient.",
                "Nous avons appris de sources fiables que les bureaux d’un centre des droits "
                "humains à **Nazran**, en Ingouchie, ont été incendiés pendant la nuit. Trois des "
                "six pièces ont été détruites, ainsi que des dossiers sur des disparitions et des "
                "actes de torture dans le Caucase du Nord.\n\nNous demandons aux autorités "
                "d’ouvrir une enquête rapide, approfondie et impartiale, et de garantir la "
                "sécurité du personnel du centre.",
            ),
        },
    },
    {
        "slug": "mexico-campana-ataques-organizacion-oaxaca",
        "kind": "urgent_intervention",
        "days_ago": 4,
        "countries": ["MX"],
        "topics": ["human-rights-defenders", "womens-rights"],
        "texts": {
            "es": (
                "Campaña sistemática de ataques contra una organización de mujeres defensoras en "
                "Oaxaca",
                "Una organización que acompaña a mujeres defensoras en Oaxaca sufre desde hace "
                "semanas amenazas, vigilancia y campañas de desprestigio.",
                "Hemos sido informados de una campaña sistemática de ataques contra una "
                "organización que acompaña a mujeres defensoras de derechos humanos en "
                "**Oaxaca**. Sus integrantes han recibido amenazas de muerte, han sido vigiladas "
                "y han visto difundidas en redes sociales acusaciones falsas contra su "
                "trabajo.\n\nPedimos a las autoridades mexicanas que garanticen su integridad "
                "física y psicológica, que investiguen los hechos y que reconozcan públicamente "
                "la legitimidad de su labor.",
            ),
        },
    },
    {
        "slug": "rdc-enlevement-defenseurs-mouvements-citoyens",
        "kind": "urgent_intervention",
        "days_ago": 8,
        "countries": ["CD"],
        "topics": ["human-rights-defenders"],
        "petitions": ["protect-human-rights-defenders"],
        "texts": {
            "fr": (
                "Enlèvement et détention arbitraire de huit défenseurs de mouvements citoyens, "
                "et libération provisoire de trois d’entre eux",
                "Huit membres de mouvements citoyens ont été enlevés à Kinshasa et détenus sans "
                "base légale ; trois ont été libérés à titre provisoire.",
                "Huit défenseurs appartenant à deux mouvements citoyens ont été enlevés à "
                "**Kinshasa** par des agents en civil, puis détenus au secret pendant plusieurs "
                "jours. Trois d’entre eux ont été libérés à titre provisoire ; les cinq autres "
                "restent détenus sans avoir vu d’avocat.\n\nNous demandons leur libération "
                "immédiate et inconditionnelle, la fin de toute poursuite liée à leurs activités "
                "pacifiques, et une enquête sur les mauvais traitements qu’ils disent avoir "
                "subis.",
            ),
        },
    },
    {
        "slug": "colombia-amenazas-defensores-valle-del-cauca",
        "kind": "urgent_intervention",
        "days_ago": 11,
        "countries": ["CO"],
        "topics": ["human-rights-defenders"],
        "texts": {
            "es": (
                "Amenazas de muerte contra personas defensoras y sindicalistas en el Valle del "
                "Cauca",
                "Un panfleto firmado por un grupo paramilitar declara «objetivo militar» a "
                "diecisiete personas y organizaciones sociales, sindicales y de derechos humanos.",
                "Un panfleto distribuido en varios municipios del **Valle del Cauca** declara "
                "«objetivo militar» a diecisiete personas defensoras, líderes sindicales y "
                "organizaciones sociales, y les da un plazo para abandonar la región.\n\nInstamos "
                "a las autoridades colombianas a adoptar medidas de protección eficaces y "
                "concertadas con las personas amenazadas, y a investigar y desmantelar las "
                "estructuras que están detrás de estas amenazas.",
            ),
        },
    },
    {
        "slug": "mexico-parlamentarios-europeos-guerrero",
        "kind": "urgent_intervention",
        "days_ago": 16,
        "countries": ["MX"],
        "topics": ["human-rights-defenders"],
        "texts": {
            "es": (
                "Parlamentarios europeos alertan sobre la situación de las personas defensoras "
                "en Guerrero",
                "Un grupo de diputados europeos pide a México proteger a quienes defienden los "
                "derechos humanos en Guerrero, uno de los estados más peligrosos para ellos.",
                "Tras una visita a **Guerrero**, un grupo de parlamentarios europeos ha dado la "
                "voz de alarma sobre los asesinatos, desapariciones y amenazas que sufren las "
                "personas defensoras en el estado.\n\nSe suman así a nuestro llamado para que el "
                "mecanismo federal de protección cuente con recursos suficientes y actúe con "
                "rapidez.",
            ),
            "en": (
                "European parliamentarians raise the alarm over human rights defenders in Guerrero",
                "Members of the European Parliament call on Mexico to protect those who defend "
                "human rights in Guerrero, one of the most dangerous states for them.",
                "After a visit to **Guerrero**, a group of members of the European Parliament "
                "raised the alarm over the killings, disappearances and threats that human "
                "rights defenders face in the state.\n\nThey join our call for the federal "
                "protection mechanism to be given the resources it needs, and to act quickly.",
            ),
        },
    },
    {
        "slug": "committee-against-torture-e-bulletin",
        "kind": "news",
        "days_ago": 23,
        "countries": [],
        "topics": ["monitoring-protection-mechanisms"],
        "texts": {
            "en": (
                "E-bulletin on the latest session of the UN Committee against Torture",
                "Our bulletin summarises the State reports the Committee considered, the "
                "questions it asked and what civil society brought to its attention.",
                "The e-bulletin on the latest session of the **UN Committee against Torture** is "
                "out. During four weeks the Committee examined the reports of eight States, "
                "heard from national and international organisations, and adopted its "
                "concluding observations.\n\nThe bulletin sums up, State by State, the main "
                "concerns and recommendations, so that organisations on the ground can follow "
                "them up.",
            ),
            "fr": (
                "Bulletin électronique sur la dernière session du Comité contre la torture",
                "Notre bulletin résume les rapports étatiques examinés par le Comité, les "
                "questions posées et les informations apportées par la société civile.",
                "Le bulletin électronique sur la dernière session du **Comité contre la torture** "
                "des Nations unies est paru. Pendant quatre semaines, le Comité a examiné les "
                "rapports de huit États, entendu les organisations nationales et "
                "internationales, et adopté ses observations finales.\n\nLe bulletin présente, "
                "État par État, les principales préoccupations et recommandations, afin que les "
                "organisations de terrain puissent en assurer le suivi.",
            ),
        },
    },
    {
        "slug": "annual-human-rights-report-partner",
        "kind": "report",
        "days_ago": 29,
        "countries": [],
        "topics": ["human-rights-defenders"],
        "texts": {
            "en": (
                "Annual human rights report: documenting abuses despite harassment",
                "A member organisation of our network publishes its annual report, analysing "
                "abuses against international standards despite constant threats to its "
                "existence.",
                "One of the member organisations of our network has released its **annual human "
                "rights report**. It documents arbitrary detention, torture and ill-treatment, "
                "and measures each incident against international standards.\n\nThe report was "
                "written while the organisation itself was harassed and threatened with "
                "closure. Its publication is an act of courage that deserves to be read.",
            ),
        },
    },
    {
        "slug": "mexico-coalition-observatory-impunity",
        "kind": "statement",
        "days_ago": 38,
        "countries": ["MX"],
        "topics": ["monitoring-protection-mechanisms"],
        "campaign": True,
        "petitions": ["end-impunity-for-torture"],
        "texts": {
            "en": (
                "International organisations form a coalition to watch impunity in Mexico",
                "After the approval of the Internal Security Law, ten international "
                "organisations create an observatory to document the human rights situation in "
                "Mexico.",
                "The approval of the **Internal Security Law** marks a turning point for a "
                "country already living with unprecedented violence. In response, ten "
                "international organisations committed to human rights and the rule of law ask "
                "the President to veto the law.\n\nThey also announce an international "
                "observatory on Mexico, which will document the human rights situation and the "
                "impunity that lets torture and disappearances continue.",
            ),
            "es": (
                "Organizaciones internacionales forman una coalición para vigilar la impunidad "
                "en México",
                "Tras la aprobación de la Ley de Seguridad Interior, diez organizaciones "
                "internacionales crean un observatorio sobre la situación de derechos humanos en "
                "México.",
                "La aprobación de la **Ley de Seguridad Interior** marca un punto de inflexión "
                "para un país que ya vive niveles de violencia sin precedentes. En respuesta, "
                "diez organizaciones internacionales piden al Presidente que vete la ley.\n\n"
                "Anuncian además un observatorio internacional sobre México, que documentará la "
                "situación de derechos humanos y la impunidad que permite que la tortura y las "
                "desapariciones continúen.",
            ),
        },
    },
    {
        "slug": "eu-mexico-trade-agreement-impact-assessment",
        "kind": "joint_statement",
        "days_ago": 40,
        "countries": ["EU", "MX"],
        "topics": ["monitoring-protection-mechanisms", "economic-social-cultural-rights"],
        "campaign": True,
        "open_for_endorsement": True,
        "signatories": [
            ("European Network for Rights in Trade", "BE", "https://example.org/enrt"),
            ("Coordinadora de Derechos Humanos Norte-Sur", "ES", None),
            ("Plateforme Droits et Commerce", "FR", "https://example.org/pdc"),
            ("Netzwerk Menschenrechte Mexiko", "DE", None),
            ("Red Mexicana de Defensoría Comunitaria", "MX", "https://example.org/rmdc"),
        ],
        # Organisations asking to sign, for the staff's endorsements page: two confirmed their
        # address and wait for approval, one has not confirmed it yet.
        "endorsements": [
            (
                "Observatorio Ciudadano de Comercio Justo",
                "MX",
                "https://example.org/occj",
                "contacto@occj.example.org",
                True,
            ),
            ("Trade Justice Network Ireland", "IE", None, "office@tjni.example.org", True),
            (
                "Association pour les droits humains au Mexique",
                "FR",
                None,
                "contact@adhm.example.org",
                False,
            ),
        ],  # fmt: skip
        "texts": {
            "en": (
                "Joint statement by European NGOs: no EU trade agreement with Mexico without a "
                "prior human rights impact assessment",
                "Without assessing human rights risks before it negotiates, the European "
                "Commission cannot meet its own treaty obligations in its trade relations.",
                "If the European Commission keeps its negotiating timetable, the results of the "
                "consultations and of the sustainability impact assessment will come too late "
                "to influence the agreement.\n\nWithout a **prior assessment of human rights "
                "risks**, the Commission lacks the evidence it needs to respect and promote "
                "human rights in its external trade relations, as the European treaties "
                "require.\n\nWe, the undersigned organisations, ask the Commission to:\n\n"
                "1. complete the impact assessment before concluding the negotiations;\n"
                "2. consult Mexican civil society, including human rights defenders;\n"
                "3. include binding human rights clauses in the agreement.\n\nOrganisations "
                "that share these concerns can endorse this statement below.",
            ),
            "es": (
                "Declaración conjunta de ONG europeas: ningún acuerdo comercial UE-México sin "
                "una evaluación previa de impacto en derechos humanos",
                "Sin evaluar los riesgos para los derechos humanos antes de negociar, la "
                "Comisión Europea no puede cumplir sus propias obligaciones en sus relaciones "
                "comerciales.",
                "Si la Comisión Europea mantiene su calendario de negociación, los resultados de "
                "las consultas y de la evaluación de impacto llegarán demasiado tarde para "
                "influir en el acuerdo.\n\nSin una **evaluación previa de los riesgos para los "
                "derechos humanos**, la Comisión carece de la base necesaria para respetar y "
                "promover los derechos humanos en sus relaciones comerciales, como exigen los "
                "tratados europeos.",
            ),
            "fr": (
                "Déclaration commune d’ONG européennes : pas d’accord commercial UE-Mexique sans "
                "étude d’impact préalable sur les droits humains",
                "Sans évaluer les risques pour les droits humains avant de négocier, la "
                "Commission européenne ne peut respecter ses propres obligations commerciales.",
                "Si la Commission européenne maintient son calendrier de négociation, les "
                "résultats des consultations et de l’étude d’impact arriveront trop tard pour "
                "peser sur l’accord.\n\nSans **évaluation préalable des risques pour les droits "
                "humains**, la Commission ne dispose pas de la base nécessaire pour respecter et "
                "promouvoir les droits humains dans ses relations commerciales, comme l’exigent "
                "les traités européens.",
            ),
        },
    },
    {
        "slug": "lao-pdr-ngos-call-repeal-decree-associations",
        "kind": "joint_statement",
        "days_ago": 45,
        "countries": ["LA"],
        "topics": ["human-rights-defenders"],
        "signatories": [
            ("Asian Forum for Civic Space", "TH", "https://example.org/afcs"),
            ("International Jurists for Rights", "CH", None),
            ("Mekong Human Rights Watchers", "KH", None),
            ("Parliamentarians for Human Rights in South-East Asia", "ID", None),
            ("Centre for Civil and Political Rights Advocacy", "CH", None),
            ("Global Association Freedom Network", "GB", "https://example.org/gafn"),
            ("Regional Human Rights Service", "MY", None),
            ("Federation of Rights Leagues", "FR", None),
            ("World Coalition Against Torture (demo)", "CH", None),
        ],
        "texts": {
            "en": (
                "Nine NGOs call for the repeal of the decree on associations",
                "Nine organisations express deep alarm at a decree that puts every association "
                "under the control of the authorities and criminalises unregistered groups.",
                "Nine non-governmental organisations express deep alarm at the entry into force "
                "of the **decree on associations** in the Lao People’s Democratic Republic.\n\n"
                "The decree requires associations to obtain approval for their activities, their "
                "funding and even their statements, and punishes those that operate without "
                "registration. It is incompatible with the rights to freedom of association and "
                "of expression.\n\nWe call on the Government to repeal the decree and to "
                "consult civil society on any new rules.",
            ),
            "fr": (
                "Neuf ONG demandent l’abrogation du décret sur les associations",
                "Neuf organisations s’alarment d’un décret qui place toute association sous le "
                "contrôle des autorités et criminalise les groupes non enregistrés.",
                "Neuf organisations non gouvernementales expriment leur vive inquiétude face à "
                "l’entrée en vigueur du **décret sur les associations** en République "
                "démocratique populaire lao.\n\nLe décret soumet à autorisation les activités, "
                "les financements et même les déclarations des associations. Il est "
                "incompatible avec les libertés d’association et d’expression.\n\nNous appelons "
                "le gouvernement à abroger ce décret.",
            ),
        },
    },
    {
        "slug": "honduras-uso-fuerza-detenciones-instalaciones-militares",
        "kind": "statement",
        "days_ago": 52,
        "countries": ["HN"],
        "topics": ["monitoring-protection-mechanisms", "urgent-campaigns"],
        "campaign": True,
        "petitions": ["end-impunity-for-torture"],
        "texts": {
            "es": (
                "Condenamos el uso de armas de fuego contra la población civil y las detenciones "
                "en instalaciones militares",
                "Tras las protestas postelectorales, denunciamos el uso excesivo de la fuerza, "
                "las detenciones arbitrarias y la privación de libertad en cuarteles.",
                "Desde el inicio de las protestas postelectorales en **Honduras**, hemos "
                "documentado el uso de armas de fuego contra manifestantes, detenciones "
                "arbitrarias masivas y el traslado de personas detenidas a instalaciones "
                "militares, donde corren un riesgo elevado de sufrir tortura.\n\nExigimos que "
                "cese de inmediato el uso de la fuerza letal, que toda persona detenida sea "
                "llevada ante un juez y que se investiguen las denuncias de malos tratos.",
            ),
        },
    },
    {
        "slug": "mexico-congress-reject-internal-security-law",
        "kind": "statement",
        "days_ago": 58,
        "countries": ["MX"],
        "topics": ["monitoring-protection-mechanisms", "urgent-campaigns"],
        "texts": {
            "en": (
                "Congress should reject a law that would normalise the armed forces’ role in "
                "public security",
                "Lawmakers are rushing a law that would make the armed forces’ participation in "
                "policing permanent, against the advice of human rights and security experts.",
                "In recent days the Mexican Congress has rushed its discussion of the "
                "**Internal Security Law**, which would make the participation of the armed "
                "forces in public security tasks permanent.\n\nCivil society organisations, "
                "human rights bodies and security experts have documented that militarised "
                "policing has coincided with a rise in torture, extrajudicial executions and "
                "disappearances. We ask Congress to reject the law.",
            ),
            "es": (
                "El Congreso debe rechazar una ley que normalizaría el papel de las Fuerzas "
                "Armadas en la seguridad pública",
                "Los legisladores aceleran una ley que haría permanente la participación de las "
                "Fuerzas Armadas en tareas policiales, en contra de la opinión de expertos.",
                "En los últimos días, el Congreso mexicano ha acelerado la discusión de la **Ley "
                "de Seguridad Interior**, que haría permanente la participación de las Fuerzas "
                "Armadas en tareas de seguridad pública.\n\nLa militarización de la seguridad ha "
                "coincidido con un aumento de la tortura, las ejecuciones extrajudiciales y las "
                "desapariciones. Pedimos al Congreso que rechace la ley.",
            ),
        },
    },
    {
        "slug": "egypt-open-letter-high-commissioner-freedom-expression",
        "kind": "open_letter",
        "days_ago": 66,
        "countries": ["EG"],
        "topics": ["economic-social-cultural-rights", "human-rights-defenders"],
        "campaign": True,
        "texts": {
            "en": (
                "Joint open letter to the UN High Commissioner for Human Rights: condemn the "
                "crackdown on freedom of expression",
                "We urge the High Commissioner to condemn publicly the violations of the rights "
                "to freedom of opinion, expression, association and peaceful assembly in Egypt.",
                "Given the extreme gravity of the abuses committed in **Egypt**, we urge you to "
                "condemn publicly and strongly the violations of the rights to freedom of "
                "opinion, expression, association and peaceful assembly, and the attacks on the "
                "liberty and integrity of Egyptian citizens.\n\nWe ask you to call on the "
                "authorities to end these violations, to release those detained for exercising "
                "their rights, and to set up the prevention and accountability mechanisms that "
                "would stop them from happening again.",
            ),
            "fr": (
                "Lettre ouverte commune à la Haute-Commissaire aux droits de l’homme : condamner "
                "la répression de la liberté d’expression",
                "Nous demandons à la Haute-Commissaire de condamner publiquement les violations "
                "des libertés d’opinion, d’expression, d’association et de réunion en Égypte.",
                "Au vu de l’extrême gravité des violations commises en **Égypte**, nous vous "
                "demandons de condamner publiquement et fermement les atteintes aux libertés "
                "d’opinion, d’expression, d’association et de réunion pacifique.\n\nNous vous "
                "prions d’appeler les autorités à mettre fin à ces violations et à libérer les "
                "personnes détenues pour avoir exercé leurs droits.",
            ),
        },
    },
    {
        "slug": "children-in-detention-never-in-isolation",
        "kind": "statement",
        "days_ago": 79,
        "countries": ["MX", "CO"],
        "topics": ["childrens-rights", "torture-prevention"],
        "campaign": True,
        "texts": {
            "en": (
                "Children in detention must never be held in isolation",
                "Solitary confinement of children is a form of cruel, inhuman or degrading "
                "treatment. We ask States to ban it in law and in practice.",
                "Children deprived of liberty are still held in isolation cells, sometimes for "
                "weeks. The harm is lasting: anxiety, depression, self-harm.\n\nInternational "
                "standards are clear: **solitary confinement of children is prohibited**. We ask "
                "States to ban it in law, to monitor places where children are detained, and to "
                "prefer alternatives to detention in every case.",
            ),
            "es": (
                "Las niñas y los niños detenidos nunca deben estar aislados",
                "El aislamiento de menores es un trato cruel, inhumano o degradante. Pedimos a "
                "los Estados que lo prohíban en la ley y en la práctica.",
                "Niñas y niños privados de libertad siguen siendo recluidos en celdas de "
                "aislamiento, a veces durante semanas. El daño es duradero: ansiedad, depresión, "
                "autolesiones.\n\nLas normas internacionales son claras: **el aislamiento de "
                "menores está prohibido**. Pedimos a los Estados que lo prohíban por ley y que "
                "prefieran siempre las alternativas a la detención.",
            ),
            "fr": (
                "Les enfants détenus ne doivent jamais être placés à l’isolement",
                "L’isolement des enfants est un traitement cruel, inhumain ou dégradant. Nous "
                "demandons aux États de l’interdire en droit et en pratique.",
                "Des enfants privés de liberté sont encore placés à l’isolement, parfois pendant "
                "des semaines. Les séquelles sont durables : anxiété, dépression, "
                "automutilation.\n\nLes normes internationales sont claires : **l’isolement des "
                "enfants est interdit**. Nous demandons aux États de l’interdire dans la loi et "
                "de toujours privilégier les alternatives à la détention.",
            ),
        },
    },
    {
        "slug": "rdc-violences-sexuelles-en-detention",
        "kind": "news",
        "days_ago": 93,
        "countries": ["CD"],
        "topics": ["womens-rights", "torture-prevention"],
        "texts": {
            "fr": (
                "Violences sexuelles en détention : des survivantes témoignent",
                "Des femmes détenues dans l’est du pays décrivent les violences sexuelles subies "
                "pendant leurs interrogatoires. Nous accompagnons leurs plaintes.",
                "Avec nos partenaires locaux, nous avons recueilli les témoignages de femmes "
                "détenues dans l’est de la **République démocratique du Congo**. Plusieurs "
                "décrivent des violences sexuelles subies pendant leurs interrogatoires, "
                "constitutives de torture.\n\nNous accompagnons leurs plaintes et demandons que "
                "les responsables soient poursuivis et que les survivantes reçoivent soins et "
                "réparation.",
            ),
            "en": (
                "Sexual violence in detention: survivors speak out",
                "Women detained in the east of the country describe the sexual violence they "
                "suffered during interrogation. We support their complaints.",
                "With our local partners we gathered the testimonies of women detained in the "
                "east of the **Democratic Republic of the Congo**. Several describe sexual "
                "violence during interrogation that amounts to torture.\n\nWe support their "
                "complaints and ask that those responsible be prosecuted and that survivors "
                "receive care and redress.",
            ),
        },
    },
    {
        "slug": "statement-expert-conference-torture-prevention",
        "kind": "statement",
        "days_ago": 101,
        "countries": [],
        "topics": ["torture-prevention", "monitoring-protection-mechanisms"],
        "campaign": True,
        "petitions": ["end-impunity-for-torture"],
        "texts": {
            "en": (
                "Statement following the high-level expert conference on torture prevention",
                "Experts and States agreed that safeguards in the first hours of police custody "
                "are the most effective way to prevent torture.",
                "The high-level expert conference on torture prevention ended with a shared "
                "conclusion: **the first hours of police custody** are when people are most at "
                "risk, and when simple safeguards work best.\n\nAccess to a lawyer, notification "
                "of a relative, an independent medical examination and the recording of "
                "interrogations prevent torture. We call on every State to guarantee them in law "
                "and in practice.",
            ),
            "fr": (
                "Déclaration à l’issue de la conférence d’experts sur la prévention de la torture",
                "Experts et États s’accordent : les garanties des premières heures de garde à vue "
                "sont le moyen le plus efficace de prévenir la torture.",
                "La conférence d’experts sur la prévention de la torture s’est achevée sur une "
                "conclusion partagée : c’est **pendant les premières heures de garde à vue** que "
                "le risque est le plus grand, et que des garanties simples sont les plus "
                "efficaces.\n\nAccès à un avocat, information d’un proche, examen médical "
                "indépendant et enregistrement des interrogatoires : nous demandons à chaque "
                "État de les garantir.",
            ),
            "es": (
                "Declaración tras la conferencia de expertos sobre la prevención de la tortura",
                "Expertos y Estados coinciden: las salvaguardias de las primeras horas de "
                "custodia policial son la forma más eficaz de prevenir la tortura.",
                "La conferencia de expertos sobre la prevención de la tortura terminó con una "
                "conclusión compartida: **las primeras horas de custodia policial** son el "
                "momento de mayor riesgo, y cuando las salvaguardias sencillas funcionan "
                "mejor.\n\nAcceso a un abogado, aviso a un familiar, examen médico independiente "
                "y grabación de los interrogatorios: pedimos a todos los Estados que los "
                "garanticen.",
            ),
        },
    },
]


def load_demo_statements(session: Session) -> str:
    """Create the demo statements that are missing; return a summary."""
    existing = set(session.scalars(select(Statement.slug)))
    campaign = session.scalar(select(Campaign).where(Campaign.slug == CAMPAIGN_SLUG))
    petitions = {p.slug: p for p in session.scalars(select(Petition))}
    today = utcnow().date()
    created = 0
    for spec in STATEMENTS:
        if spec["slug"] in existing:
            continue
        statement = Statement(
            slug=spec["slug"],
            kind=spec["kind"],
            status="published",
            published_on=today - timedelta(days=spec["days_ago"]),
            default_locale=next(iter(spec["texts"])),
            open_for_endorsement=spec.get("open_for_endorsement", False),
            texts=[
                StatementText(locale=loc, title=title, excerpt=excerpt, body=body)
                for loc, (title, excerpt, body) in spec["texts"].items()
            ],
            countries=[StatementCountry(country=code) for code in spec["countries"]],
            topics=[StatementTopic(topic=slug) for slug in spec["topics"]],
            signatories=[
                StatementSignatory(position=n, name=name, country=country, website=website)
                for n, (name, country, website) in enumerate(spec.get("signatories", []))
            ],
            campaigns=[campaign] if spec.get("campaign") and campaign else [],
            petitions=[petitions[s] for s in spec.get("petitions", []) if s in petitions],
        )
        session.add(statement)
        _add_endorsements(session, statement, spec.get("endorsements", []))
        created += 1
    session.flush()
    return f"{created} statements loaded" if created else "demo statements already present"


def _add_endorsements(session: Session, statement: Statement, endorsements: list) -> None:
    consent = endorsement_consent_text(current_app.config["ORGANISATION_NAME"])
    asked = utcnow() - timedelta(days=2)
    for organisation, country, website, email, confirmed in endorsements:
        session.add(
            StatementEndorsement(
                statement=statement,
                organisation=organisation,
                country=country,
                website=website,
                contact_email=email,
                email_normalized=email,
                locale="en",
                consent_text=consent,
                consented_at=asked,
                created_at=asked,
                confirmed_at=asked + timedelta(minutes=20) if confirmed else None,
                emails_sent=1,
            )
        )
