"""A synthetic content folder shaped like the real one, for the benchmarks.

`generate(root, briefs=10_000, terms=2_000)` writes `root/briefs/<id>.yml` (one
brief a file) and the glossary in `root/glossary.yml` and `root/glossary/*.yml`, all
valid for the real loader. Lengths follow the seed page: titles of 5-13 words, a
summary paragraph of about 120-150 words, 3-7 "In brief" points of 13-25 words, 3-8
glossary terms and 2-5 tags each. Words are drawn from a Zipf-like distribution over
a vocabulary of real AI-policy words followed by a long tail of made-up ones, so a
few words are in most briefs and most words in few, as in real text. The same seed
always gives the same files.

    python -m bench.generate DIR [--briefs N] [--terms N]
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import random
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SEED = 20260101

DOMAIN_WORDS = """
ai model models safety policy research researchers alignment risk risks governance
frontier training data compute chips export controls security national china
regulation regulators law act eu commission congress senate bill rules oversight
audit audits evaluation evaluations benchmark benchmarks capability capabilities
misalignment interpretability features superposition sparse autoencoders neurons
circuits agents agent autonomy deployment release open weights weights distillation
labs lab developers companies industry startup startups investment funding market
markets economy jobs labour workers automation productivity energy power datacenter
datacenters cluster clusters gpu gpus semiconductor semiconductors supply chain
moratorium pause treaty summit standards standard framework frameworks guidance
liability copyright privacy surveillance biometric facial recognition election
elections misinformation deepfakes deepfake content moderation platform platforms
cyber cyberattack attacks vulnerability vulnerabilities red teaming jailbreak
jailbreaks prompt injection robustness adversarial reward hacking specification
gaming deception deceptive scheming sandbagging oversight monitoring control
verification formal proofs proof rocq interaction trees operator modules properties
transparency accountability fairness bias discrimination harms harm incident
incidents reporting disclosure whistleblower whistleblowers emulation brain whole
agi superintelligence existential catastrophic biosecurity pathogen chemical weapons
nuclear military defence defense warfare autonomous drones intelligence espionage
talent immigration visas universities academia science scientific discovery
medicine health hospitals diagnosis education schools students teachers children
language translation speech vision multimodal robotics robots reasoning planning
memory context tokens inference latency efficiency scaling laws pretraining
finetuning fine tuning reinforcement learning feedback human preferences constitution
charter mission nonprofit board governance shareholders antitrust competition
monopoly concentration cloud providers partnership partnerships licensing contracts
procurement government agencies agency department ministry minister president
parliament court courts lawsuit ruling judge settlement fines penalties enforcement
sandbox sandboxes pilot trial trials study studies paper report reports survey
public opinion trust adoption usage consumers users customers businesses enterprises
""".split()  # noqa: SIM905 (a word list reads better as text)

COMMON_WORDS = """
new says warns calls plans push shift debate race rise fall gap gaps push pressure
global world international local national federal state states country countries
first major key critical growing rising emerging urgent hidden early late future
year years month months week decade decades today tomorrow recent latest next
could would might must should will may can need needs help helps build builds make
makes show shows find finds reveal reveals raise raises cut cuts boost boosts slow
slows speed speeds limit limits open opens close closes test tests track tracks
experts officials leaders critics advocates analysts investors engineers scientists
group groups team teams network networks system systems tool tools approach method
methods technique techniques way ways plan plans goal goals case cases question
questions answer answers problem problems challenge challenges issue issues step
steps effort efforts progress impact impacts effect effects cost costs price prices
value values benefit benefits threat threats concern concerns fear fears hope hopes
change changes trend trends signal signals lesson lessons view views voice voices
""".split()  # noqa: SIM905 (a word list reads better as text)

STOPWORDS = """
the of and to in for on with as by at from that this is are be its their over about
""".split()  # noqa: SIM905 (a word list reads better as text)

SYLLABLES = """
ba be bi bo bu da de di do du fa fe fi fo ga ge gi go ka ke ki ko la le li lo lu ma me
mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va
ve vi vo za ze zi zo tra tre tri tro pla ple pli plo cla cle cli clo stra stre stri
ven vor lin lar mor mon tan ten tin ton dex dax nex rix sol sul cor cas cen
""".split()  # noqa: SIM905 (a word list reads better as text)

TAGS_COUNT = 150
GLOSSARY_FILE_TERMS = 250


@dataclass(frozen=True)
class Generated:
    """What was written, for the benchmarks to build queries from."""

    root: Path
    ids: tuple[str, ...]
    titles: tuple[str, ...]
    terms: tuple[str, ...]


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words = list(dict.fromkeys(DOMAIN_WORDS + COMMON_WORDS))
    seen = set(words) | set(STOPWORDS)
    while len(words) < size:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class _Zipf:
    """Draws words with probability proportional to 1 / (rank + offset)."""

    def __init__(self, words: list[str], rng: random.Random, offset: float = 2.7) -> None:
        self.words = words
        self.rng = rng
        self.cumulative = list(itertools.accumulate(1.0 / (r + offset) for r in range(len(words))))

    def draw(self) -> str:
        x = self.rng.random() * self.cumulative[-1]
        return self.words[bisect.bisect_left(self.cumulative, x)]

    def many(self, n: int) -> list[str]:
        return [self.draw() for _ in range(n)]


def _sentence(zipf: _Zipf, rng: random.Random, n: int) -> str:
    out: list[str] = []
    for word in zipf.many(n):
        out.append(word)
        if rng.random() < 0.35:
            out.append(rng.choice(STOPWORDS))
    text = " ".join(out)
    return text[0].upper() + text[1:] + "."


def _title(zipf: _Zipf, rng: random.Random) -> str:
    words = zipf.many(rng.randint(5, 11))
    for i in range(1, len(words) - 1):
        if rng.random() < 0.2:
            words[i] = f"{rng.choice(STOPWORDS)} {words[i]}"
    words = [w.upper() if w in ("ai", "eu", "agi", "gpu") else w for w in words]
    return (" ".join(words))[:1].upper() + " ".join(words)[1:]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def generate(root: Path | str, briefs: int = 10_000, terms: int = 2_000) -> Generated:
    """Write a valid content folder with `briefs` briefs and `terms` glossary terms."""
    rng = random.Random(SEED)
    root = Path(root)
    (root / "briefs").mkdir(parents=True, exist_ok=True)
    vocabulary = _vocabulary(rng, 24_000)
    zipf = _Zipf(vocabulary, rng)

    term_names: list[str] = []
    seen_keys: set[str] = set()
    while len(term_names) < terms:
        name = " ".join(dict.fromkeys(zipf.many(rng.choice((1, 2, 2, 2, 3)))))
        name = name[0].upper() + name[1:]
        if name.lower() not in seen_keys:
            seen_keys.add(name.lower())
            term_names.append(name)
    glossary = []
    for i, name in enumerate(term_names):
        entry: dict[str, object] = {
            "term": name,
            "definition": " ".join(_sentence(zipf, rng, rng.randint(12, 22)) for _ in range(3)),
        }
        alias = f"{name} {rng.choice(('approach', 'method', 'rule', 'system'))}"
        if rng.random() < 0.4 and alias.lower() not in seen_keys:
            seen_keys.add(alias.lower())
            entry["aliases"] = [alias]
        if rng.random() < 0.5:
            others = {term_names[j] for j in rng.sample(range(terms), 3) if j != i}
            entry["see_also"] = sorted(others)[:2]
        glossary.append(entry)
    # Several glossary files, as a big glossary would be kept (and each under the size cap).
    (root / "glossary").mkdir(exist_ok=True)
    for part, start in enumerate(range(0, len(glossary), GLOSSARY_FILE_TERMS)):
        path = root / "glossary.yml" if part == 0 else root / "glossary" / f"part-{part:02d}.yml"
        with open(path, "w", encoding="utf-8") as handle:
            chunk = glossary[start : start + GLOSSARY_FILE_TERMS]
            yaml.dump({"terms": chunk}, handle, Dumper=_Dumper, sort_keys=False, width=100)

    tags = sorted({_slug(" ".join(zipf.many(rng.choice((1, 1, 2))))) for _ in range(TAGS_COUNT)})
    term_zipf = _Zipf(term_names, rng, offset=20)
    ids: list[str] = []
    titles: list[str] = []
    start = dt.date(2019, 1, 1)
    pinned: set[dt.date] = set()
    for n in range(briefs):
        title = _title(zipf, rng)
        brief_id = f"{_slug(title)[:48].strip('-')}-{n:05d}"
        date = start + dt.timedelta(days=rng.randrange(8 * 365))
        brief: dict[str, object] = {
            "id": brief_id,
            "title": title,
            "date": date,
            "summary": " ".join(_sentence(zipf, rng, rng.randint(9, 16)) for _ in range(8)),
            "points": [_sentence(zipf, rng, rng.randint(10, 18)) for _ in range(rng.randint(3, 7))],
            "terms": sorted({term_zipf.draw() for _ in range(rng.randint(3, 8))}),
            "tags": sorted(set(rng.sample(tags, rng.randint(2, 5)))),
            "source": {"name": f"Source {rng.randrange(300)}", "url": f"https://news.example/{n}"},
        }
        if rng.random() < 0.01:
            day = start + dt.timedelta(days=rng.randrange(9 * 365))
            if day not in pinned:
                pinned.add(day)
                brief["featured_on"] = day
        if ids and rng.random() < 0.1:
            brief["related"] = sorted(set(rng.sample(ids, min(2, len(ids)))))
        with open(root / "briefs" / f"{brief_id}.yml", "w", encoding="utf-8") as handle:
            yaml.dump(brief, handle, Dumper=_Dumper, sort_keys=False, width=100)
        ids.append(brief_id)
        titles.append(title)
    return Generated(root, tuple(ids), tuple(titles), tuple(term_names))


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--briefs", type=int, default=10_000)
    parser.add_argument("--terms", type=int, default=2_000)
    args = parser.parse_args()
    generated = generate(args.dir, args.briefs, args.terms)
    print(f"wrote {len(generated.ids)} briefs and {len(generated.terms)} terms to {args.dir}")


if __name__ == "__main__":
    main()
