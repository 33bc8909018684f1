"""The rule layer of crisis screening: the floor under the semantic layer (:mod:`bot.domain.crisis`).

Rules catch the clearest phrasings from the very first message after start-up, before the
semantic model has loaded, and whatever the model thinks.  They are deterministic and cost tens of
microseconds.

How it works
------------
1. **Normalise** (:func:`normalise`): NFKD, strip combining marks (``recaí`` -> ``recai``),
   casefold, drop apostrophes (``can't`` -> ``cant``), turn every other non-alphanumeric character
   into a space, then *squeeze* runs of a repeated letter to one (``dieeee`` -> ``die``,
   ``kill`` -> ``kil``).  Patterns are squeezed the same way when compiled, so they are written
   in ordinary spelling.
2. **Texting forms and typos**, token by token: a small table rewrites texting forms
   (``kms`` -> ``kill myself``, ``wanna`` -> ``want to``, ``od`` -> ``overdose``, ``kiero`` ->
   ``quiero``), and a fuzzy table maps any token within one edit (insertion, deletion,
   substitution or transposition) of a long key word onto it (``myslef``, ``suicidle``,
   ``sobredossis``).  The fuzzy table is precomputed, so the lookup is one dict access; real
   words that sit one edit away from a key word (``morirse``, ``matarte``) are excluded, because
   they change who is at risk.
3. **Guards mask harmless readings** before any rule runs: negated resolutions ("I would never
   kill myself", "no voy a recaer"), awareness and prevention talk ("suicide prevention",
   "overdose awareness"), and idioms ("die of embarrassment", "me muero de risa").  A guard
   replaces only its own span, so a dangerous phrase elsewhere in the same message still fires.
   Guards are narrow on purpose; a negation on its own never silences anything, which is why
   "I don't want to live anymore" and "no quiero vivir" are crises.
4. **Rules** are first-person (or "someone is overdosing right now") phrases grouped by
   category; one compiled alternation per category, searched in order of severity.  A keyword
   such as "suicide" or "overdose" inside a sentence is not a rule, which keeps third-party and
   awareness talk quiet; a message that is *only* the keyword ("overdose help", "sobredosis")
   is.  Despair phrases ("I can't go on", "no puedo más") count as suicidal thoughts, or as
   relapse distress when the message is about a relapse.

Only the category and the rule's name leave this module, never the text, so the result can be
logged.  ``tests/data/crisis_phrases.tsv`` holds the labelled phrases; ``python -m
bot.domain.crisis_eval`` prints precision and recall on them.

Known limits (why :mod:`bot.domain.crisis` adds a model): this matches phrases, it does not understand
them.  Sarcasm, long-range context
("I used to think about killing myself" is flagged), past events told as stories and languages
other than English and Spanish are beyond it; a third party's past suicide or overdose is not
flagged.  Typical messages take tens of microseconds; a 4,096-character message takes a few
milliseconds (``python -m bench.bench_crisis``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from bot.domain.crisis_kinds import CrisisCategory, CrisisSignal

# --- normalisation ---------------------------------------------------------------------------

_SQUEEZE = re.compile(r"([a-z])\1+")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_OD_D = re.compile(r"\bod['’]?(?:d|ed)\b")
_APOSTROPHES = re.compile(r"['’`´]")


def _squeeze(text: str) -> str:
    return _SQUEEZE.sub(r"\1", text)


# Texting forms, keyed by their squeezed spelling.
_TEXTING_FORMS = {
    "kms": "kill myself",
    "kys": "kill yourself",
    "wana": "want to",
    "gona": "going to",
    "gota": "got to",
    "cannot": "cant",
    "im": "i am",
    "iam": "i am",
    "ive": "i have",
    "hes": "he is",
    "shes": "she is",
    "theyre": "they are",
    "youre": "you are",
    "u": "you",
    "ur": "your",
    "od": "overdose",
    "oding": "overdosing",
    "unalive": "kill",
    "ctb": "kill myself",
    "selfharm": "self harm",
    "suicidle": "suicidal",
    "kiero": "quiero",
    "qiero": "quiero",
    "qero": "quiero",
    "q": "que",
    "k": "que",
    "xq": "porque",
    "pq": "porque",
    "toy": "estoy",
    "stoy": "estoy",
}
_TEXTING = {_squeeze(k): _squeeze(v) for k, v in _TEXTING_FORMS.items()}

# Long key words that typos are corrected towards (one edit away, squeezed spelling).
_FUZZY_KEYS = (
    "myself",
    "suicide",
    "suicidal",
    "overdose",
    "overdosed",
    "overdosing",
    "relapsed",
    "relapsing",
    "sobredosis",
    "suicidarme",
    "suicidio",
    "matarme",
    "morirme",
    "cortarme",
    "lastimarme",
    "anymore",
)
# Real words one edit from a key word: correcting them would change the meaning.
_REAL_NEIGHBOURS = frozenset(
    _squeeze(w)
    for w in (
        "himself",
        "suicides",
        "suicida",
        "suicidas",
        "relapse",
        "relapses",
        "morirse",
        "morirte",
        "matarse",
        "matarte",
        "mataron",
        "cortarse",
        "cortarte",
        "cortame",
        "suicidarse",
        "suicidarte",
        "lastimarse",
        "lastimarte",
        "overdoses",
        "suicidar",
        "matare",
        "matara",
        "matame",
        "morire",
        "morira",
    )
)
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def _one_edit(word: str) -> set[str]:
    """Every string one insertion, deletion, substitution or transposition away from *word*."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    inserts = {a + c + b for a, b in splits for c in _ALPHABET}
    return deletes | transposes | replaces | inserts


