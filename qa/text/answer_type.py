"""What kind of answer a question asks for, and whether a sentence holds one. Pure functions.

A question that asks "when" is answered by a sentence with a time in it, one
that asks "how many" by a sentence with a number. This is evidence for picking
the quote inside a passage and for refusing a question whose words all occur
in the corpus but whose answer does not (最高人民检察院检察长是谁？ over a corpus
that names the office but never the person).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

KINDS = ("time", "number", "place", "person", "duration", "money")

# Checked in this order: "多长时间" asks for a duration (a time is not enough: 冬季 does not answer it), "罚多少钱" for
# an amount of money (a number is not enough: 10月25日 does not answer it), "哪一年" for a time, not a number.
_QUESTION = (
    (
        "duration",
        re.compile(
            r"多久|多长时间|几个?(?:小时|钟头|工作日)|几(?:天|周|个星期|个月|年(?!级))|几分钟|多少(?:天|年|个月|小时|分钟|个?工作日)"
        ),
    ),
    (
        "money",
        re.compile(
            r"多少钱|几块钱|多少[元块]|多少费用|费用?是多少|什么价|价[格钱]?是?多少|"
            r"(?:罚|交|缴|补贴?|赔|收|花|贷|付|退|报销?)多少(?=[？?，,。！!吗呢啊]|$)"
        ),
    ),
    (
        "time",
        re.compile(
            r"什么时[候间]|啥时[候间]?|几时|多会儿|何时|哪[一个]?年|哪[一个]?天|哪[一个]?月|几月|几号|何年|年份|日期|哪[个一]?朝代|什么年代|几点"
        ),
    ),
    (
        "number",
        re.compile(
            r"多少|几[个位名次岁种届项条座家所只件层倍人天年]|多大|多高|多长|多重|多远|多深|多宽|百分之几|第几|几成"
        ),
    ),
    (
        "place",
        re.compile(
            r"哪[里儿](?!坏|出|不对|有问题|有毛病)|在哪(?!些|种|个方面|[里儿]?(?:坏|出|不对|有问题|有毛病))|何地|何处|什么地方|啥地方|哪[个一]?(?:国家?|城市|省|地区|地方|市|县|岛|洲)"
        ),
    ),
    ("person", re.compile(r"谁|哪位|(?<!为)什么人(?!民)|哪个人|何人")),
)
_NUM = r"[0-9０-９]|[零〇一二两三四五六七八九十百千万亿]"
# Words after which a name follows (…检察长高忠祥, …副书记李晶晶).
_TITLES = re.compile(
    r"(?:书记|检察长|检察官|主任|院长|局长|处长|科长|部长|市长|县长|区长|主席|经理|记者|教授|委员|助理|法官|队长|所长|社长|总监)$"
)
# Dictionary "names" that are places or slogans (高新区, 从严治党).
_NOT_NAME_END = re.compile(r"[区县市省州镇乡村路街党国]$")
_SENTENCE = {
    "time": re.compile(
        rf"(?:{_NUM})+\s*(?:年|月|日|号|世纪|年代|点|时|分钟|小时|天|周|个月)|(?<![0-9])[0-2]?[0-9][:：][0-5][0-9](?![0-9])|[春夏秋冬]季|上午|下午|凌晨|晚上|今年|去年|明年|当年|时期|[汉唐宋元明清]朝"
    ),
    # A digit, two numerals in a row, or a numeral with a measure word: not the 一 of 统一 or 进一步.
    "number": re.compile(
        r"[0-9０-９]|[零〇一二两三四五六七八九十百千万亿]{2,}|[一二两三四五六七八九十百千万亿半][个名位次项条种届年月日天人元岁件家所倍成层座]"
    ),
    "place": re.compile(r"[\u4e00-\u9fff](?:省|市|县|区|镇|乡|村|州|国|岛|山|河|江|湖|海|港|城|路|街|洲)"),
    # A count of a unit of time: 30分钟, 半小时, 十五日内, 3个月, not the day of a date (3月1日), a year (2024年) or an
    # age (18周岁); or how often (每月, 每周).
    "duration": re.compile(
        r"(?<![0-9０-９零〇一二两三四五六七八九十百千万月第])(?:[0-9０-９]{1,3}(?:\.[0-9]+)?|[零一二两三四五六七八九十百半]{1,3})\s*"
        r"(?:分钟|小时|钟头|个?半?小时|秒钟?|天|日|周(?!岁)|个?星期|个月|个?工作日|年)"
        r"|每(?:天|日|周|月|年|个?星期|个?季度|隔)"  # how often: 多久洗一次 is answered by 每月1次
        r"|每\s*(?:[0-9０-９]+|[两三四五六七八九十百千万]+)\s*[个次步页张件公千米]"  # every 1000 steps, 每3个月
        r"|(?<![0-9年])[0-9]{1,2}\s*[-－—~～至到]\s*[0-9]{1,2}\s*月"  # a span of months: 花期1-3月
    ),
    # An amount of money: 600元, 5万元, 25元/人, 三百块钱, 300块, ￥99, a table's 预算（元）：12000 or 住宿标准（元/晚）：600.
    "money": re.compile(
        r"(?<!第)(?:[0-9０-９][0-9０-９,，.]*|[零〇一二两三四五六七八九十百千万亿]+)\s*[多余]?\s*[万亿]?\s*"
        r"(?:[美欧日港韩澳加台]?元|块钱|英镑|港币|卢布|法郎|块(?=[，,。；;、！!？?）)\s]|以[内上下]|左右|$))"
        r"|[￥¥$€£]\s*[0-9]|[（(](?:万?元|人民币)(?:\s*/\s*[\u4e00-\u9fff]{1,2})?[)）]\s*[:：]\s*[0-9]"
    ),
}


# Offices whose holder a question may ask for. A deputy (副…) and a general secretary (总书记) hold other offices.
_OFFICE = (
    r"[副总]?(?:书记|检察长|主任|院长|局长|处长|科长|部长|市长|县长|区长|省长|镇长|乡长|村长|主席|总经理|经理|董事长|"
    r"总裁|校长|馆长|社长|会长|行长|厂长|所长|队长|团长|组长|班长|秘书长|主编|总监|主管|负责人|联系人|总统|总理|首相)"
)
# Who holds it: …检察长是谁 / 叫什么名字 / 是哪位, 谁是…检察长 — not 谁饰演的市长 or 派谁给队长送信.
_HOLDER = re.compile(rf"({_OFFICE})(?:是谁|叫什么|是哪位|姓什么)|谁是[^，,。？?]*?({_OFFICE})[？?]?$")


# A department named right before an office (政治部主任, 第一检察部主任): the run of characters back to 的, to the
# institution (…院, …局) or to punctuation, ending in 部/处/科/室/组/股.
_DEPARTMENT = re.compile(r"[^\W的院局厅所会司校]{1,8}[部处科室组股]$")
# Someone named right after an office, before what he or she says: 主任芦广庆介绍 (a surname the list lacks).
_SPEAKER = re.compile(r"[\u4e00-\u9fff]{2,3}(?:介绍|说|表示|指出|告诉|坦言|强调|谈到)")


def offices_asked(question: str) -> tuple[str, ...]:
    """The offices whose holder `question` asks for: ("检察长",) for 济阳区检察院的检察长是谁？, with the
    department when one is named: ("政治部主任",) for 东营市检察院的政治部主任是谁？"""
    found = []
    for m in _HOLDER.finditer(question):
        for group in (1, 2):
            if m.group(group):
                department = _DEPARTMENT.search(question, 0, m.start(group))
                found.append((department.group() if department else "") + m.group(group))
    return tuple(dict.fromkeys(found))


def names_holder(sentence: str, office: str, mask: int) -> bool:
    """True when `sentence` (answer kinds `mask`, from `kinds_of`) holds `office` itself, not only a deputy's
    office (副检察长 does not answer who the 检察长 is, nor 总书记 who the 书记 is), and someone in it: a name
    the tagger found, a surname right after the office (检察长颜倩倩, a given name the tagger does not know),
    a name before what its bearer says (主任芦广庆介绍), or 是/为/： right after it (社长是藤岛茱莉景子, a name
    from another language)."""
    at = sentence.find(office)
    while at >= 0:
        end = at + len(office)
        deputy = not office.startswith(("副", "总")) and at > 0 and sentence[at - 1] in "副总"
        after = sentence[end : end + 1]
        named = has(mask, "person") or _SPEAKER.match(sentence, end)
        if not deputy and (named or (after and (after in SURNAMES or after in "是为：:"))):
            return True
        at = sentence.find(office, end)
    return False


def question_kind(question: str) -> str | None:
    """The kind of answer `question` asks for ("duration", "money", "time", "number", "place", "person"), or None."""
    for kind, pattern in _QUESTION:
        if pattern.search(question):
            return kind
    return None


def kinds_of(text: str) -> int:
    """A bit mask of the KINDS that `text` holds (bit i = KINDS[i]).

    Times, numbers and places are found by pattern, people by `_has_name`. Meant
    for index time: the mask of every sentence is stored with the index.
    """
    mask = 0
    for kind, pattern in _SENTENCE.items():
        if pattern.search(text):
            mask |= 1 << KINDS.index(kind)
    if _has_name(text):
        mask |= 1 << KINDS.index("person")
    return mask


def has(mask: int, kind: str | None) -> bool:
    """True when `mask` (from `kinds_of`) includes `kind`; False for no kind."""
    return kind is not None and bool(mask >> KINDS.index(kind) & 1)


# The commonest single-character surnames (they cover most of the population).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石"
    "廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹"
    "申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉"
)
_cut: Any = None
_names: frozenset[str] = frozenset()


def _has_name(text: str) -> bool:
    """A word jieba's dictionary tags as a person ("nr"), or an unknown 2–3 character word led by a surname.

    jieba's part-of-speech tagger would say the same more carefully but runs its
    full HMM on every unknown stretch (tens of milliseconds a sentence).
    """
    global _cut, _names
    if not any("\u4e00" <= c <= "\u9fff" for c in text):
        return False
    if _cut is None:
        import jieba

        jieba.setLogLevel(60)
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        with open(tokenizer.get_dict_file().name, encoding="utf-8") as handle:
            _names = frozenset(p[0] for p in (line.split() for line in handle) if len(p) == 3 and p[2] == "nr")
        _cut = tokenizer
    words = _cut.lcut(text, HMM=True)
    for i, word in enumerate(words):
        if _name_like(word):
            return True
        # jieba may cut an unknown name after a title into surname + word (李 / 晶晶).
        if word in SURNAMES and 0 < i < len(words) - 1 and _TITLES.search(words[i - 1]):
            rest = words[i + 1]
            if 1 <= len(rest) <= 2 and _all_cjk(rest):
                return True
    return False


def _name_like(word: str) -> bool:
    if not 2 <= len(word) <= 3 or _NOT_NAME_END.search(word):
        return False
    return word in _names or (word[0] in SURNAMES and word not in _cut.FREQ and _all_cjk(word))


def _all_cjk(word: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" for c in word)


_NOT_PLACES = frozenset(
    # Words jieba's dictionary tags as places that are ordinary words in a question: moving (上楼, 入口), kinds of
    # place (山洞, 海滩), qualities and things (福利, 长度, 密封, 台风). "资料中没有提到“上楼”" refuses nothing real.
    """
    东西 南北 平原 英雄 朝廷 太阳 哥哥 二哥 阿哥 大伯 海洋 湖泊 大桥 高原 永乐 美丽 江湖 大街 庆典 南路 北路 东路 西路 中路 深度 长度 广度 山脉 治安 新鲜 古城 海峡 河口 冰川 山水
    长大 莫非 普及 商城 内河 古典 阴阳 江山 高山 大海 山坡 河谷 上马 太平 福利 日志 云集 青春 山河 神圣 莲蓬 桥头堡 新建 西门 南门 北门 东门 中断 山洞 都城 关联 海湾 上半场 湖水 广义
    上山 下山 上楼 上台 上门 上路 上岗 上铺 上街 上古 入口 入门 入海 入阁 登山 渡江 渡河 立马 江水 河水 泉水 新港 新城 海关 舞美 大洋 山峰 内城 石桥 中密度 山寨 西洋 契约 白马 金牙
    路桥 中兴 广布 古都 重阳 三角洲 天河 山口 大山 千古 城堡 中道 深山 江河 伦理 城垣 大河 大湖 大江 中和 天黑 法典 长河 池塘 天桥 加盟 密封 安宁 黄沙 海滨 莫大 沿河 海滩 牡丹 西瓜
    贵宾 嘉宾 汉堡 海港 山林 山川 北风 赞美 大城 喜庆 吉利 四海 大门口 礼拜 兴旺 深海 山羊 绵羊 远洋 井口 中堂 山门 深谷 朝野 台风 山岭 象牙 深水 中西 河湾 海岛 深渊 河畔 夕阳 远古
    港湾 新春 新桥 苏打 台站 长寿 波及 冰山 旧城 太极 山庄 安顿 江海 城东 城西 城南 南郊 北郊 美德 欢庆 山野 乌黑 密林 开朗 缅怀 兴隆 端庄 珍藏 锦旗 黑洞 山沟 沙洲 香水 广为 四壁
    后山 越野 虎口 法度 河滩 浅海 大坝 山丘 新旧 湖畔 沧桑 朝霞 海沟
    """.split()
)


_places: frozenset[str] | None = None


def place_names(tokens: Sequence[str]) -> list[str]:
    """The tokens jieba's dictionary tags as place names ("ns": 深圳, 杭州, 庆云县)."""
    global _places
    if _places is None:
        import jieba

        with open(jieba.Tokenizer().get_dict_file().name, encoding="utf-8") as handle:
            _places = frozenset(p[0] for p in (line.split() for line in handle) if len(p) == 3 and p[2] == "ns")
    return [t for t in tokens if len(t) >= 2 and t in _places and t not in _NOT_PLACES]
