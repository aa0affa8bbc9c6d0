"""Generate N realistic speeches, deterministically, from a pool of real paragraphs.

Every speech is a .txt file with a title line, a byline, a dateline and a salutation, so the
indexer reads a speaker, a province, a city and a year from it; its body is ~9,000
characters of paragraphs drawn (seeded) from the pool: by default the shipped speeches, or
with `--pool DIR` a folder of real text files, one paragraph a line (../shared/realpool,
40,000 paragraphs: a real vocabulary). Paragraphs are drawn without replacement, in runs of
consecutive ones, until the pool is used up, then the pool is dealt again in a new order, so
speeches share few runs by accident. The metadata the generator chose is written next to the
corpus folder, never inside it, for the peers.

    python -m bench.generate --n 500 --out /tmp/bench [--pool ../shared/realpool]
"""

import argparse
import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from indexer import patterns as p
from indexer.readers import UnreadableFile, read_document
from indexer.text import normalize

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "corpus"
SEED = 20240501
TARGET_CHARS = 9000
YEARS = range(2015, 2025)

# Real divisions (GB/T 2260): (province, city, county or None). A county speech's byline
# names the county, so the indexer has to climb to its city and province.
PLACES = [
    ("湖南省", "郴州市", None), ("湖南省", "怀化市", None), ("湖南省", "长沙市", None),
    ("湖南省", "株洲市", None), ("湖南省", "郴州市", "宜章县"), ("湖南省", "怀化市", "沅陵县"),
    ("甘肃省", "兰州市", None), ("甘肃省", "天水市", None), ("甘肃省", "张掖市", "临泽县"),
    ("广东省", "韶关市", None), ("广东省", "湛江市", None), ("广东省", "梅州市", "五华县"),
    ("江西省", "赣州市", None), ("江西省", "九江市", None), ("浙江省", "湖州市", None),
    ("浙江省", "衢州市", None), ("江苏省", "徐州市", None), ("江苏省", "盐城市", None),
    ("四川省", "绵阳市", None), ("四川省", "宜宾市", None), ("河南省", "洛阳市", None),
    ("河南省", "南阳市", None), ("湖北省", "宜昌市", None), ("湖北省", "襄阳市", None),
    ("山东省", "潍坊市", None), ("山东省", "临沂市", None), ("河北省", "邯郸市", None),
    ("安徽省", "芜湖市", None), ("福建省", "泉州市", None), ("贵州省", "遵义市", None),
    ("云南省", "曲靖市", None), ("陕西省", "宝鸡市", None), ("山西省", "长治市", None),
    ("广西壮族自治区", "柳州市", None), ("内蒙古自治区", "包头市", None),
    ("黑龙江省", "齐齐哈尔市", None),
]
CITY_OFFICES = ["市长", "常务副市长", "副市长", "市委书记", "市委副书记、市长"]
COUNTY_OFFICES = ["县长", "常务副县长", "县委书记"]
# Meetings named after the place (郴州市经济工作会议) or, as often, as 全市/全县.
NAMED_MEETINGS = [
    "经济工作会议", "人民政府第三次全体会议", "优化营商环境大会", "招商引资工作推进会",
    "一季度经济运行分析会", "重点项目建设调度会", "安全生产工作会议", "政府廉政工作会议",
    "“双过半”工作调度会", "重点工作推进电视电话会议", "乡村振兴工作会议", "疫情防控工作会议",
    "民营经济发展大会",
]
WIDE_MEETINGS = [
    "经济工作会议", "优化营商环境大会", "招商引资工作推进会", "项目建设调度会", "安全生产工作会议",
    "“双过半”工作调度会", "乡村振兴工作会议", "疫情防控工作会议", "民营经济发展大会",
]
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤"
)
# Given-name characters: none that end an office or a place (市, 县, 区, 省, 州, 委) or mark a
# redaction (某), so every generated name is one the metadata reader accepts.
GIVEN = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子"
    "杰涛昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆磊民友裕河哲江超浩亮"
    "政谦亨奇固之轮翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航"
    "弘秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳"
    "嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕"
    "馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝丽阳妮"
    "宝贝初程梵罡恒鸿桦骅剑娇纪宽苛灵玛媚琪晴容睿烁堂唯威韦雯苇萱阅彦宇雨洋忠宗曼紫逸贤蝶菡绿蓝儿翠烟"
)
BODY_MIN, BODY_MAX = 20, 1500  # paragraph lengths kept; longer runs are cut at sentence ends


@dataclass
class Speech:
    """One generated speech: the file it was written to and the metadata chosen for it."""

    file: str
    title: str
    speaker: str
    position: str
    province: str
    city: str
    county: str | None
    year: int
    date: str
    chars: int


def paragraph_pool(corpus: Path = SHIPPED) -> list[str]:
    """Return the distinct body paragraphs of a folder's documents, normalised, in file order."""
    pool: dict[str, None] = {}
    for path in sorted(Path(corpus).iterdir()):
        if not path.is_file() or path.suffix.lower() in (".md", ".json", ".tsv"):
            continue  # a pool's README and notes are not text to draw from
        try:
            document = read_document(path)
        except UnreadableFile:
            continue
        for line in normalize(document.text).split("\n"):
            for piece in _pieces(line.strip()):
                if _is_body(piece):
                    pool.setdefault(piece, None)
    return list(pool)