def _fuzzy_table() -> dict[str, str]:
    keys = {_squeeze(k) for k in _FUZZY_KEYS}
    table: dict[str, str] = {}
    for key in sorted(keys):
        for edited in _one_edit(key):
            variant = _squeeze(edited)
            if variant not in keys and variant not in _REAL_NEIGHBOURS and len(variant) >= 5:
                table.setdefault(variant, key)
    return table


_FUZZY = _fuzzy_table()


def _fold(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return text.casefold()


def normalise(text: str) -> str:
    """Text as the rules see it: ``" word word ... "`` in squeezed ASCII, padded with spaces."""
    text = _fold(text)
    text = _OD_D.sub(" overdosed ", text)
    text = _APOSTROPHES.sub("", text)
    tokens = [_TEXTING.get(t) or _FUZZY.get(t, t) for t in _squeeze(_NON_WORD.sub(" ", text)).split()]
    return " " + " ".join(tokens) + " "


# --- rules -----------------------------------------------------------------------------------

# Pattern macros.  Patterns contain no backslashes, so squeezing their letters is safe.  Every
# pattern is matched between spaces; ``{W}`` is one whole word with its trailing space.
W = "(?:[a-z0-9]+ )"
I_AM = "(?:i am|i m|i)"
WANT = "(?:want|wanted|wish|need|going|plan|planning|trying|try|tempted|ready|about|decided|feel like)"
WANT_DIE = "(?:want|wanted|wish|wishing|need|ready|plan|planning|trying|deserve|long|just want)"
# A message that is only a crisis word, perhaps with a plea for help: "overdose help", "sobredosis".
HELP = "(?:help |please help |ayuda |socorro |)"
HELP_AFTER = "(?: help| please| ayuda| por favor| help me| ayudame| now| ya|)"
PEOPLE = (
    "(?:partner|boyfriend|girlfriend|husband|wife|ex|dad|father|mom|mother|stepdad|stepfather|brother|"
    "sister|roomate|dealer|son|daughter|uncle|neighbor|neighbour|landlord|boss|cousin)"
)

_GUARDS: dict[str, str] = {
    "never_self": (
        f"(?:(?:would|will|could) never|(?:would|will) not|am not going to|am never going to) {W}{{0,2}}"
        "(?:kil|end|hurt|harm|cut|take) (?:myself|my life|my own life|it all)"
    ),
    "not_going_to": (
        "(?:not|never|wont|dont want to|do not want to) (?:going to |ever |)"
        "(?:relapse|use again|drink again|pick up again|overdose)"
    ),
    "not_suicidal": f"{I_AM} (?:not|no longer|not feeling) suicidal(?: anymore)?",
    "awareness": (
        "(?:suicide|overdose|self harm|relapse|crisis|naloxone|narcan) "
        "(?:prevention|awareness|hotline|lifeline|training|statistics|rates?|workshop|kit)"
    ),
    "es_awareness": (
        "(?:prevencion|concienciacion|concientizacion|taler|charla|estadisticas) "
        "(?:de|del|sobre) (?:la |el |las |los )?(?:suicidio|sobredosis|recaidas?|autolesiones)"
    ),
    "es_never": (
        "(?:no|nunca|jamas) (?:me )?(?:voy a |vamos a |)"
        "(?:quiero |)(?:recaer|suicidarme|suicidar|matarme|matar|mataria|suicidaria|hacerme dano|haria dano|"
        "cortarme|"
        "volver a (?:consumir|beber|tomar))"
    ),
    "old_relapse": (
        f"recai hace {W}{{0,2}}(?:anos|ano|meses)|cuando recai"
        f"|relapsed {W}{{0,3}}(?:years|year|months|month|decades) ago"
    ),
    "take_life_back": (
        "(?:take|taking|took) (?:my life|my own life) (?:back|in|to the next|into my own)"
        "|end my life as i knew it"
    ),
    "dye_hair": "die (?:my|her|his|our) (?:hair|beard|clothes|shirt)",
    "die_idiom": (
        "(?:die|died|dying|dead) (?:of|from) (?:embarrassment|shame|laughter|laughing|boredom|"
        "cuteness|curiosity|jealousy)"
    ),
    "es_die_idiom": (
        "(?:morirme|muero|muriendo|morir|moria|mori|muerto|muerta) (?:de|por) "
        "(?:la |)(?:risa|ganas|hambre|sueno|calor|frio|verguenza|aburrimiento|amor|ver|envidia|celos|"
        "cansancio)"
    ),
    "overdose_idiom": (
        "overdosed? on (?:coffee|caffeine|sugar|chocolate|candy|cake|netflix|tv|anime|memes|"
        "cookies|pizza|carbs)"
    ),
    "cut_accident": (
        "(?:cut|burned|burnt|hurt) myself (?:shaving|cooking|chopping|on (?:a|the|some|glass|paper)|"
        "by accident|accidentally|"
        "while|at the gym|playing|lifting|running)"
    ),
    "es_cut_hair": "(?:cortarme|me corte|me corto) (?:el pelo|el cabello|el fleco|el flequillo|las unas)",
    "hit_me_up": "(?:hit|hits) me up|beat me (?:at|in|to)|following me (?:on|back)",
}

_RELAPSE_WORDS = "(?:relapsed|relapsing|relapse|slipped up|recai|recaida|he recaido|recaer)"

_RULES: dict[CrisisCategory, dict[str, str]] = {
    CrisisCategory.OVERDOSE: {
        "overdosed_self": (
            f"{I_AM} (?:just |think i |might have |may have |have |already )?(?:overdosed|overdose)"
        ),
        "overdose_intent": f"{WANT} (?:to )?(?:overdose|overdosing|take an overdose)",
        "took_too_many": (
            f"(?:took|taken|swallowed|ate|had|took like) {W}{{0,2}}(?:too many|too much|a lot of|a bunch of|"
            f"all (?:my|of my|the)|a whole|the whole|an entire|a bottle of|whole bottle) {W}{{0,2}}"
            "(?:pills|tablets|meds|medication|xanax|oxy|fentanyl|heroin|bottle|painkilers|sleeping)"
            "|took (?:way )?too (?:many|much)(?= $)"
            f"|(?:took|taken|swallowed|took like) {W}{{0,1}}[1-9][0-9]+ "
            "(?:pills|tablets|xanax|oxy|bars|percs|painkilers|sleeping pills)"
        ),
        "took_an_overdose": (
            "(?:took|taken|had) an overdose"
            "|(?:take|taking|swallow|swallowing) (?:all|all of) my (?:pills|meds|medication|sleeping pills)"
        ),
        "someone_overdosing": (
            "(?:is|are|s|re|was) (?:overdosing|not breathing|unresponsive|turning blue)"
            "|(?:think|thinks) (?:he|she|they|my [a-z]+) (?:overdosed|overdose|is overdosing)"
            "|(?:wont|will not|cant) wake (?:him|her|them) up"
        ),
        "es_sobredosis": (
            "(?:tome|tomado|me tome|tuve|tengo|hice|creo que tengo|me meti) una sobredosis"
            "|(?:quiero|voy a|pienso) (?:tomar |tomarme |hacerme |meterme |)una sobredosis"
            "|(?:esta|estan) (?:teniendo una sobredosis|con sobredosis)"
            "|sobredosis (?:ahora|ya)"
        ),
        "es_too_many": (
            "(?:me tome|tome|me trague|trague|me meti) (?:todas las|todas mis|demasiadas|muchas|un frasco de|"
            f"toda la caja de|una caja de|un monton de) {W}{{0,1}}"
            "(?:pastillas|pildoras|medicinas|medicamentos|fentanilo|heroina|calmantes|tabletas)"
        ),
        "bare_overdose": f"(?<=^ ){HELP}(?:overdose|overdosing|sobredosis){HELP_AFTER}(?= $)",
        "just_overdosed": "(?:just|has|have) overdosed|(?:es|tiene|esta teniendo|le dio) una sobredosis",
        "es_not_breathing": "no respira|no reacciona|no (?:se )?despierta(?= $)",
    },
    CrisisCategory.SUICIDAL: {
        "kill_self": (
            "(?:kil|kiling|kiled|kils|end|ending|take|taking) (?:myself|my self|my life|my own life)"
        ),
        "suicide_intent": (
            f"(?:{WANT}|think|thinking|thought|thoughts|considering|contemplating|commit|comit|"
            "attempt|attempted|tried) (?:about |of |to |on )?(?:commiting |comit |doing |attempting )?suicide"
        ),
        "suicidal_self": (
            f"(?:{I_AM}|feel|feeling|felt|fel|get|getting|been|having|have) {W}{{0,1}}suicidal"
            "|suicidal (?:thoughts|ideation|again|urges|feelings)"
        ),
        "want_to_die": (
            f"{WANT_DIE} (?:to )?(?:die|be dead|not exist|disappear forever|stop existing|"
            "not be alive|sleep forever|disappear)"
            "|feel like dying"
            f"|wish (?:i|{I_AM}) (?:was|were|could be|would) (?:dead|never born|gone)"
            "|better of (?:dead|without me)"
            "|(?:happier|better|easier) (?:of )?(?:if|when) i (?:was|were|am|m) (?:dead|gone)"
            "|(?:world|everyone|everybody|they|family) (?:is |would be |will be |)better of without me"
        ),
        "dont_want_to_live": (
            "(?:dont|do not|no longer|didnt) (?:want|wish) to (?:live|be alive|be here anymore|exist|"
            "wake up|go on|keep living)"
            "|(?:no|dont have a|dont see a|no more|dont see the|dont see any|cant see the|cant see any) "
            "(?:reason|point) (?:to|in|of) (?:live|living|go on|being alive)"
            "|(?:life|living) (?:is not|isnt|aint|not) worth (?:living|it)"
            "|not worth living|tired of (?:living|being alive|life)"
            "|(?:sick|done) (?:of|with) (?:living|life|being alive)"
            "|never wake up|not wake up tomorow"
            "|(?:wish|hope|want) (?:i could |i would |i |to )?(?:just )?(?:not|never) wake up"
        ),
        "method": (
            "(?:hang|shoot|drown|stab|poison|gas|hanging|shooting|drowning) myself"
            "|jump (?:of|from|of of) (?:a|the|this) (?:bridge|building|roof|cliff|balcony)"
            "|(?:slit|sliting|cut|cuting) my (?:wrists|wrist|throat)|gun to my head|bulet in my head"
            "|(?:jump|step) in front of (?:a|the) (?:train|bus|car|truck)"
        ),
        "farewell": (
            "suicide note|(?:this is|writing) my (?:last|final) (?:message|goodbye|note|words)"
            "|goodbye (?:everyone|forever|world|cruel world)"
            "|(?:nobody|no one|noone) would (?:miss me|care if i|notice if i)"
        ),
        "third_party_risk": (
            "(?:wants|want|going|threatening|threatened|talking about|talked about|planning|trying) "
            "(?:to )?(?:kil|kiling|end|ending) "
            "(?:himself|herself|themselves|themself|his life|her life|their life)"
        ),
        "end_it": (
            "end it all|ending it all|ending it(?= $)"
            "|(?:going to|want to|ready to|decided to|planning to) end it"
            "(?= $| tonight| today| now| for good)"
        ),
        "es_third_party_risk": (
            "(?:quiere|quieren|va a|piensa|esta pensando en|amenaza con) "
            "(?:suicidarse|matarse|quitarse la vida)"
        ),
        "despair": (
            "(?:cant|can not) (?:go on(?! (?:the|a|an|that|this|my|our|vacation|holiday|trips?|dates?|"
            "stage|air|tv|line|online|[a-z]+day))|keep going|live like this|cope)"
            "|(?:cant|can not) (?:take it|take this|do this|handle this|handle it|do it) "
            "(?:anymore|any longer)"
            "|(?:i give up on|giving up on) (?:life|everything|living)"
        ),
        "es_morir": (
            "(?:quiero|quisiera|deseo|ganas de|prefiero) "
            "(?:morirme|morir|matarme|suicidarme|quitarme la vida|desaparecer|dejar de existir)"
            "|(?:voy a|pienso|planeo) (?:matarme|suicidarme|quitarme la vida)"
            "|me (?:quiero|voy a|gustaria) (?:morir|matar|suicidar)"
            "|(?:pienso|pensando|pense|pensar) en (?:matarme|suicidarme|morirme|quitarme la vida|el suicidio)"
            "|suicidarme|quitarme la vida|acabar con mi vida|terminar con mi vida"
        ),
        "es_no_vivir": (
            "no (?:quiero|deseo) (?:vivir|seguir viviendo|estar vivo|estar viva|estar aqui|despertar|"
            "existir|seguir aqui|seguir asi)"
            "|(?:no|ninguna) (?:tengo |hay |)(?:razon|razones|motivo|motivos|sentido) (?:para|de) "
            "(?:vivir|seguir)"
            "|(?:no vale|ya no vale) la pena (?:vivir|seguir)|(?:cansado|cansada) de vivir"
            "|(?:no tengo|sin|ya no tengo) ganas de vivir"
            "|(?:estaria|estarian|estarias) mejor (?:muerto|muerta|sin mi)"
            "|(?:ojala|quisiera) (?:estar|estuviera) (?:muerto|muerta)"
            "|(?:nadie|ninguno) me (?:extranaria|echaria de menos)"
            "|mejor (?:muerto|muerta)|(?:acabar|terminar) con todo|no le veo sentido a (?:la vida|vivir|nada)"
        ),
        "bare_suicide": f"(?<=^ ){HELP}(?:suicide|suicidal|suicidio|suicida){HELP_AFTER}(?= $)",
        "es_suicida": (
            "(?:pensamientos|ideas|ideacion) suicidas?|(?:me siento|estoy|sentirme) suicida"
            "|(?:intente|intento|intentar) suicidarme|carta de despedida"
        ),
        "es_despair": (
            "no (?:puedo|aguanto|soporto) mas|ya no (?:aguanto|soporto)"
            "|ya no puedo (?:mas|con esto|con mi vida|seguir)"
            "|no puedo seguir (?:asi|viviendo|adelante|con esto|con mi vida)"
        ),
    },
    CrisisCategory.ACUTE_DANGER: {
        "not_safe": (
            f"{I_AM} not safe|(?:dont|do not) feel safe|{I_AM} in danger"
            "|(?:afraid|scared|fear|fearing) for my life|not safe at home"
        ),
        "threatened": (
            f"(?:he|she|they|someone|somebody|my {PEOPLE}) (?:is |are |keeps |)"
            "(?:threatening|threatened|following|stalking|hurting|hitting|beating|choking|attacking) me"
            f"|(?:he|she|they|someone|somebody|my {PEOPLE}) (?:hit|beat|attacked|choked|strangled|raped|"
            "stabbed|punched|kicked) me"
        ),
        "going_to_kill_me": (
            "(?:he|she|they) (?:is |are |)"
            "(?:going to|wil|wants to|is trying to|tried to|threatened to|threatening to) "
            "(?:kil|hurt|beat|stab|shoot) me"
        ),
        "weapon": (
            "(?:has|got|pulled|holding|pointing) a (?:gun|knife|weapon)"
            "(?! (?:colection|license|licence|safe|shop|store|show|clas|range|permit))"
        ),
        "es_peligro": (
            "no estoy a salvo|no me siento (?:seguro|segura|a salvo)|estoy en peligro|temo por mi vida"
            "|(?:me|nos) (?:quiere|quieren) matar"
            "|(?:me|nos) (?:esta|estan) (?:amenazando|siguiendo|pegando|golpeando)"
            "|me (?:amenazo|amenazaron|pego|golpeo|golpearon|pegaron|ataco|atacaron|violo)"
            "|(?:el|ella|ellos|alguien) me (?:va|van) a (?:matar|lastimar|pegar)"
            "|(?:tiene|saco) (?:un|una) (?:arma|pistola|cuchillo|navaja)"
            "|tengo miedo de que me (?:mate|lastime|pegue|haga dano)"
        ),
    },
    CrisisCategory.SELF_HARM: {
        "hurt_self_intent": (
            f"(?:{WANT}|urge|urges|keep|kept|started|start|stop|thinking about|thought about) "
            "(?:to |of |)(?:hurt|harm|cut|burn|hurting|harming|cuting|burning) "
            "(?:myself|my self|my arms|my legs)"
            f"|(?:{WANT}|urge|urges) to (?:cut|burn) (?:again|tonight|so bad)"
        ),
        "hurting_self": (
            "(?:cuting|cut|burned|burnt|burning|harming|harmed|hurting|scratching) (?:myself|my arms|my legs)"
        ),
        "self_harm": (
            "self harm(?:ing)? (?:again|urges|tonight|relapse)"
            "|(?:my|i|i am|been|started|urges to|urge to|struggling with|want to|back to|relapsed on|"
            "thinking about) self harm(?:ing)?"
            "|relapsed on (?:cuting|burning|self injury)"
        ),
        "es_autolesion": (
            "(?:quiero|voy a|ganas de|necesito|pienso en) (?:cortarme|lastimarme|hacerme dano|quemarme|"
            "autolesionarme)"
            "|autolesionarme|me autolesiono|me autolesione|me (?:volvi|vuelvo|he vuelto) a cortar"
            "|me (?:he )?(?:corte|cortado|lastime|lastimado|queme|quemado) (?:otra vez|de nuevo|a proposito|"
            "los brazos|las piernas|el brazo|las munecas)"
            "|me (?:corto|lastimo|hago dano) (?:a proposito|otra vez|de nuevo|cuando)"
            "|cortarme"
        ),
    },
    CrisisCategory.RELAPSE_DISTRESS: {
        "relapsed": (
            f"{I_AM} (?:just |have |had |think i |finally |)(?:relapsed|slipped up)"
            "|relapsed (?:again|today|tonight|last night|this morning|yesterday)"
            "|(?:i|and) (?:used|drank|got high|got drunk|picked up|shot up) "
            "(?:again|today|tonight|last night|this morning|yesterday)"
            "|(?:broke|lost|threw away|blew) my (?:sobriety|clean time|clean date|sober streak)"
        ),
        "about_to_relapse": (
            "(?:going to|about to|close to|want to|scared i will|afraid i will|gona) "
            "(?:relapse|use again|drink again|pick up again)"
            "|(?:want|need) to (?:use|drink|get high|get drunk) (?:so bad|so badly|right now|tonight|again)"
            "|(?:want|need) to (?:use|drink|get high|get drunk)(?= $)"
            "|(?:cant|can not) (?:stay sober|stay clean|stop drinking|stop using)"
        ),
        "es_recai": (
            "recai|he recaido|tuve una recaida"
            "|volvi a (?:consumir|beber|tomar|usar|drogarme|caer|inyectarme)"
            "|(?:perdi|tire) (?:mi|toda mi) (?:sobriedad|tiempo limpio)"
            "|(?:voy a|estoy por|estoy a punto de|quiero|tengo ganas de) (?:recaer|consumir|drogarme)"
            "|quiero volver a (?:beber|consumir|tomar)"
            "|no puedo (?:dejar de (?:beber|consumir|tomar)|mantenerme (?:sobrio|sobria|limpio|limpia))"
        ),
    },
}

# Despair rules point at relapse distress when the message is about a relapse.
_DESPAIR_RULES = frozenset({"despair", "es_despair"})


def _compile(alternatives: dict[str, str]) -> re.Pattern[str]:
    """One alternation, each rule a named group, matched between spaces."""
    parts = []
    for name, pattern in alternatives.items():
        if "\\" in pattern:
            raise ValueError(f"crisis pattern {name!r} must not contain backslashes")
        parts.append(f"(?P<{name}>{_squeeze(pattern)})")
    # A leading literal space (rather than a lookbehind) lets the engine skip to word starts.
    return re.compile(" (?:" + "|".join(parts) + ")(?= )")


# Compiled at import: a malformed pattern fails start-up, not the first message.
_GUARD_RE = _compile(_GUARDS)
_RULE_RES = tuple((category, _compile(rules)) for category, rules in _RULES.items())
_RELAPSE_RE = _compile({"relapse": _RELAPSE_WORDS})


def rule_names() -> frozenset[str]:
    """Every rule's name (tests check that each one is exercised by the phrase set)."""
    return frozenset(name for rules in _RULES.values() for name in rules)


@functools.lru_cache(maxsize=1)
def guarded(text: str) -> str:
    """The normalised text with every harmless reading the guards know masked out; the rules and
    the model's n-grams both read this (so the latest text's is kept: each message is guarded once,
    not once per reader; only one, so no one's words stay in memory past the next message)."""
    return _GUARD_RE.sub(" |", normalise(text))


def match_rules(text: str) -> CrisisSignal | None:
    """The first rule (most severe category first) that *text* matches, in every language we speak:
    people switch languages mid-conversation."""
    normal = guarded(text)
    for category, pattern in _RULE_RES:
        match = pattern.search(normal)
        if match is None:
            continue
        rule = match.lastgroup or category.value
        if rule in _DESPAIR_RULES and _RELAPSE_RE.search(normal):
            return CrisisSignal(CrisisCategory.RELAPSE_DISTRESS, rule)
        return CrisisSignal(category, rule)
    return None
