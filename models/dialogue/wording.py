"""The few words the engine writes itself, in each persona language: prices, lists, the catalogue answers'
templates (models.dialogue.catalogue), and how they agree with a product's number."""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.dialogue.words import listed


@dataclass(frozen=True)
class Wording:
    """The few words the engine writes itself, in the persona's language (everything else she says is her own
    phrases and her knowledge as written). The catalogue answers' templates (models.dialogue.catalogue) follow
    `conjunctions`: English ones agree with the product's number through {is}, {comes} and {costs} ("the beanie
    is", "the mittens are"); Chinese ones do not use them."""

    price: str  # placeholders {product} and {price}
    catalogue: str  # {names}
    summary: str  # {count} and {names}
    ask_about: str  # {kinds}
    comma: str
    conjunctions: dict[str, str]  # "and" / "or" with the spaces they need
    # -- catalogue answers: a list under the fan's constraint, superlatives, comparisons, stock, colours, sizes --
    listed_item: str  # {product} {price}: one product in a list
    listed_more: str  # {count}: the rest of a list that is not read out
    counts: tuple[str, ...]  # small counts as words ("three more"; a count is no fact to check), else digits
    several: str  # {count} {products}: a product the fan asks for more than one of ("two Snowflake Knit Beanies")
    each: str  # {total} {price}: what several of one product cost, and one of them
    plurals: bool  # names take a plural after a count (English: the last word's)
    matching: str  # {constraint} {items}
    no_match: str  # {constraint}: nothing fits
    closest: str  # {item}: the nearest miss after `no_match`
    cheapest: str  # {constraint} {item}
    priciest: str  # {constraint} {item}
    ranked: dict[str, str]  # "cheapest" / "priciest" -> {ordinal} {constraint} {item}: "the second cheapest"
    ordinals: tuple[str, ...]  # "second", "third" by number (from 0), else digits
    constraint: dict[str, str]  # kind -> phrase: under/over/between ({price}, {low}, {high}), than ({product}),
    #   kids, gift, cheap, colour ({colour}), size ({size}), kids_sizes, in_stock, sold_out, preorder,
    #   low_stock, unavailable (sold out or pre-order), not_kids, not_gift (that_not_kids, that_not_gift: the same
    #   as a clause after a lead); "one" and "any" stand for the product when the fan names no kind ("the cheapest
    #   one for kids", "anything under $5"); one_described and any_described ({words}) put them with the fan's
    #   words for it ("the cheapest warm item", "anything warm")
    constraint_joiner: str  # between the parts of a constraint
    costs: str  # {product} {price} {is} {costs}: one side of a comparison
    cheaper: str  # {product} {price} {is}: the cheaper of two
    cheapest_of: str  # {product} {price} {is}: the cheapest of several
    pricier: str  # {product} {price} {is}: the more expensive of two
    priciest_of: str  # {product} {price} {is}: the most expensive of several
    same_price: str
    same_year: str  # two facts asked which came first, that state the same year
    total: str  # {items} {price}: the sum of the products' prices
    budget: dict[bool, str]  # does the sum fit the fan's budget? -> {budget}: "is $30 enough for both?"
    gap: str  # {product} {price} {other} {other_price} {gap} {is} {costs}: how much more one costs than the other
    # A sum against one product's price, and a multiple of one price: no number but prices and sums is said (the gap
    # between a sum and a price, or half a price, is no fact the catalogue states).
    against: dict[str, str]  # "less" / "more" / "same" -> {product} {price} {is}
    multiple: dict[bool, str]  # is it that multiple? -> {product} {price} {other} {other_price} {times} {is}
    times: dict[str, str]  # "twice" / "half" -> how `multiple` says it
    compare_with: str  # {product}: a comparison asked with one product in mind asks which to compare it with
    price_check: dict[bool, str]  # in the range asked? -> {product} {price} {is}: "is the plush over $30?"
    over_budget: str  # {gap} {budget}: how far a product's price is over the fan's budget
    beyond_limit: dict[bool, str]  # {limit}: a price outside the range asked of it, over (True) or under (False)
    stock: dict[str, str]  # stock state (or "unknown") -> {product} {is}
    colours: str  # {product} {values} {comes}
    sizes: str  # {product} {values} {comes}
    comes_in: str  # {product} {value} {comes}: yes, it comes in that colour or size
    comes_in_among: str  # {product} {value} {values} {comes}: yes, and all it comes in (several products asked)
    counted: str  # {product} {count} {kind} {values} {comes}: how many colours or sizes it comes in
    more_of: dict[bool, str]  # more asked? -> {product} {kind} {comes}: the one that comes in more (fewer) of them
    same_number: str  # {kind}: all come in as many
    kinds: dict[str, str]  # "colours" / "sizes" -> the word for them in `counted`, `more_of` and `same_number`
    not_in: str  # {product} {value} {values} {comes}: it does not, and what it comes in
    agreement: tuple[dict[str, str], dict[str, str]]  # the verbs for one product and for a plural name
    top: dict[str, str]  # "cheapest" / "priciest" -> {count} {constraint} {items}: the N cheapest or priciest
    dimension_verdict: str  # {product} {is} {word}: "which is bigger?" answered from two measures
    dimension_unknown: str  # {word}: no description states the dimension asked
    #: The verdict's word for (dimension, larger?): "bigger", "lighter"; `fan_adjectives`: the fan's own "-er"
    #: word may stand instead ("taller")
    adjectives: dict[tuple[str, bool], str]
    fan_adjectives: bool
    feature_verdict: str  # {product} {is}: the one whose description states the feature a comparison asks
    feature_yes: str  # {fact}: the description that states the feature
    feature_unknown: str  # {product}: no field states it
    material_unknown: str  # {product}: no field states what it is made of (an honest "I don't know")
    no_restock: str  # {product} {is}: no restock date is known for a sold-out product
    not_in_catalogue: str  # sales, popularity or ratings asked: the catalogue states none
    all_available: str  # "is everything in stock?" when every product's stock says so

    def listed(self, names: list[str], conjunction: str = "and") -> str:
        """Names as a list is said: "A, B and C", "A、B和C"."""
        return listed(names, self.comma, self.conjunctions[conjunction])

    def lot(self, name: str, count: int) -> str:
        """A product name counted: "two Snowflake Knit Beanies", "两个雪花针织帽"."""
        word = self.counts[count] if count < len(self.counts) else str(count)
        return self.several.format(count=word, products=_plural(name) if self.plurals else name)

    def agree(self, name: str) -> dict[str, str]:
        """The verbs for a product name: English names ending in a plural noun ("Ski Gloves") take plural ones."""
        last = name.split()[-1] if name.split() else name
        plural = last.isascii() and last.endswith("s") and not last.endswith("ss")
        return self.agreement[plural]