def _pieces(line: str) -> list[str]:
    """Cut an over-long line (a whole speech on one line) at sentence ends into paragraphs."""
    if len(line) <= BODY_MAX:
        return [line]
    sentences = re.findall(r"[^。！？]*[。！？]|[^。！？]+$", line)
    pieces, current = [], ""
    for sentence in sentences:
        if current and len(current) + len(sentence) > 400:
            pieces.append(current)
            current = ""
        current += sentence
    if current:
        pieces.append(current)
    return pieces


def _is_body(line: str) -> bool:
    """Tell a paragraph of speech text from titles, bylines, datelines and contents lines."""
    if not BODY_MIN <= len(line) <= BODY_MAX or not p.ends_sentence(line):
        return False
    if p.is_title(line) or p.DATELINE_RE.match(line) or p.TOC_ENTRY_RE.match(line):
        return False
    # A line the splitter reads as the head of another speech would split the generated one:
    # a subtitle (——在…), a section (第二篇：), a salutation, a named speech (王建国同志讲话).
    if p.SUBTITLE_RE.match(line) or p.SECTION_RE.match(line) or p.SALUTATION_RE.match(line):
        return False
    if p.NAMED_SPEECH_RE.match(line):
        return False
    # A title run into its text (002 is one line) would give the speech a second title.
    return "上的讲话" not in line and "上的发言" not in line


class Deck:
    """Deal a pool's paragraphs without replacement, in runs of consecutive ones, reshuffled when used up."""

    def __init__(self, pool: list[str], rng: random.Random):
        self.pool, self.rng = pool, rng
        self.cards: list[str] = []
        self.deals = 0  # how many times the whole pool has been dealt out

    def draw(self) -> str:
        """Return the next paragraph, dealing the pool again once every paragraph was drawn."""
        if not self.cards:
            runs, start = [], 0
            while start < len(self.pool):
                length = self.rng.randint(2, 8)
                runs.append(self.pool[start : start + length])
                start += length
            self.rng.shuffle(runs)
            self.cards = [paragraph for run in reversed(runs) for paragraph in reversed(run)]
            self.deals += 1
        return self.cards.pop()


def _name(rng: random.Random) -> str:
    """Return a two- or three-character personal name."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def generate(n: int, out: Path, seed: int = SEED, pool: Path = SHIPPED) -> list[Speech]:
    """Write n speeches drawn from a pool folder to out/corpus/ and their metadata to out/meta.jsonl."""
    out = Path(out)
    folder = out / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    paragraphs = paragraph_pool(pool)
    if not paragraphs:
        raise ValueError(f"{pool} holds no paragraph of speech text (one a line, 20 to 1,500 characters)")
    rng = random.Random(seed)
    deck = Deck(paragraphs, rng)
    # A fixed cast: each speaker holds one office in one place, as in a real collection.
    cast = []
    for index in range(max(1, min(400, n // 5 + 1))):
        province, city, county = PLACES[index % len(PLACES)]
        office = rng.choice(COUNTY_OFFICES if county else CITY_OFFICES)
        cast.append((_name(rng), province, city, county, office))
    speeches = []
    for number in range(n):
        speaker, province, city, county, office = rng.choice(cast)
        place = county or city
        year = rng.choice(YEARS)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        if rng.random() < 0.5:
            meeting = place + rng.choice(NAMED_MEETINGS)
        else:
            meeting = ("全县" if county else "全市") + rng.choice(WIDE_MEETINGS)
        short_office = office.split("、")[-1]
        title = f"{speaker}{short_office}在{meeting}上的讲话"
        body, chars = [], 0
        # Runs of consecutive paragraphs read like a speech; several runs make one.
        while chars < TARGET_CHARS:
            body.append(deck.draw())
            chars += len(body[-1])
        # 株洲市委书记, 宜章县委书记: the party office absorbs the place's suffix.
        byline = (place[:-1] if office.startswith(place[-1] + "委") else place) + office
        lines = [title, f"{byline} {speaker}", f"（{year}年{month}月{day}日）", "同志们："] + body
        text = "\n".join(lines) + "\n"
        name = f"s{number:06d}.txt"
        (folder / name).write_text(text, encoding="utf-8")
        speeches.append(Speech(
            file=name, title=title, speaker=speaker, position=byline, province=province,
            city=city, county=county, year=year, date=f"{year:04d}-{month:02d}-{day:02d}", chars=len(text),
        ))
    with open(out / "meta.jsonl", "w", encoding="utf-8") as handle:
        for speech in speeches:
            handle.write(json.dumps(asdict(speech), ensure_ascii=False) + "\n")
    return speeches


def load_meta(out: Path) -> list[Speech]:
    """Read the metadata a generate() run wrote."""
    with open(Path(out) / "meta.jsonl", encoding="utf-8") as handle:
        return [Speech(**json.loads(line)) for line in handle]


def main(argv=None) -> None:
    """Generate a corpus from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--pool", type=Path, default=SHIPPED,
                        help="folder of text to draw paragraphs from, one a line (default: the shipped corpus)")
    args = parser.parse_args(argv)
    speeches = generate(args.n, args.out, args.seed, args.pool)
    print(f"{len(speeches)} speeches, {sum(s.chars for s in speeches):,} characters in {args.out / 'corpus'}")


if __name__ == "__main__":
    main()
