"""Chinese full-text search of the catalogue: jieba word segmentation into a PostgreSQL `simple` tsvector.

PostgreSQL's parsers do not segment Chinese (a run of Han characters is one "word"), and the embedded server
(pgserver) has no extension such as zhparser or pg_trgm. So the words are cut here, in Python, with jieba:

- the document: an item's name and keywords (common phrasings, e.g. 饭店、开药店), then its certificate, its
  departments' names and its codes, are cut with `jieba.cut_for_search` (a word and the dictionary words inside
  it: 营业执照 -> 营业, 执照, 营业执照) and stored space-separated in two text columns (`search_words`, weight A,
  and `search_extra`, weight C); a generated column `search_vector` = to_tsvector('simple', ...) of both is
  GIN-indexed (migration 0008). Bundles likewise, from their title and keywords (their summary only with
  weight C).
- the query: cut with `jieba.cut` (precise mode), each word kept with its synonyms (SYNONYMS: 饭店 also finds
  餐饮, 药店 also finds 药品零售), filler words (我要, 开, 办, 怎么 ...) dropped; every remaining word must
  match: to_tsquery('simple', "('饭店' | '餐饮' | '餐馆') & ..."). A Latin or digit word (a code) matches as a
  prefix ('11610602':*).

The same `normalise` (NFKC, case-folded) runs on both sides, and both go through PostgreSQL's parser in the
same `simple` configuration, so a token the parser splits is split the same way on both sides.

Jieba loads its dictionary (about a second) the first time a text is cut in a process, never at import.
"""
from __future__ import annotations

import re
import threading
import unicodedata

# Words of this domain jieba's general dictionary does not know, or cuts badly: added once per process. Only
# short words: a long compound (食品经营许可) would come out of the query's precise cut whole, while the
# document's search cut of a longer name holds only its two- and three-character parts.
DOMAIN_WORDS = (
    "饭店", "餐馆", "饭馆", "餐厅", "小餐饮", "小吃店", "奶茶店", "药店", "药房", "大药房", "营业执照", "执照",
    "个体户", "一件事", "宾馆", "游泳馆", "幼儿园", "门头", "招牌", "环评", "网吧", "歌厅", "农家乐", "民宿",
    "理发店", "美容店", "诊所", "超市", "小卖部", "便利店",
)

# Common phrasings people type and the catalogue's words for the same thing (both directions are listed
# where both are plausible queries). Keys and values are single words as `jieba.cut` yields them after
# DOMAIN_WORDS are added; a value of several words (药品 零售) must all match.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "饭店": ("餐饮", "餐馆", "饭馆", "餐厅"),
    "餐馆": ("餐饮", "饭店", "饭馆", "餐厅"),
    "饭馆": ("餐饮", "饭店", "餐馆", "餐厅"),
    "餐厅": ("餐饮", "饭店", "餐馆", "饭馆"),
    "酒楼": ("餐饮", "饭店"),
    "药店": ("药房", "药品 零售"),
    "药房": ("药店", "药品 零售"),
    "执照": ("营业执照",),
    "营业执照": ("设立 登记", "个体工商户"),
    "公司": ("企业",),
    "开公司": ("公司 设立",),
    "注册": ("设立", "登记"),
    "旅馆": ("宾馆", "酒店", "旅店"),
    "酒店": ("宾馆", "旅店"),
    "宾馆": ("酒店", "旅店"),
    "医院": ("医疗 机构",),
    "诊所": ("医疗 机构",),
    "盖房": ("建房", "建设 工程"),
    "盖房子": ("建房", "建设 工程"),
    "广告牌": ("户外广告", "招牌"),
    "招牌": ("户外广告", "门头"),
    "学校": ("办学",),
    "培训": ("办学", "培训 机构"),
}

# Words that say what the visitor wants to do, not what: dropped from the query (a query of nothing else
# falls back to the substring search).
FILLER_WORDS = frozenset(
    "我 我要 我想 想 要 想要 需要 开 开办 开个 开家 开一家 开设 办 办理 办个 去 做 申请 申领 怎么 怎么办 怎样 如何 "
    "哪里 在哪 在 哪儿 的 了 吗 呢 啊 个 一个 一家 什么 手续 流程 需要 材料 请问 可以 能 能否 想办 "
    "how to".split()
)