WORDING = {
    "en": Wording(
        price="You can get the {product} for {price}.", catalogue="We have the {names}.",
        summary="We have {count} products, among them the {names}.",
        ask_about="Ask me about {kinds}, or any product by name.", comma=", ",
        conjunctions={"and": " and ", "or": " or "},
        listed_item="the {product} for {price}", listed_more="{count} more",
        counts=("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
        several="{count} {products}", each="{total} ({price} each)", plurals=True,
        matching="{constraint}: {items}.",
        no_match="I don't have {constraint} right now.", closest="The closest is {item}.",
        cheapest="The cheapest {constraint} is {item}.", priciest="The most expensive {constraint} is {item}.",
        ranked={"cheapest": "The {ordinal} cheapest {constraint} is {item}.",
                "priciest": "The {ordinal} most expensive {constraint} is {item}."},
        ordinals=("", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"),
        constraint={"under": "under {price}", "over": "over {price}", "between": "between {low} and {high}",
                    "than": "cheaper than the {product}", "kids": "for kids", "gift": "as a gift",
                    "cheap": "on a budget", "one": "one", "any": "anything", "colour": "in {colour}",
                    "size": "in size {size}", "kids_sizes": "in kids' sizes", "in_stock": "in stock",
                    "sold_out": "sold out", "preorder": "up for pre-order", "low_stock": "almost sold out",
                    "unavailable": "not available to buy right now", "restock": "waiting for stock",
                    "not_kids": "not for kids",
                    "not_gift": "not a gift item", "that_not_kids": "that isn't for kids",
                    "that_not_gift": "that isn't a gift", "one_described": "{words} item",
                    "any_described": "anything {words}"},
        constraint_joiner=" ", costs="The {product} {is} {price}.",
        cheaper="The {product} {is} the cheaper one, at {price}.",
        cheapest_of="The {product} {is} the cheapest of them, at {price}.",
        pricier="The {product} {is} the more expensive one, at {price}.",
        priciest_of="The {product} {is} the most expensive of them, at {price}.", same_price="They cost the same.",
        same_year="Both in the same year.",
        total="Together, {items} come to {price}.",
        budget={True: "So yes, that fits your {budget}.", False: "So no, that's more than your {budget}."},
        gap="The {product} {costs} {gap} more than the {other}: {price} against {other_price}.",
        against={"less": "That's less than the {product}, which {is} {price}.",
                 "more": "That's more than the {product}, which {is} {price}.",
                 "same": "That's exactly the price of the {product}, {price}."},
        multiple={True: "Yes, exactly {times}: the {product} {is} {price} and the {other} {other_price}.",
                  False: "No, not {times}: the {product} {is} {price} and the {other} {other_price}."},
        times={"twice": "twice", "half": "half"},
        compare_with="Which product should I compare the {product} with?",
        price_check={True: "Yes, the {product} {is} {price}.", False: "No, the {product} {is} {price}."},
        over_budget="That's {gap} more than your {budget}.",
        beyond_limit={True: "That's over {limit}.", False: "That's under {limit}."},
        stock={"in_stock": "The {product} {is} in stock.",
               "low_stock": "The {product} {is} in stock, with only a few left.",
               "sold_out": "The {product} {is} sold out right now.",
               "preorder": "The {product} {is} up for pre-order.",
               "unknown": "The store page shows whether the {product} {is} in stock."},
        colours="The {product} {comes} in {values}.", sizes="The {product} {comes} in sizes {values}.",
        comes_in="Yes, the {product} {comes} in {value}.",
        comes_in_among="Yes, the {product} {comes} in {value}; the choices are {values}.",
        not_in="The {product} {comes} in {values}, not in {value}.",
        counted="The {product} {comes} in {count} {kind}: {values}.",
        more_of={True: "So the {product} {comes} in more {kind}.", False: "So the {product} {comes} in fewer {kind}."},
        same_number="They come in the same number of {kind}.", kinds={"colours": "colours", "sizes": "sizes"},
        agreement=({"is": "is", "comes": "comes", "costs": "costs"}, {"is": "are", "comes": "come", "costs": "cost"}),
        top={"cheapest": "The {count} cheapest {constraint}: {items}.",
             "priciest": "The {count} most expensive {constraint}: {items}."},
        dimension_verdict="The {product} {is} the {word} one.",
        dimension_unknown="The product descriptions don't say which one is {word}, so I won't guess.",
        adjectives={("size", True): "bigger", ("size", False): "smaller", ("weight", True): "heavier",
                    ("weight", False): "lighter", ("warmth", True): "warmer", ("warmth", False): "less warm"},
        fan_adjectives=True, feature_verdict="The {product} {is} the one for that.",
        feature_yes="Yes: {fact}",
        feature_unknown="The store page has the details on that for the {product}.",
        material_unknown="I don't know what the {product} {is} made of, so the store page is the place for that.",
        no_restock="I don't have a restock date for the {product}, so keep an eye on the store page.",
        not_in_catalogue="I don't have sales figures or ratings for the products, so I won't guess.",
        all_available="Yes, everything in the store is in stock right now."),
    "zh": Wording(
        price="{product}只要{price}。", catalogue="我们有{names}。", summary="我们一共有{count}件商品，比如{names}。",
        ask_about="可以问我{kinds}，或者直接说商品的名字。", comma="、", conjunctions={"and": "和", "or": "或"},
        listed_item="{product}（{price}）", listed_more="另外{count}件",
        counts=("零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十"), matching="{constraint}的有{items}。",
        several="{count}个{products}", each="{total}（每个{price}）", plurals=False,
        no_match="现在没有{constraint}的商品。", closest="最接近的是{item}。",
        cheapest="{constraint}最便宜的是{item}。", priciest="{constraint}最贵的是{item}。",
        ranked={"cheapest": "{constraint}第{ordinal}便宜的是{item}。",
                "priciest": "{constraint}第{ordinal}贵的是{item}。"},
        ordinals=("", "一", "二", "三", "四", "五", "六", "七", "八", "九"),
        constraint={"under": "{price}以下", "over": "{price}以上", "between": "{low}到{high}之间",
                    "than": "比{product}便宜", "kids": "适合小朋友", "gift": "适合送礼", "cheap": "实惠", "one": "",
                    "any": "",
                    "colour": "{colour}", "size": "{size}码", "kids_sizes": "儿童尺码", "in_stock": "有现货",
                    "sold_out": "已售罄", "preorder": "可以预订", "low_stock": "快卖完",
                    "unavailable": "现在买不到", "restock": "在等补货", "not_kids": "不是给小朋友的",
                    "not_gift": "不是礼品的",
                    "that_not_kids": "不是给小朋友的", "that_not_gift": "不是礼品的",
                    "one_described": "{words}", "any_described": "{words}"},
        constraint_joiner="、", costs="{product}是{price}。",
        cheaper="{product}更便宜，只要{price}。", cheapest_of="其中{product}最便宜，只要{price}。",
        pricier="{product}更贵，要{price}。", priciest_of="其中{product}最贵，要{price}。", same_price="它们价格一样。",
        same_year="两个是同一年。",
        total="{items}加起来一共{price}。",
        budget={True: "所以够了，在你的{budget}之内。", False: "所以不够，超过了你的{budget}。"},
        gap="{product}比{other}贵{gap}：{price}对{other_price}。",
        against={"less": "比{product}的{price}便宜。", "more": "比{product}的{price}贵。",
                 "same": "正好和{product}一样，都是{price}。"},
        multiple={True: "是的，正好{times}：{product}是{price}，{other}是{other_price}。",
                  False: "不是{times}：{product}是{price}，{other}是{other_price}。"},
        times={"twice": "两倍", "half": "一半"},
        compare_with="你想拿{product}和哪件比呢？",
        price_check={True: "是的，{product}是{price}。", False: "不是，{product}是{price}。"},
        over_budget="比你的{budget}多{gap}。", beyond_limit={True: "比{limit}贵。", False: "比{limit}便宜。"},
        stock={"in_stock": "{product}有现货。", "low_stock": "{product}还有货，不过只剩几件了。",
               "sold_out": "{product}现在卖完了。", "preorder": "{product}现在可以预订。",
               "unknown": "{product}有没有货，商店页面上可以看到。"},
        colours="{product}有{values}。", sizes="{product}有{values}这些尺码。", comes_in="有的，{product}有{value}。",
        comes_in_among="有的，{product}有{value}，共有{values}。",
        not_in="{product}有{values}，没有{value}。", agreement=({}, {}),
        counted="{product}有{count}种{kind}：{values}。", more_of={True: "所以{product}的{kind}更多。",
                                                     False: "所以{product}的{kind}更少。"},
        same_number="它们的{kind}一样多。", kinds={"colours": "颜色", "sizes": "尺码"},
        top={"cheapest": "{constraint}最便宜的{count}件：{items}。",
             "priciest": "{constraint}最贵的{count}件：{items}。"},
        dimension_verdict="{product}{word}。", dimension_unknown="商品介绍里没有说哪个{word}，我就不乱猜了。",
        adjectives={("size", True): "更大", ("size", False): "更小", ("weight", True): "更重",
                    ("weight", False): "更轻", ("warmth", True): "更保暖", ("warmth", False): "没那么保暖"},
        fan_adjectives=False, feature_verdict="这一点要看{product}。",
        feature_yes="是的，{fact}", feature_unknown="{product}的这个细节，商店页面上有详细介绍。",
        material_unknown="我不清楚{product}是什么材质的，商店页面上有详细介绍。",
        no_restock="{product}什么时候补货我还不知道，可以留意商店页面。",
        not_in_catalogue="我没有商品的销量和评分，所以不乱猜。",
        all_available="是的，商店里的东西现在都有货。"),
}


def _plural(name: str) -> str:
    """An English name's plural, made on its last word: "Beanie" → "Beanies", "Plush" → "Plushes"; a name that is
    plural already ("Ski Gloves") stays."""
    if name.endswith("s"):
        return name
    if re.search(r"(?:sh|ch|x|z)$", name):
        return f"{name}es"
    return f"{name[:-1]}ies" if re.search(r"[^aeiou]y$", name) else f"{name}s"