MAX_QUERY_WORDS = 8
MAX_QUERY_LENGTH = 100

_WORD = re.compile(r"\w+")  # Han characters, Latin letters and digits; punctuation separates words
_ASCII = re.compile(r"^[0-9a-z_]+$")
_lock = threading.Lock()
_tokenizer = None


def normalise(text: str) -> str:
    """NFKC (full-width letters and digits become half-width) and case-folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def tokenizer():
    """The process's jieba tokenizer with the domain words, made (dictionary loaded) on first use."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                made = jieba.Tokenizer()
                made.initialize()
                for word in DOMAIN_WORDS:
                    made.add_word(word, freq=200_000)
                _tokenizer = made
    return _tokenizer


def _pieces(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def document_words(*parts: str | None) -> str:
    """The space-separated words of `parts` for a search column: every word with the dictionary words
    inside it (search mode), in order; duplicates kept (ts_rank counts them)."""
    cut = tokenizer().cut_for_search
    words: list[str] = []
    for part in parts:
        for piece in _pieces(part or ""):
            for word in cut(piece):
                words.extend(_WORD.findall(word))
    return " ".join(words)


def query_words(query: str) -> list[str]:
    """The words of a visitor's query that must match, in order, without filler words or repeats."""
    cut = tokenizer().cut
    words: list[str] = []
    for piece in _pieces((query or "")[:MAX_QUERY_LENGTH]):
        for word in cut(piece):
            for w in _WORD.findall(word):
                if w not in FILLER_WORDS and w not in words:
                    words.append(w)
    return words[:MAX_QUERY_WORDS]


def _lexeme(word: str, *, prefix: bool = False, weights: str = "") -> str:
    quoted = "'" + word.replace("'", "''").replace("\\", "\\\\") + "'"
    label = ("*" if prefix else "") + weights
    return f"{quoted}:{label}" if label else quoted


def _alternative(words: str, weights: str = "") -> str:
    parts = [_lexeme(w, weights=weights) for w in words.split()]
    return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"


def tsquery_text(query: str, *, weights: str = "") -> str:
    """The to_tsquery('simple', ...) text for a query ("" when nothing is left to search for): each word or
    one of its synonyms must match; a Latin or digit word (a code, "ktv") matches as a prefix. `weights`
    ("A") restricts the match to those columns (a bundle is found by its title and keywords only: every
    bundle's summary mentions 营业执照)."""
    groups = []
    for word in query_words(query):
        if _ASCII.match(word):
            groups.append(_lexeme(word, prefix=True, weights=weights))
            continue
        alternatives = [_lexeme(word, weights=weights)]
        if len(word) > 2:  # 营业执照 also matches 营业 & 执照 (a document where they were cut apart)
            parts = [p for p in tokenizer().cut_for_search(word) if p != word and len(p) > 1]
            if parts:
                alternatives.append(_alternative(" ".join(dict.fromkeys(parts)), weights))
        alternatives += [_alternative(s, weights) for s in SYNONYMS.get(word, ())]
        groups.append(alternatives[0] if len(alternatives) == 1 else "(" + " | ".join(alternatives) + ")")
    return " & ".join(groups)


def item_documents(*, name: str, keywords: str, certificate_name: str = "", department_names=(), codes=()) -> tuple[str, str]:
    """(search_words, search_extra) of an item: its name and keywords weigh most; its certificate, departments
    and codes less. Materials stay out: nearly every item asks for a 营业执照, which must not make every item
    an answer to "办营业执照"."""
    return document_words(name, keywords), document_words(certificate_name, *department_names, *codes)


def bundle_documents(*, title: str, keywords: str, summary: str = "", theme_name: str = "") -> tuple[str, str]:
    """(search_words, search_extra) of a bundle: title and keywords, then its theme and summary."""
    return document_words(title, keywords), document_words(theme_name, summary)
