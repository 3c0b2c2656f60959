"""Catalogue questions with constraints, answered from the sample personas' product fields."""

from __future__ import annotations

import dataclasses
import re

import pytest

from models.dialogue.catalogue import CatalogueReply, answer_catalogue, parse_question
from models.dialogue.engine import ChatTurn, RetrievalEngine
from models.dialogue.persona import Product, load_default_persona, load_persona, sample_persona_path
from models.dialogue.retrieval import KnowledgeIndex
from models.dialogue.tags import check_tags, strip_tags
from models.dialogue.wording import WORDING

PERSONA = load_default_persona()
KNOWLEDGE = PERSONA.knowledge
ZH = load_persona(sample_persona_path("zh"))
PRICES = {p.price_text for p in KNOWLEDGE.products}
_MONEY = re.compile(r"[$¥€£]\d+(?:\.\d+)?")


def product(product_id: str) -> Product:
    found = KNOWLEDGE.product(product_id)
    assert found is not None
    return found


def ask(text: str, context: tuple[str, ...] = ()) -> CatalogueReply:
    reply = answer_catalogue(text, KNOWLEDGE, tuple(product(i) for i in context), WORDING["en"])
    assert reply is not None, text
    for sentence in reply.sentences:
        check_tags(sentence.text)
        # Every price she says is a product's, and each sentence cites the products whose price it says.
        for price in _MONEY.findall(strip_tags(sentence.text)):
            if price in PRICES:
                assert any(product(i).price_text == price for i in sentence.sources), (price, sentence)
    return reply


def spoken(reply: CatalogueReply) -> str:
    return " ".join(s.spoken for s in reply.sentences)


def ids(reply: CatalogueReply) -> list[str]:
    return [p.id for p in reply.products]


def test_kids_under_20_lists_exactly_the_kids_items_under_20_cheapest_first() -> None:
    reply = ask("Do you have anything for kids under 20 dollars?")
    assert reply.intent == "catalogue_query"
    assert ids(reply) == ["kids-bottle", "kids-mittens"]  # the plush is for kids but $29.99
    text = spoken(reply)
    assert text.startswith("Under $20 for kids:")
    assert "Kids' Squeeze Bottle for $12" in text and "Kids' Snowflake Mittens for $16" in text
    assert "Plush" not in text and "Pin Set" not in text
    assert reply.sentences[0].sources == ("kids-bottle", "kids-mittens")
    assert reply.sentences[0].product == product("kids-bottle")


@pytest.mark.parametrize("text", [
    "anything for my son under $20?", "DO YOU HAVE ANYTHING FOR KIDS UNDER 20 DOLLARS???",
    "What do you have under $20 for my little brother?",
    "Do you hav anythng for kids undr 20 dolars?", "any gifts for children below 20 bucks"])
def test_the_same_constraint_however_it_is_written(text: str) -> None:
    reply = ask(text)
    assert set(ids(reply)) <= {"kids-bottle", "kids-mittens", "pin-set"}
    assert "kids-bottle" in ids(reply) or "pin-set" in ids(reply)
    assert all(p.price <= 20 for p in reply.products)


@pytest.mark.parametrize("text", [
    "Looking for a gift for my granddaughter, she is six. My budget is 25 dollars.",
    "gift for my grandson, he's 7, budget 25 dollars", "present for my nephew. he is seven. under 25 dollars",
    "she's 6, what can I get her for under 25 dollars", "my granddaughter is 8, anything under 25 dollars?"])
def test_a_childs_age_is_an_age_never_a_count(text: str) -> None:
    # "Six" is in the pin set's description: said of a child it is her age, so the kids' products under the budget.
    reply = ask(text)
    assert ids(reply) == ["kids-bottle", "kids-mittens"]
    assert spoken(reply).startswith("Under $25 for kids:")
    assert "Six" not in spoken(reply) and "Pin Set" not in spoken(reply)


def test_price_limits_between_and_over() -> None:
    between = ask("Anything between 20 and 30 dollars?")
    assert ids(between) == ["thermal-bottle", "snowflake-beanie", "mascot-plush"]
    assert spoken(between).startswith("Between $20 and $30:")
    over = ask("What do you have over $40?")
    assert ids(over) == ["ski-goggles", "team-hoodie"]
    assert "$48" in spoken(over) and "$65" in spoken(over)


@pytest.mark.parametrize("text", [
    "grandma here, I'd like something for my 6 year old granddaughter but I don't want to spend more than $20",
    "something for the kids, not more than $20", "anything for kids? I do not want to spend over 20 dollars",
    "the most I can spend is $20, anything for kids?"])
def test_a_limit_not_to_pass_is_an_upper_limit(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["kids-bottle", "kids-mittens"]
    assert spoken(reply).startswith("Under $20") and "$29.99" not in spoken(reply)


@pytest.mark.parametrize("text", ["whats the most i could possibly spend on a single thing in ur store",
                                  "what's the most I could spend on one item?"])
def test_the_most_one_could_spend_is_the_priciest_product(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["team-hoodie"] and "$65" in spoken(reply)


@pytest.mark.parametrize("text", ["how many dollars extra is the hoodie compared with the beanie",
                                  "how much extra is the hoodie than the beanie?"])
def test_extra_money_is_the_difference_of_the_prices(text: str) -> None:
    assert "$41 more" in spoken(ask(text))


@pytest.mark.parametrize(("text", "total"), [
    ("what do the mittens and the squeeze bottle come to together", "$28"),
    ("what would the hoodie and the beanie come to?", "$89"),
    ("what does the beanie plus the pin set add up to?", "$42")])
def test_what_products_come_to_is_their_sum(text: str, total: str) -> None:
    reply = ask(text)
    assert len(reply.products) == 2 and spoken(reply).endswith(f"come to {total}.")


@pytest.mark.parametrize("text", ["looking for something to keep my head warm on the chairlift",
                                  "anything that will keep me warm at the rink?"])
def test_a_use_with_a_place_lists_what_is_for_the_use(text: str) -> None:
    reply = ask(text)
    assert "snowflake-beanie" in ids(reply) and spoken(reply).startswith("Warm:")


@pytest.mark.parametrize("text", ["want something that keeps my coffee hot on the ski lift",
                                  "I need something that keeps my tea hot at the rink"])
def test_what_a_product_is_for_outweighs_a_place_word(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["thermal-bottle"] and "Goggles" not in spoken(reply)


def test_a_long_list_names_three_and_counts_the_rest() -> None:
    reply = ask("Anything under $50?")
    assert len(reply.products) == 3
    assert spoken(reply).endswith("and five more.")  # 8 products under $50: the hoodie ($65) is not


def test_cheapest_and_most_expensive() -> None:
    cheapest = ask("What's the cheapest thing you sell?")
    assert ids(cheapest) == ["kids-bottle"]
    assert spoken(cheapest) == "The cheapest one is the Kids' Squeeze Bottle for $12."
    priciest = ask("What is the most expensive item?")
    assert ids(priciest) == ["team-hoodie"] and "$65" in spoken(priciest)
    # "bottle" names two products: she compares them.
    priciest_bottle = spoken(ask("Which bottle is the priciest?"))
    assert priciest_bottle == ("The Thermal Bottle is the more expensive one, at $22.50. "
                               "The Kids' Squeeze Bottle is $12.")
    assert spoken(ask("What's the cheapest bottle?")).startswith("The Kids' Squeeze Bottle is the cheaper one, at $12.")
    assert ids(ask("What's the cheapest accessory?")) == ["kids-mittens"]  # a tag four products share


def test_comparison_states_both_prices_and_the_cheaper() -> None:
    reply = ask("Which is cheaper, the beanie or the mittens?")
    assert reply.intent == "comparison"
    # The answer first, then the other price ("and the other one?" is then the beanie).
    assert ids(reply) == ["kids-mittens", "snowflake-beanie"]
    text = spoken(reply)
    assert text == "The Kids' Snowflake Mittens are the cheaper one, at $16. The Snowflake Knit Beanie is $24."
    assert [s.product for s in reply.sentences] == [product("kids-mittens"), product("snowflake-beanie")]


def test_comparison_asking_for_the_pricier_one() -> None:
    reply = ask("Is the hoodie more expensive than the ski gloves?")
    assert spoken(reply) == ("The Glacier Blue Team Hoodie is the more expensive one, at $65. "
                             "The Touchscreen Ski Gloves are $34.")
    assert spoken(ask("Plush or pin set, which one costs less?")).startswith(
        "The Collector Pin Set is the cheaper one, at $18.")


def test_a_store_policy_is_left_to_the_faqs() -> None:
    assert answer_catalogue("Can I swap my hoodie for a bigger size?", KNOWLEDGE, (), WORDING["en"]) is None


def test_the_pitch_says_stock_and_a_sold_out_product_gets_no_call_to_action() -> None:
    engine = RetrievalEngine(PERSONA, KnowledgeIndex(KNOWLEDGE, backend="bm25"))
    gloves = " ".join(s.spoken for s in engine.product_pitch(product("ski-gloves")))
    assert gloves.endswith("The Touchscreen Ski Gloves are sold out right now.")
    assert not any(cta in gloves for cta in PERSONA.phrases["call_to_action"])
    hoodie = [s.spoken for s in engine.product_pitch(product("team-hoodie"))]
    assert hoodie[2] == "The Glacier Blue Team Hoodie is in stock, with only a few left."
    assert hoodie[3] in PERSONA.phrases["call_to_action"]
    assert len(engine.product_pitch(product("snowflake-beanie"))) == 3  # in stock: nothing to add


def test_comparison_by_short_names_and_the_difference_in_their_own_words() -> None:
    reply = ask("What's the difference between the thermal bottle and the kids' bottle?")
    assert ids(reply) == ["kids-bottle", "thermal-bottle"]  # the cheaper said first
    text = spoken(reply)
    assert product("thermal-bottle").description in text and product("kids-bottle").description in text
    assert "$22.50" in text and "$12" in text
    assert ids(ask("gloves vs mittens")) == ["kids-mittens", "ski-gloves"]


def test_in_red_lists_only_red_products() -> None:
    reply = ask("Anything in red?")
    assert set(ids(reply)) == {p.id for p in KNOWLEDGE.products if "red" in p.colors}
    assert spoken(reply).startswith("In red:")
    assert ids(ask("Do you have red ones?")) == ids(reply)


def test_colours_and_sizes_of_a_product_from_its_fields() -> None:
    assert spoken(ask("What colours does the beanie come in?")) == \
        "The Snowflake Knit Beanie comes in white, navy and red."
    assert spoken(ask("Does the beanie come in green?")) == \
        "The Snowflake Knit Beanie comes in white, navy and red, not in green."
    assert spoken(ask("What sizes does the hoodie come in?")) == \
        "The Glacier Blue Team Hoodie comes in sizes XS, S, M, L, XL and XXL."
    assert spoken(ask("Does the hoodie come in XL?")) == "Yes, the Glacier Blue Team Hoodie comes in XL."
    assert ids(ask("Do you have anything in kids' sizes?")) == ["kids-mittens"]


@pytest.mark.parametrize("text", ["hoodie is too expensive for me. is the beanie less?",
                                  "is the beanie less money than the hoodie?",
                                  "the hoodie or the beanie, which costs less"])
def test_less_on_its_own_asks_for_the_lower_price(text: str) -> None:
    assert spoken(ask(text)) == \
        "The Snowflake Knit Beanie is the cheaper one, at $24. The Glacier Blue Team Hoodie is $65."


@pytest.mark.parametrize(("text", "said"), [
    ("mittens for my 8 year old, what sizes are there", "The Kids' Snowflake Mittens come in sizes kids S and kids M."),
    ("what sizes do the mittens come in for a kid?", "The Kids' Snowflake Mittens come in sizes kids S and kids M."),
    ("beanie for my daughter, which colours?", "The Snowflake Knit Beanie comes in white, navy and red."),
])
def test_who_a_named_product_is_for_does_not_hide_its_sizes_or_colours(text: str, said: str) -> None:
    """An audience beside a named product says who it is for: the sizes asked are that product's, no listing."""
    assert spoken(ask(text)) == said


def test_a_colour_word_in_a_name_is_a_colour_only_where_asked() -> None:
    # "blue" is in the Glacier Blue Team Hoodie's name: it names no product by itself.
    assert spoken(ask("Is the plush available in blue?")) == "The Snowy Owl Mascot Plush comes in white, not in blue."
    assert ids(ask("Anything in blue?")) == ["team-hoodie", "kids-bottle"]
    assert spoken(ask("Does the hoodie come in blue?")) == "Yes, the Glacier Blue Team Hoodie comes in glacier blue."
    assert spoken(ask("Do you have the glacier blue one in XL?")) == "Yes, the Glacier Blue Team Hoodie comes in XL."
    assert spoken(ask("Do you have the beanie in XL?")) == "The Snowflake Knit Beanie comes in one size, not in XL."


def test_a_colour_or_size_the_product_does_not_list_is_not_claimed() -> None:
    # The pin set lists no colours: nothing to say from its fields (the engine's retrieval answers instead).
    assert answer_catalogue("What colours does the pin set come in?", KNOWLEDGE, (), WORDING["en"]) is None


@pytest.mark.parametrize(("text", "said"), [
    # A sold-out product is said with what it is, so the answer states the product.
    ("Are the gloves sold out?", "The Touchscreen Ski Gloves are sold out right now. Waterproof ski gloves with "
     "touchscreen fingertips, so you can film your runs without taking them off."),
    # A product on pre-order is said with what ordering it costs, as one in stock is for "can I buy ...?".
    ("Can I buy the goggles right now?",
     "The Aurora Ski Goggles are up for pre-order. The Aurora Ski Goggles are $48."),
    ("Can I pre-order the goggles?", "The Aurora Ski Goggles are up for pre-order. The Aurora Ski Goggles are $48."),
    ("Is the hoodie in stock?", "The Glacier Blue Team Hoodie is in stock, with only a few left."),
    ("Is the pin set available?", "The Collector Pin Set is in stock."),
])
def test_stock_as_the_store_reports_it(text: str, said: str) -> None:
    reply = ask(text)
    assert reply.intent == "availability" and spoken(reply) == said


@pytest.mark.parametrize("text", ["any hoodies left in size L?", "is the hoodie available in XL",
                                  "hoodie in M still in stock?"])
def test_a_stock_question_with_a_size_says_the_stock_too(text: str) -> None:
    said = spoken(ask(text))
    assert "comes in" in said and "only a few left" in said


@pytest.mark.parametrize("text", ["whats nearly selling out in the store", "what's about to sell out?",
                                  "anything running low?", "which items are almost sold out"])
def test_nearly_selling_out_is_low_stock_not_sold_out(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["team-hoodie"]
    assert "Gloves" not in spoken(reply)


def test_unknown_stock_is_not_stated() -> None:
    unknown = Product("scarf", "Team Scarf", 20.0, "USD", "A knitted scarf.", ("scarf",), "https://shop.example.com/s")
    knowledge = type(KNOWLEDGE)(KNOWLEDGE.fun_facts, (*KNOWLEDGE.products, unknown), KNOWLEDGE.faqs)
    reply = answer_catalogue("Is the scarf in stock?", knowledge, (), WORDING["en"])
    assert reply is not None
    assert spoken(reply) == "The store page shows whether the Team Scarf is in stock."
    assert reply.sentences[0].sources == ()  # it states no fact of the product


def test_stock_lists() -> None:
    assert ids(ask("What's sold out?")) == ["ski-gloves"]
    assert ids(ask("Can I pre-order anything?")) == ["ski-goggles"]


@pytest.mark.parametrize("text", ["coach here, I need small gifts for my U10 team, max 15 dollars each. anything?",
                                  "anything for my under-10s team under $15?",
                                  "gifts for the u12 squad, 15 dollars max"])
def test_a_kids_team_is_kids_and_its_limit_a_price(text: str) -> None:
    # "U10 team" is children (and no product word); "max 15 dollars each" the limit: the $12 kids' bottle.
    reply = ask(text)
    assert ids(reply) == ["kids-bottle"] and "$12" in spoken(reply) and "$65" not in spoken(reply)
    assert parse_question("what can I get my U10 team?", KNOWLEDGE).price is None


def test_no_closest_over_the_limit_when_something_is_within_it() -> None:
    # The $12 bottle is under $15, so the $65 team hoodie is never offered as "the closest".
    reply = ask("anything for my team under $15?")
    assert "$65" not in spoken(reply) and "closest" not in spoken(reply)


def test_an_impossible_constraint_says_none_and_offers_the_closest() -> None:
    reply = ask("Anything under $5?")
    text = spoken(reply)
    assert text == "I don't have anything under $5 right now. The closest is the Kids' Squeeze Bottle for $12."
    assert ids(reply) == ["kids-bottle"]
    over = ask("Do you have anything for kids over $100?")
    assert spoken(over).startswith("I don't have anything over $100 for kids right now.")
    assert ids(over) == ["mascot-plush"]  # the priciest kids' item, nearest below the range
    assert spoken(ask("Do you sell goggles for kids?")) == "I don't have goggles for kids right now."
    purple = ask("Anything in purple?")
    assert spoken(purple) == "I don't have anything in purple right now." and purple.products == ()


@pytest.mark.parametrize("text", ["is the plush plus the pin set together cheaper than the goggles?",
                                  "are the goggles more expensive than the owl plush and the pins combined?",
                                  "plush + pin set, is that less than the goggles?"])
def test_a_sum_of_products_against_another_product(text: str) -> None:
    said = spoken(ask(text))
    # $29.99 + $18 = $47.99: one cent under the goggles' $48, said as less, with no gap the catalogue lacks.
    assert "$47.99" in said and "less than the Aurora Ski Goggles, which are $48" in said
    assert "$0.01" not in said


@pytest.mark.parametrize(("text", "said"), [
    ("are the goggles twice the price of the beanie??", "Yes, exactly twice: the Aurora Ski Goggles are $48"),
    ("is the beanie half as expensive as the goggles", "Yes, exactly half: the Snowflake Knit Beanie is $24"),
    ("does the hoodie cost double the beanie?", "No, not twice: the Glacier Blue Team Hoodie is $65"),
    ("is the pin set twice the price of the kids bottle", "No, not twice: the Collector Pin Set is $18")])
def test_one_price_as_a_multiple_of_another(text: str, said: str) -> None:
    assert spoken(ask(text)).startswith(said)


@pytest.mark.parametrize("text", ["anything with a snowflake design on it?", "do you have anything with a snowflake"])
def test_a_word_of_several_names_asked_of_the_store_lists_them(text: str) -> None:
    assert ids(ask(text)) == ["snowflake-beanie", "kids-mittens"]


@pytest.mark.parametrize("text", ["going snowboarding next week, what could I use from the shop?",
                                  "what could I take for snowboarding?"])
def test_what_could_i_use_for_an_occasion_recommends(text: str) -> None:
    reply = ask(text)
    assert "ski-goggles" in ids(reply) and "pin-set" not in ids(reply)


def test_cheaper_than_a_named_product() -> None:
    reply = ask("Anything cheaper than the beanie?")
    assert all(p.price < 24 for p in reply.products) and "snowflake-beanie" not in ids(reply)
    assert spoken(reply).startswith("Cheaper than the Snowflake Knit Beanie:")


def test_attribute_words_from_tags_and_descriptions() -> None:
    warm = ask("Anything warm?")
    assert set(ids(warm)) <= {p.id for p in KNOWLEDGE.products if "warm" in p.tags}
    assert ids(ask("Do you have something warm for skiing?")) == ["ski-gloves"]
    assert ids(ask("Do you have any merch under $30 with a snowflake on it?")) == ["kids-mittens", "snowflake-beanie"]


def test_a_name_that_fits_two_products_answers_for_both() -> None:
    reply = ask("Is the bottle in stock?")
    assert ids(reply) == ["thermal-bottle", "kids-bottle"]


def test_follow_ups_resolve_against_the_context() -> None:
    assert spoken(ask("is it in stock?", ("kids-mittens",))) == "The Kids' Snowflake Mittens are in stock."
    assert spoken(ask("does it come in red?", ("kids-mittens",))) == "Yes, the Kids' Snowflake Mittens come in red."
    compared = ask("which of them is cheaper?", ("kids-mittens", "kids-bottle"))
    assert compared.intent == "comparison"
    assert spoken(compared).startswith("The Kids' Squeeze Bottle is the cheaper one, at $12.")
    against = ask("is it cheaper than the beanie?", ("kids-mittens",))
    assert ids(against) == ["kids-mittens", "snowflake-beanie"]


def test_a_follow_up_with_no_history_is_left_to_the_engine() -> None:
    assert answer_catalogue("is it in stock?", KNOWLEDGE, (), WORDING["en"]) is None


def test_several_questions_in_one_message() -> None:
    reply = ask("What's the cheapest thing? And is it in stock?")
    assert spoken(reply) == ("The cheapest one is the Kids' Squeeze Bottle for $12. "
                             "The Kids' Squeeze Bottle is in stock.")
    # One question is not about the catalogue: the whole message goes to the engine's other answers.
    assert answer_catalogue("What's the cheapest thing? Why are pucks frozen?", KNOWLEDGE, (), WORDING["en"]) is None


def test_a_list_says_what_cannot_simply_be_bought_now() -> None:
    reply = ask("Anything for skiing?")
    assert spoken(reply).endswith("The Aurora Ski Goggles are up for pre-order. "
                                  "The Touchscreen Ski Gloves are sold out right now.")
    # Asked for exactly that, it is not said twice.
    assert "sold out right now" not in spoken(ask("What's sold out?"))


@pytest.mark.parametrize("text", [
    # Only a superlative or a word a product also has: the rest of the question is about something else.
    "What's the cheapest way to learn skiing?", "Any fun facts about the Winter Olympics?",
    "What's the most expensive Olympic Games ever?", "Do you have a favourite sport?",
    "How much is the beanie?", "What do you sell?", "Is the hoodie warm enough for skiing?",
    "Can I return something within 30 days?", "Tell me a fun fact about curling", "How long does shipping take?",
    "Hi Aurora! How are you today?",
])
def test_not_a_catalogue_question(text: str) -> None:
    assert answer_catalogue(text, KNOWLEDGE, (), WORDING["en"]) is None


def test_parse_reads_the_constraints() -> None:
    q = parse_question("anything warm for kids under $20 in red?", KNOWLEDGE)
    assert q.price is not None and q.price.below == 20 and q.price.above is None
    assert q.audience == "kids" and q.colour == "red" and q.words == ("warm",) and q.listing


def test_a_long_message_and_emoji_do_not_break_it() -> None:
    text = "I love this show so much 😍 " * 15 + "anything for kids under 20 dollars?"
    assert ids(ask(text[-490:])) == ["kids-bottle", "kids-mittens"]


def test_the_engine_answers_catalogue_questions_before_looking_up() -> None:
    engine = RetrievalEngine(PERSONA, KnowledgeIndex(KNOWLEDGE, backend="bm25"))
    answer = engine.compose(ChatTurn("fan", "Hi Aurora! Do you have anything for kids under 20 dollars?"))
    assert answer.intent == "catalogue_query"
    assert answer.sources == ("kids-bottle", "kids-mittens")
    assert "<wave>" in answer.text  # the greeting still opens the answer
    # A plain price question is still the product pitch.
    assert engine.compose(ChatTurn("fan", "How much is the beanie?")).intent == "product"


def test_chinese_constraints() -> None:
    wording, knowledge = WORDING["zh"], ZH.knowledge

    def zh(text: str) -> CatalogueReply:
        reply = answer_catalogue(text, knowledge, (), wording)
        assert reply is not None, text
        return reply

    under = zh("一百元以下有什么？")
    assert [p.price for p in under.products] == sorted(p.price for p in knowledge.products if p.price <= 100)[:3]
    assert spoken(under).startswith("¥100以下的有")
    none = zh("有没有适合小孩的，100元以下？")
    assert spoken(none).startswith("现在没有¥100以下、适合小朋友的商品。")
    assert [p.id for p in none.products] == ["owl-plush"]  # the closest: the kids' plush at ¥129
    assert [p.id for p in zh("最便宜的是哪个？").products] == ["curling-keychain"]
    compared = zh("帽子和手套哪个便宜？")
    assert compared.intent == "comparison" and spoken(compared) == "雪花针织帽更便宜，只要¥89。 触屏滑雪手套是¥159。"
    cheap = zh("有没有便宜点的？")
    assert spoken(cheap).startswith("实惠的有冰壶钥匙扣（¥29.90）") and spoken(cheap).endswith("和另外四件。")
    warm = zh("有什么保暖的？")
    assert spoken(warm).startswith("保暖的有") and {p.id for p in warm.products} == {
        p.id for p in knowledge.products if "保暖" in p.tags}
    assert spoken(zh("50到150块之间有什么？")).startswith("¥50到¥150之间的有")
    # The Chinese store lists no stock: she does not claim any.
    assert spoken(zh("手套有货吗？")) == "触屏滑雪手套有没有货，商店页面上可以看到。"
    # Nor colours: "any red ones?" cannot be answered "none".
    assert answer_catalogue("有红色的吗？", knowledge, (), wording) is None


@pytest.mark.parametrize("text", [
    "anything under $" + "9" * 400 + "?", "anything over $0.000001?", "under $ between and 30 to over $$$ dollars?",
    "🧤🧤 " * 100, "x" * 490, "Is it in stock? " * 20, "between 30 and 10 dollars?", "最便宜的" * 50,
    "does the 帽子 come in 红色 and XL???", "$$$", "?", "vs vs vs or or and",
])
def test_odd_messages_never_crash_nor_state_an_unknown_price(text: str) -> None:
    for wording, knowledge in ((WORDING["en"], KNOWLEDGE), (WORDING["zh"], ZH.knowledge)):
        reply = answer_catalogue(text, knowledge, (), wording)
        if reply is not None:
            known = {p.price_text for p in knowledge.products}
            said = {m for s in reply.sentences for m in _MONEY.findall(s.spoken) if m in known}
            assert said <= {p.price_text for p in reply.products} | {
                p.price_text for s in reply.sentences for p in knowledge.products if p.id in s.sources}


def test_a_reversed_range_is_read_low_to_high() -> None:
    assert spoken(ask("between 30 and 10 dollars?")).startswith("Between $10 and $30:")


# -- round two: colours only in product questions, low stock, dimensions, features ----------------------------------

@pytest.mark.parametrize("text", [
    "Which country took the most silver in Beijing?",
    "Did anyone from Norway wear red at the opening ceremony?",
    "How many golds has Canada won in curling?",
])
def test_a_colour_in_a_question_about_the_facts_is_no_catalogue_constraint(text: str) -> None:
    assert answer_catalogue(text, KNOWLEDGE, (), WORDING["en"]) is None
    # Nor is it asked of the product just discussed.
    assert answer_catalogue(text, KNOWLEDGE, (product("snowflake-beanie"),), WORDING["en"]) is None


@pytest.mark.parametrize("text", ["Got anything in silver?", "Which things do you sell in silver?"])
def test_a_colour_in_a_question_about_products_still_picks_them(text: str) -> None:
    reply = ask(text)
    assert "thermal-bottle" in ids(reply)
    assert all(any("silver" in c.lower() for c in p.colors) for p in reply.products)


@pytest.mark.parametrize("text", ["What's running low in the shop?", "Which items are nearly gone?",
                                  "What is selling fast at the moment?"])
def test_almost_sold_out_asks_for_the_low_stock_products(text: str) -> None:
    reply = ask(text)
    assert reply.intent == "availability"
    assert ids(reply) == [p.id for p in KNOWLEDGE.products if p.stock == "low_stock"] == ["team-hoodie"]
    assert "Touchscreen" not in spoken(reply)  # sold out is not "almost"


def test_almost_sold_out_of_a_named_product_says_its_stock() -> None:
    assert "only a few left" in spoken(ask("Is the team hoodie nearly sold out?"))
    assert "is in stock." in spoken(ask("Is the owl plush running low?"))


@pytest.mark.parametrize(("text", "first"), [
    ("Does the kids' squeeze bottle hold more than the thermal bottle?", "thermal-bottle"),
    ("thermal bottle vs kids bottle, which one is larger?", "thermal-bottle"),
    ("Which is smaller: the insulated thermal bottle or the squeeze bottle?", "kids-bottle"),
])
def test_a_size_comparison_is_answered_from_the_measures_in_the_descriptions(text: str, first: str) -> None:
    reply = ask(text)
    assert reply.intent == "comparison"
    assert set(ids(reply)) == {"thermal-bottle", "kids-bottle"}
    said = spoken(reply)
    assert said.startswith(f"The {product(first).name} is the")
    assert "500-millilitre" in said and "350-millilitre" in said
    assert "cheaper" not in said and "$" not in said  # the price is no answer to "which is bigger"


def test_a_dimension_no_description_states_is_said_unknown_with_the_prices() -> None:
    reply = ask("Which is lighter, the goggles or the pin set?")
    said = spoken(reply)
    assert "don't say which one is lighter" in said
    assert "$48" in said and "$18" in said
    assert "cheaper" not in said and "is the lighter one" not in said


def test_a_dimension_one_description_speaks_of_gets_the_descriptions_and_no_verdict() -> None:
    said = spoken(ask("Which keeps you warmer, the beanie or the ski goggles?"))
    assert "A warm knit beanie" in said and "warmer one" not in said and "cheaper" not in said


@pytest.mark.parametrize(("text", "said"), [
    ("I have exactly $30, enough for the kids mittens plus the squeeze bottle?",
     "come to $28. So yes, that fits your $30."),
    ("i got 40 bucks, can i get the beanie and the pin set?", "come to $42. So no, that's more than your $40."),
    ("is $50 enough for the hoodie + the beanie?", "come to $89. So no"),
])
def test_a_budget_asked_of_several_named_products_is_their_sum_against_it(text: str, said: str) -> None:
    assert said in spoken(ask(text))


def test_a_budget_with_a_choice_between_named_products_is_no_sum() -> None:
    assert "Together" not in spoken(ask("I only have $50, hoodie or goggles?"))


def test_a_single_size_that_names_itself_is_said_as_it_is() -> None:
    assert spoken(ask("what sizes does the beanie come in?")) == "The Snowflake Knit Beanie comes in one size."
    assert "comes in sizes XS, S, M, L, XL and XXL" in spoken(ask("what sizes does the hoodie come in?"))


def test_a_gift_described_otherwise_is_any_product_that_fits_and_a_bare_gift_the_gift_tagged_ones() -> None:
    assert ids(ask("need a gift for a friend, something warm to wear, max $25")) == ["kids-mittens",
                                                                                     "snowflake-beanie"]
    assert ids(ask("need a gift for my nana, something warm to wear, max $25")) == ["snowflake-beanie"]
    assert ids(ask("any gift ideas under 20?")) == ["pin-set"]


@pytest.mark.parametrize("text", ["Is the cheaper one packed in a gift box?",
                                  "does the less expensive one come with a gift box"])
def test_a_feature_of_the_cheaper_one_is_answered_from_its_description(text: str) -> None:
    reply = ask(text, ("snowflake-beanie", "pin-set"))
    assert ids(reply) == ["pin-set"]
    assert spoken(reply).startswith("Yes: ") and "gift box" in spoken(reply)
    assert reply.sentences[0].sources == ("pin-set",)


def test_a_feature_no_field_states_is_not_guessed() -> None:
    for text, context in (("does the pricier one come with a gift box?", ("snowflake-beanie", "pin-set")),
                          ("Does the owl plush come with a name tag?", ())):
        reply = ask(text, context)
        said = spoken(reply)
        assert "store page has the details" in said
        assert not said.startswith(("Yes", "No")) and reply.sentences[0].sources == ()
    assert ids(ask("does the pricier one come with a gift box?", ("snowflake-beanie", "pin-set"))) == [
        "snowflake-beanie"]


def test_which_of_your_products_is_no_back_reference() -> None:
    reply = ask("Which of your products come in an XL?")
    assert set(ids(reply)) == {"team-hoodie", "ski-gloves"}


@pytest.mark.parametrize(("text", "kind"), [("Does the shop carry snow chains?", "snow chains"),
                                            ("do you also sell sleds", "sleds")])
def test_a_kind_the_store_does_not_sell_is_said_honestly(text: str, kind: str) -> None:
    reply = ask(text)
    assert spoken(reply) == f"I don't have {kind} right now."
    assert reply.products == () and reply.sentences[0].sources == ()


@pytest.mark.parametrize("text", ["Do you sell owl plushies?", "does the store carry beanys", "Do you sell mitens?",
                                  "Do you have anything about curling?", "Do you have any pets?"])
def test_a_kind_near_a_product_or_no_sale_question_is_not_denied(text: str) -> None:
    reply = answer_catalogue(text, KNOWLEDGE, (), WORDING["en"])
    assert reply is None or "don't have" not in spoken(reply)


# -- round 3: the N cheapest, negated audiences, typos, feature comparisons, what can be bought now ---------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Show me the top 3 cheapest things", ["kids-bottle", "kids-mittens", "pin-set"]),
    ("which are your cheapest two items?", ["kids-bottle", "kids-mittens"]),
    ("name the three most expensive products", ["team-hoodie", "ski-goggles", "ski-gloves"]),
])
def test_the_n_cheapest_or_priciest_are_listed_in_order(text: str, expected: list[str]) -> None:
    reply = ask(text)
    assert ids(reply) == expected
    for product_id in expected:
        assert product(product_id).price_text in spoken(reply)


@pytest.mark.parametrize("text", [
    "Cheapest item that's not for children?",
    "what's the least expensive thing for grown-ups?",
    "cheapest thing apart from the kids stuff",
])
def test_a_negated_audience_leaves_its_products_out(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["pin-set"]  # the bottle, mittens and plush are for kids
    assert "$18" in spoken(reply) and "$12" not in spoken(reply) and "$16" not in spoken(reply)


@pytest.mark.parametrize(("text", "expected"), [
    ("whats ur cheepest item", "kids-bottle"),
    ("which is the most expensiv thing u got", "team-hoodie"),
    ("CHEAPEST THING PLS", "kids-bottle"),
])
def test_chat_spelling_and_typos_in_superlatives(text: str, expected: str) -> None:
    reply = ask(text)
    assert ids(reply) == [expected]
    assert product(expected).price_text in spoken(reply)


def test_a_typo_never_bends_a_word_the_host_knows() -> None:
    # "stick" is the facts' word (hockey sticks), not a typo of anything the catalogue asks.
    assert answer_catalogue("how long is a hockey stick?", KNOWLEDGE, (), WORDING["en"]) is None


@pytest.mark.parametrize(("text", "winner", "said"), [
    ("Which one is insulated, the squeeze bottle or the thermal one?", "thermal-bottle", "insulated"),
    ("gloves or mittens, which is waterproof?", "ski-gloves", "Waterproof"),
])
def test_a_comparison_on_a_stated_feature_answers_from_the_descriptions(text: str, winner: str, said: str) -> None:
    reply = ask(text)
    assert reply.intent == "comparison"
    assert reply.sentences[0].sources == (winner,)
    assert said in spoken(reply)
    assert "cheaper" not in spoken(reply)


_UNAVAILABLE = ["ski-gloves", "ski-goggles"]


@pytest.mark.parametrize(("text", "products", "said"), [
    # what cannot be bought now: the sold-out and the pre-order ones
    ("What can't I get right now?", _UNAVAILABLE, ("sold out", "pre-order")),
    ("Anything unavailable at the moment?", _UNAVAILABLE, ("sold out", "pre-order")),
    ("Are all your products in stock?", _UNAVAILABLE, ("sold out", "pre-order")),
    # a buying question about an in-stock product: in stock, at its price
    ("Could I buy the thermal bottle today?", ["thermal-bottle"], ("in stock", "$22.50")),
    ("do you still sell the owl plush?", ["mascot-plush"], ("in stock", "$29.99")),
    ("you still got beanies?", ["snowflake-beanie"], ("in stock", "$24")),
    # "up for grabs", "still going": whether it can still be bought, not a pitch
    ("pin set still up for grabs?", ["pin-set"], ("in stock", "$18")),
    ("is the owl plush still going?", ["mascot-plush"], ("in stock", "$29.99")),
    ("can I still get the beanie?", ["snowflake-beanie"], ("in stock", "$24")),
])
def test_what_can_be_bought_now_names_the_products_and_their_stock(text: str, products: list[str],
                                                                    said: tuple[str, ...]) -> None:
    reply = ask(text)
    assert reply.intent == "availability"
    assert sorted(ids(reply)) == products
    for words in said:
        assert words in spoken(reply)


@pytest.mark.parametrize("text", [
    "can I get the ski gloves in size L?",
    "Could I order the touchscreen gloves?",
    "are the gloves coming back?",
    "when will you restock the gloves?",
])
def test_every_answer_about_a_sold_out_product_says_it_is_sold_out(text: str) -> None:
    reply = ask(text)
    assert "sold out" in spoken(reply)
    assert not re.search(r"\b(?:in stock|tomorrow|next week)\b", spoken(reply))


def test_no_restock_date_is_invented() -> None:
    text = spoken(ask("will the ski gloves be back in stock?"))
    assert "sold out" in text and "restock date" in text
    assert not re.search(r"\d", text)


def test_what_is_getting_restocked_lists_what_waits_for_stock_under_a_heading() -> None:
    text = spoken(ask("What's getting restocked?"))
    assert text.startswith("Waiting for stock: the Aurora Ski Goggles for $48 and the Touchscreen Ski Gloves for $34.")
    assert not re.search(r"\b(?:tomorrow|next week|\d+ (?:days|weeks))\b", text)  # no restock date invented


@pytest.mark.parametrize("text", ["anything back in stock soon?", "is anything going to be restocked soon?",
                                  "will anything come back in stock soon?"])
def test_what_comes_back_soon_is_what_waits_for_stock(text: str) -> None:
    assert ids(ask(text)) == ["ski-goggles", "ski-gloves"]


@pytest.mark.parametrize(("text", "listed"), [("Anything on preorder?", ["ski-goggles"]),
                                              ("what's sold out?", ["ski-gloves"]),
                                              ("is it on preorder?", ["team-hoodie"])])
def test_a_stock_state_asked_of_anything_asks_the_store_not_the_product_discussed(text: str,
                                                                                 listed: list[str]) -> None:
    assert ids(ask(text, context=("team-hoodie",))) == listed


@pytest.mark.parametrize(("text", "said"), [
    ("Are there many hoodies left?", "only a few left"),
    ("how many beanies are left?", "in stock"),
])
def test_how_many_are_left_says_the_stock_of_a_plural_name(text: str, said: str) -> None:
    assert said in spoken(ask(text))


def test_the_wording_is_the_engines_in_both_languages() -> None:
    for wording in WORDING.values():
        assert wording.dimension_verdict and wording.feature_unknown and wording.no_restock
        assert {"cheapest", "priciest"} <= set(wording.top)
        assert {"low_stock", "unavailable", "not_kids", "not_gift"} <= set(wording.constraint)


@pytest.mark.parametrize(("text", "expected"), [
    ("anything for kids below fifteen bucks?", ["kids-bottle"]),
    ("got anything for the kids for less than seventeen dollars?", ["kids-bottle", "kids-mittens"]),
])
def test_amounts_written_in_words(text: str, expected: list[str]) -> None:
    assert ids(ask(text)) == expected


@pytest.mark.parametrize("text", ["when do the goggles come out?", "have the ski goggles been released?"])
def test_a_release_question_says_the_pre_order(text: str) -> None:
    assert "pre-order" in spoken(ask(text))


@pytest.mark.parametrize("text", ["Could you teach me something about skiing?", "share some trivia about skiing"])
def test_a_request_to_learn_about_a_facts_topic_is_no_catalogue_listing(text: str) -> None:
    assert answer_catalogue(text, KNOWLEDGE, (), WORDING["en"]) is None


def test_a_request_to_learn_about_the_stores_products_still_lists_them() -> None:
    assert "Snowflake Knit Beanie" in spoken(ask("tell me something about your warm stuff"))


def test_an_amount_in_words_is_restated_in_the_fans_words_not_as_digits_she_was_not_told() -> None:
    text = spoken(ask("is there anything for kids under fifteen bucks?"))
    assert "fifteen bucks" in text and "$15" not in text and "$12" in text


def test_a_kind_that_only_shares_a_first_syllable_with_a_product_is_not_sold() -> None:
    reply = ask("do you guys carry snowboards?")
    assert ids(reply) == [] and "snowboards" in spoken(reply) and "$" not in spoken(reply)


def test_a_comparison_on_an_audience_picks_the_one_for_it_not_the_cheaper() -> None:
    reply = ask("the thermal bottle or the squeeze bottle: which one is meant for children?")
    assert reply.sentences[0].sources == ("kids-bottle",) and "cheaper" not in spoken(reply)


def test_which_n_are_the_cheapest() -> None:
    assert ids(ask("which 3 items are the cheapest?")) == ["kids-bottle", "kids-mittens", "pin-set"]


def test_a_gift_not_for_a_child() -> None:
    assert ids(ask("any present ideas that aren't for a kid?")) == ["pin-set"]


def test_available_again_says_no_restock_date() -> None:
    assert "restock date" in spoken(ask("will the touchscreen gloves be in stock again?"))


@pytest.mark.parametrize("text", [
    "I've got 30 bucks, what can I buy?", "my budget's $30, any ideas", "I can spend $30 on merch",
    "With $30, what would you get?", "$30 budget, what do you recommend?", "i only have 30 dollars lol",
    "I have got $30 to spend"])
def test_a_budget_said_as_what_the_fan_has_is_a_price_limit(text: str) -> None:
    reply = ask(text)
    assert reply.intent == "catalogue_query"
    assert reply.products and all(p.price <= 30 for p in reply.products)
    assert "$12" in spoken(reply) and "$30" in spoken(reply)


@pytest.mark.parametrize("text", [
    "I have 2 kids, what do you sell?", "I've got 3 days left, is the hoodie in stock?", "with 2 friends here!"])
def test_a_bare_number_the_fan_has_is_no_budget(text: str) -> None:
    assert parse_question(text, KNOWLEDGE).price is None


@pytest.mark.parametrize("text", [
    "thanks!! so what's the priciest thing you sell", "ok ty. now what is the cheapest thing in the store",
    "cool thx, and whats the cheapest kids thing"])
def test_a_catalogue_question_after_thanks_is_answered_after_the_thanks(text: str) -> None:
    engine = RetrievalEngine(PERSONA, KnowledgeIndex(KNOWLEDGE, backend="bm25"))
    answer = engine.compose(ChatTurn("new-fan", text))
    assert any(p in answer.text for p in PERSONA.phrases["thanks_reply"])
    assert answer.intent != "social" and re.search(r"\$\d", answer.text), answer.text


@pytest.mark.parametrize("text", ["Which of your things costs the most?",
                                  "What in your shop costs the most?"])
def test_the_priciest_asked_by_structure(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == [max(KNOWLEDGE.products, key=lambda p: p.price).id]


def test_the_cheapest_asked_by_structure() -> None:
    assert ids(ask("Which item costs the least?")) == [min(KNOWLEDGE.products, key=lambda p: p.price).id]


@pytest.mark.parametrize("text", ["What would you get for an 8-year-old?", "any present for a seven year old?"])
def test_an_age_asks_for_kids_and_no_number_is_restated(text: str) -> None:
    reply = ask(text)
    assert reply.products and all("kids" in p.tags or "children" in p.tags for p in reply.products)
    assert not re.search(r"\b(?:seven|eight|8)\b", spoken(reply).lower())


def test_words_no_product_has_are_never_restated_as_a_constraint() -> None:
    reply = ask("I want something that will keep my hands warm out there")
    text = spoken(reply)
    assert "keep" not in text.lower() and "don't have" not in text
    assert any("warm" in p.tags for p in reply.products)


def test_a_kind_not_sold_is_said_without_the_place() -> None:
    text = spoken(ask("Can I buy a snowboard in your store?"))
    assert "don't have" in text and "store" not in text


def test_still_sold_asks_whether_it_is_available() -> None:
    reply = ask("are the ski gloves still sold?")
    assert "sold out" in spoken(reply)


@pytest.mark.parametrize(("text", "said"), [
    # the fan's words for a thing get a noun, an excluded audience a clause at the end
    ("What's the cheapest warm thing that's not for kids?",
     "The cheapest warm item that isn't for kids is the Snowflake Knit Beanie for $24."),
    ("cheapest thing that isn't for kids?", "The cheapest one that isn't for kids is the Collector Pin Set for $18."),
    ("cheapest hat not for kids?", "The cheapest hat that isn't for kids is the Snowflake Knit Beanie for $24."),
    ("anything warm under $5?", "I don't have anything warm under $5 right now."),
])
def test_a_constraint_reads_as_a_noun_phrase(text: str, said: str) -> None:
    assert spoken(ask(text)).startswith(said)


@pytest.mark.parametrize(("text", "said", "not_said"), [
    ("i only have $50, hoodie or goggles?", "Under $50: the Aurora Ski Goggles for $48", "$65"),
    ("beanie or pins under $20?", "Under $20: the Collector Pin Set for $18", "$24"),
])
def test_a_choice_between_named_kinds_is_made_among_them(text: str, said: str, not_said: str) -> None:
    """Each word names other products: the answer chooses among those, never "I don't have hoodie goggles"."""
    reply = ask(text)
    spoken = " ".join(s.text for s in reply.sentences)
    assert said in spoken and not_said not in spoken and "don't have" not in spoken


@pytest.mark.parametrize("text", ["which is cheaper?", "which one's cheaper", "which costs more?"])
def test_a_comparison_with_one_product_in_mind_asks_which_to_compare_it_with(text: str) -> None:
    """One product discussed: its own price, and a question back; never the catalogue's most expensive product."""
    reply = ask(text, context=("team-hoodie",))
    said = spoken(reply)
    assert reply.intent == "comparison" and ids(reply) == ["team-hoodie"]
    assert "The Glacier Blue Team Hoodie is $65." in said and said.endswith("?")
    assert "most expensive" not in said and "cheaper one" not in said and len(_MONEY.findall(said)) == 1


def test_which_of_them_is_the_comparative_of_the_catalogue() -> None:
    """The engine's "which one's cheaper?" is read with the catalogue's own comparative words."""
    from models.dialogue.catalogue import WHICH_OF_THEM

    for text in ("which one's cheaper", "which is more expensive", "which of them costs less", "which is dearer"):
        match = WHICH_OF_THEM.search(text)
        assert match is not None and match.group("than"), text
    superlative = WHICH_OF_THEM.search("which is the cheapest")
    assert superlative is not None and superlative.group("than") is None


@pytest.mark.parametrize(("text", "said"), [
    ("if i buy the beanie and the kids mittens how much is that altogether?",
     "Together, the Snowflake Knit Beanie for $24 and the Kids' Snowflake Mittens for $16 come to $40."),
    ("how much for the hoodie and the beanie together?",
     "Together, the Glacier Blue Team Hoodie for $65 and the Snowflake Knit Beanie for $24 come to $89."),
    ("how much pricier is the hoodie compared to the beanie",
     "The Glacier Blue Team Hoodie costs $41 more than the Snowflake Knit Beanie: $65 against $24."),
    ("how much cheaper is the squeeze bottle than the thermal bottle?",
     "The Thermal Bottle costs $10.50 more than the Kids' Squeeze Bottle: $22.50 against $12."),
    ("thermal bottle or beanie - which is cheaper and by how much?",
     "The Snowflake Knit Beanie costs $1.50 more than the Thermal Bottle: $24 against $22.50."),
    # The gap counted in the currency's own name: "dollars", "bucks", whatever it is.
    ("How many dollars dearer is the hoodie compared to the beanie?",
     "The Glacier Blue Team Hoodie costs $41 more than the Snowflake Knit Beanie: $65 against $24."),
    ("how many bucks cheaper is the squeeze bottle than the thermal bottle",
     "The Thermal Bottle costs $10.50 more than the Kids' Squeeze Bottle: $22.50 against $12."),
    # "More" after the currency's name is the gap too, not the two prices side by side.
    ("hoodie vs beanie, how many dollars more is the hoodie",
     "The Glacier Blue Team Hoodie costs $41 more than the Snowflake Knit Beanie: $65 against $24."),
    ("how many bucks less is the squeeze bottle than the thermal bottle?",
     "The Thermal Bottle costs $10.50 more than the Kids' Squeeze Bottle: $22.50 against $12."),
])
def test_a_sum_or_difference_of_prices_is_worked_out_from_the_prices(text: str, said: str) -> None:
    reply = ask(text)
    assert spoken(reply) == said and reply.intent == "comparison"
    assert set(reply.sentences[0].sources) == set(ids(reply)) and len(ids(reply)) == 2


@pytest.mark.parametrize(("text", "said"), [
    ("when will the goggles ship out?", "The Aurora Ski Goggles are up for pre-order."),
    ("does the beanie ship right away?", "The Snowflake Knit Beanie is in stock."),
    ("goggles or beanie, which one ships right away?",
     "The Aurora Ski Goggles are up for pre-order. The Snowflake Knit Beanie is in stock.")])
def test_when_a_named_product_ships_is_its_stock(text: str, said: str) -> None:
    reply = ask(text)
    assert spoken(reply) == said and reply.intent == "availability"


@pytest.mark.parametrize(("text", "said"), [
    ("Should I grab the hoodie now or can I wait till payday?",
     "The Glacier Blue Team Hoodie is in stock, with only a few left."),
    ("should I buy the beanie now or later?", "The Snowflake Knit Beanie is in stock.")])
def test_whether_to_buy_now_or_wait_is_the_products_stock(text: str, said: str) -> None:
    reply = ask(text)
    assert spoken(reply) == said and reply.intent == "availability"


@pytest.mark.parametrize("text", ["Need a gift under $20 for a grown-up curling fan, so nothing for kids",
                                  "anything under $20, nothing for kids please", "something under $20 for a grown-up"])
def test_nothing_for_kids_leaves_the_kids_things_out(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["pin-set"] and "Kids'" not in spoken(reply), spoken(reply)


def test_when_an_order_ships_is_the_policy_not_a_product() -> None:
    assert answer_catalogue("when will my order ship?", KNOWLEDGE, (), WORDING["en"]) is None


def test_the_difference_in_price_of_the_products_discussed() -> None:
    assert spoken(ask("whats the difference in price", context=("mascot-plush", "thermal-bottle"))) == \
        "The Snowy Owl Mascot Plush costs $7.49 more than the Thermal Bottle: $29.99 against $22.50."


def test_going_together_is_no_sum() -> None:
    reply = answer_catalogue("do the beanie and the mittens go together?", KNOWLEDGE, (), WORDING["en"])
    assert reply is None or "come to" not in spoken(reply)


@pytest.mark.parametrize("text", ["is every item in the shop in stock rn", "is everything available",
                                  "is every product in stock?",
                                  # whether it can all be had, or some is missing (round 35)
                                  "could I order it all tonight or are some items missing?",
                                  "can we buy basically everything right now", "any products missing at the moment?"])
def test_whether_everything_is_in_stock_names_what_cannot_be_bought_now(text: str) -> None:
    said = spoken(ask(text))
    unavailable = [p for p in KNOWLEDGE.products if p.stock in ("sold_out", "preorder")]
    assert unavailable and all(p.name in said for p in unavailable)
    assert not any(p.name in said for p in KNOWLEDGE.products if p not in unavailable)


def test_everything_in_stock_is_said_only_when_every_product_says_so() -> None:
    from dataclasses import replace

    stocked = replace(KNOWLEDGE, products=tuple(replace(p, stock="in_stock") for p in KNOWLEDGE.products))
    reply = answer_catalogue("is everything in stock?", stocked, (), WORDING["en"])
    assert reply is not None and spoken(reply) == WORDING["en"].all_available
    unknown = replace(stocked, products=(replace(stocked.products[0], stock=None), *stocked.products[1:]))
    reply = answer_catalogue("is everything in stock?", unknown, (), WORDING["en"])
    assert reply is not None and WORDING["en"].all_available not in spoken(reply)
    assert spoken(reply) == f"The store page shows whether the {unknown.products[0].name} is in stock."


@pytest.mark.parametrize("text", ["thermal bottle or squeeze bottle, which one fits more drink",
                                  "which bottle holds more, the thermal one or the kids one?"])
def test_which_holds_more_is_read_from_the_measures_the_descriptions_state(text: str) -> None:
    reply = ask(text)
    said = spoken(reply)
    assert said.startswith("The Thermal Bottle is the bigger one.") and "500" in said and "350" in said
    assert ids(reply) == ["thermal-bottle", "kids-bottle"] and "Mittens" not in said and "$" not in said


def test_a_volume_is_not_compared_with_a_length() -> None:
    said = spoken(ask("which is bigger, the plush or the thermal bottle?"))
    assert "bigger one" not in said and "30-centimetre" in said and "500-millilitre" in said


def test_a_measure_no_description_states_is_said_to_be_unknown() -> None:
    said = spoken(ask("which is heavier, the plush or the thermal bottle?"))
    assert said.startswith("The product descriptions don't say which one is heavier") and "heavier one" not in said


def test_how_big_a_product_is_gets_its_description_not_the_pitch() -> None:
    engine = RetrievalEngine(PERSONA, KnowledgeIndex(PERSONA.knowledge, backend="bm25"))
    answer = engine.compose(ChatTurn("fan", "how big is the owl plush, like in cm"))
    assert "30-centimetre" in answer.text and "$" not in answer.text and answer.sources == ("mascot-plush",)


def test_the_difference_between_two_products_tells_both() -> None:
    engine = RetrievalEngine(PERSONA, KnowledgeIndex(PERSONA.knowledge, backend="bm25"))
    answer = engine.compose(ChatTurn("fan", "whats the diff between the kids mittens and the ski gloves"))
    assert "Mittens" in answer.text and "Gloves" in answer.text and "$16" in answer.text and "$34" in answer.text


def test_two_colours_of_one_product_have_its_one_price() -> None:
    reply = answer_catalogue("silver or black thermal bottle, is one of them cheaper", PERSONA.knowledge, (),
                             WORDING["en"])
    assert reply is not None and reply.intent == "comparison"
    text = " ".join(s.text for s in reply.sentences)
    assert "$22.50" in text and "silver and black" in text and "cost the same" in text and "Yes," not in text


def test_a_budget_said_with_only_and_an_age_in_yo_are_constraints() -> None:
    text = spoken(ask("need a little gift for my 6 yo niece but my budget is only 15 bucks, anything?"))
    assert "Kids' Squeeze Bottle for $12" in text and text.startswith("Under $15 for kids")
    assert "$29.99" not in text and "$18" not in text
    assert parse_question("my son is 5, thermal bottle or squeeze bottle?", KNOWLEDGE).audience == "kids"


@pytest.mark.parametrize(("text", "named"), [
    ("is the hoodie worth it over the beanie?", ["Team Hoodie is $65", "Knit Beanie is $24"]),
    ("pins or the owl plush, which is the better gift?", ["Collector Pin Set is $18", "Mascot Plush is $29.99"]),
])
def test_a_choice_between_two_named_products_names_and_describes_both(text: str, named: list[str]) -> None:
    reply = ask(text)
    assert reply.intent == "comparison" and len(reply.products) == 2
    said = spoken(reply)
    assert all(n in said for n in named)
    assert all(p.description in said for p in reply.products)
    assert "cheaper" not in said  # no price was asked: no price verdict


def test_a_choice_for_a_use_or_an_adult_picks_the_one_that_fits_and_says_it_cannot_be_bought() -> None:
    said = spoken(ask("goggles or beanie for snowboarding, what would u pick?"))
    assert said.startswith("The Aurora Ski Goggles are the one for that.") and "up for pre-order" in said
    assert "Beanie" not in said
    said = spoken(ask("gloves or mittens for my husband lol"))
    assert said.startswith("The Touchscreen Ski Gloves are the one for that.") and "sold out right now" in said
    assert "Mittens" not in said


def test_an_activity_for_the_host_is_no_choice_between_products() -> None:
    assert answer_catalogue("Do you ski or snowboard?", KNOWLEDGE, (), WORDING["en"]) is None


def test_less_than_a_named_product_compares_the_prices() -> None:
    said = spoken(ask("is the plush less than the hoodie?"))
    assert said.startswith("The Snowy Owl Mascot Plush is the cheaper one, at $29.99.") and "$65" in said


def test_still_there_asks_for_stock_and_a_price_asked_beside_attributes_is_said() -> None:
    said = spoken(ask("the owl plushie, still there or gone?"))
    assert "Plush is in stock" in said and "sold out" not in said
    said = spoken(ask("how much is the plush, and what colour is it?"))
    assert said.startswith("The Snowy Owl Mascot Plush is $29.99.") and "comes in white" in said


def test_a_price_limit_asked_of_a_named_product_is_answered_yes_or_no_with_its_price() -> None:
    reply = ask("Is the plush more than 30 dollars?")
    assert spoken(reply) == "No, the Snowy Owl Mascot Plush is $29.99. That's under $30."
    assert ids(reply) == ["mascot-plush"]
    assert spoken(ask("is the hoodie under 70 dollars?")) == "Yes, the Glacier Blue Team Hoodie is $65."
    assert "Plush under $30" in spoken(ask("any plush under 30 dollars?"))  # a listing, as before


@pytest.mark.parametrize("text", ["WHEN DID CURLING COME BACK TO THE OLYMPICS", "my cat ran away and hasn't come back"])
def test_come_back_of_no_product_is_no_catalogue_question(text: str) -> None:
    # "come back" says a restock only of a product named or discussed; its words are no kind of product either.
    assert answer_catalogue(text, KNOWLEDGE, (), WORDING["en"]) is None
    assert parse_question(text, KNOWLEDGE).words == ()


def test_my_total_of_two_named_products_is_their_sum() -> None:
    reply = ask("If I get the owl plush and the pin set, what's my total?")
    assert "come to $47.99" in spoken(reply) and "$29.99" in spoken(reply) and "$18" in spoken(reply)
    assert ids(reply) == ["mascot-plush", "pin-set"]


@pytest.mark.parametrize(("text", "said", "product_id"), [
    ("whats the second cheapest item in the store", "The second cheapest one is the Kids' Snowflake Mittens for $16.",
     "kids-mittens"),
    ("what's the 2nd most expensive thing you sell?",
     "The second most expensive one is the Aurora Ski Goggles for $48.", "ski-goggles"),
    ("third priciest?", "The third most expensive one is the Touchscreen Ski Gloves for $34.", "ski-gloves"),
    ("the 3rd cheapest warm item?", "The third cheapest warm item is the Touchscreen Ski Gloves for $34.",
     "ski-gloves"),
])
def test_a_place_in_the_price_order_is_that_one_product(text: str, said: str, product_id: str) -> None:
    reply = ask(text)
    assert spoken(reply) == said and ids(reply) == [product_id]


def test_a_place_past_the_end_of_the_price_order_is_the_last_one_said_as_what_it_is() -> None:
    # Four warm products: "the sixth cheapest" of them is none; the last is said with its own place.
    said = spoken(ask("what's the 6th cheapest warm item"))
    assert said == "The fourth cheapest warm item is the Glacier Blue Team Hoodie for $65."


@pytest.mark.parametrize("text", ["my husband wears XXL, is there anything that fits him?", "anything in 2XL?",
                                  "do you have something in xx-large", "anything in extra extra large"])
def test_an_extra_size_as_the_fan_writes_it_finds_the_product_that_lists_it(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["team-hoodie"] and "In size XXL" in spoken(reply)
    assert "Gloves" not in spoken(reply) and "Mittens" not in spoken(reply)


def test_an_extra_size_as_the_store_writes_it_is_the_same_size() -> None:
    # Another store writes "2XL": the fan's "XXL" is that size, said as the store writes it.
    hoodie = dataclasses.replace(product("team-hoodie"), sizes=("M", "L", "2XL"))
    knowledge = dataclasses.replace(KNOWLEDGE, products=(hoodie, product("ski-gloves")))
    reply = answer_catalogue("does the hoodie come in XXL?", knowledge, (), WORDING["en"])
    assert reply is not None and spoken(reply) == "Yes, the Glacier Blue Team Hoodie comes in 2XL."
    reply = answer_catalogue("anything in xx-large?", knowledge, (), WORDING["en"])
    assert reply is not None and ids(reply) == ["team-hoodie"]
    assert spoken(ask("do the gloves come in XXL?")).startswith("The Touchscreen Ski Gloves come in S, M, L and XL, "
                                                               "not in XXL.")


def test_which_comes_in_more_colours_or_sizes_is_answered_with_the_counts() -> None:
    said = spoken(ask("which one has more colour options, the beanie or the kids mittens?"))
    assert said == ("The Snowflake Knit Beanie comes in three colours: white, navy and red. The Kids' Snowflake "
                    "Mittens come in three colours: red, pink and navy. They come in the same number of colours.")
    said = spoken(ask("does the hoodie or the gloves come in more sizes?"))
    assert "six sizes" in said and "four sizes" in said
    assert said.endswith("So the Glacier Blue Team Hoodie comes in more sizes.")
    said = spoken(ask("which has more colours, the plush or the thermal bottle?"))
    assert "one colours" not in said and "Plush comes in white." in said
    assert said.endswith("So the Thermal Bottle comes in more colours.")
    assert spoken(ask("which comes in fewer colors: goggles or beanie")).endswith(
        "So the Aurora Ski Goggles come in fewer colours.")
    # Of the two discussed: "them".
    assert "same number of colours" in spoken(ask("which of them has more colours?", ("thermal-bottle", "kids-bottle")))


def test_a_count_before_a_product_multiplies_its_price_in_a_comparison() -> None:
    # Two beanies ($48 together) against the goggles' own $48: the same, not the goggles dearer. (Not through
    # `ask`: the beanies' $48 is a sum of the beanie's price that happens to be the goggles' price too.)
    reply = answer_catalogue("which costs more: two beanies or one pair of goggles?", KNOWLEDGE, (), WORDING["en"])
    assert reply is not None
    said = spoken(reply)
    assert "The two Snowflake Knit Beanies are $48 ($24 each)." in said and "They cost the same." in said
    assert "more expensive" not in said
    said = spoken(ask("which is cheaper, 2 hoodies or 3 pin sets?"))
    assert said.startswith("The three Collector Pin Sets are the cheaper one, at $54 ($18 each).") and "$130" in said


@pytest.mark.parametrize(("text", "said"), [
    ("how much for 3x pin set?", "The three Collector Pin Sets are $54 ($18 each)."),
    ("2 hoodies how much", "The two Glacier Blue Team Hoodies are $130 ($65 each)."),
    ("two pin sets and a beanie, how much altogether?",
     "Together, the two Collector Pin Sets for $36 ($18 each) and the Snowflake Knit Beanie for $24 come to $60."),
    ("I have $40, can I get two pin sets?", "The two Collector Pin Sets are $36 ($18 each). So yes"),
    ("is $60 enough for 3 pin sets and a squeeze bottle?", "come to $66. So no, that's more than your $60."),
])
def test_a_count_before_a_product_multiplies_its_price_in_sums_and_budgets(text: str, said: str) -> None:
    assert said in spoken(ask(text))


@pytest.mark.parametrize("text", ["how much is the squeeze bottle for my 8 year old?",
                                  "my 2 kids love the plush, how much is it?", "hw much 4 the beanie"])
def test_an_age_or_a_number_of_people_is_no_count(text: str) -> None:
    assert set(parse_question(text, KNOWLEDGE).counts) == {1}


def test_a_count_names_the_product_in_its_plural() -> None:
    assert WORDING["en"].lot("Snowy Owl Mascot Plush", 2) == "two Snowy Owl Mascot Plushes"
    assert WORDING["en"].lot("Touchscreen Ski Gloves", 3) == "three Touchscreen Ski Gloves"
    assert WORDING["zh"].lot("雪花针织帽", 2) == "两个雪花针织帽"


@pytest.mark.parametrize("text", ["office secret santa, limit is $20, what could I get?",
                                  "spending limit of 20 bucks, what can I get?", "max $20, what have you got?"])
def test_a_limit_is_a_budget(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["kids-bottle", "kids-mittens", "pin-set"] and "Under $20" in spoken(reply)


@pytest.mark.parametrize(("text", "said"), [
    ("I've got 50 bucks, is that enough for the hoodie?",
     "No, the Glacier Blue Team Hoodie is $65. That's $15 more than your $50."),
    ("I have 30 quid, enough for the gloves?", "No, the Touchscreen Ski Gloves are $34. That's $4 more than your $30."),
    ("I have 30 bucks, is that enough for the plush?", "Yes, the Snowy Owl Mascot Plush is $29.99.")])
def test_a_budget_short_of_a_product_says_by_how_much(text: str, said: str) -> None:
    assert spoken(ask(text)) == said


def test_a_range_asked_of_a_product_is_no_budget() -> None:
    assert spoken(ask("is the hoodie under $50?")) == "No, the Glacier Blue Team Hoodie is $65. That's over $50."


@pytest.mark.parametrize("text", ["gift for my kid's teacher, 25 dollars max, something warm to wear?",
                                  "present for my son's coach under $25, something warm?",
                                  "something warm under $25 for my daughter's teacher"])
def test_a_gift_for_someones_teacher_is_for_the_teacher_not_the_kid(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["snowflake-beanie"] and "Kids'" not in spoken(reply), spoken(reply)


@pytest.mark.parametrize("text", ["stocking filler under $20 for a coworker, an adult, nothing kiddy",
                                  "something under $20 for my colleague", "under $20, nothing kiddie please"])
def test_a_grown_up_recipient_leaves_the_kids_products_out(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["pin-set"] and "Kids'" not in spoken(reply), spoken(reply)


@pytest.mark.parametrize("text", ["cheapest warm thing an adult can wear?", "what's the cheapest warm thing for me?",
                                  "cheapest warm thing for my husband?", "cheapest warm thing for my dad",
                                  "cheapest warm thing in adult sizes?", "cheapest warm thing for a grown-up"])
def test_a_grown_up_wearer_leaves_the_kids_products_out(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["snowflake-beanie"] and "$24" in spoken(reply), spoken(reply)
    assert "Mittens" not in spoken(reply) and "$16" not in spoken(reply)


def test_for_me_and_my_son_keeps_the_kids_products() -> None:
    assert "Kids' Snowflake Mittens" in spoken(ask("cheapest warm thing for me and my son?"))


def test_for_me_alone_asks_nothing_of_the_catalogue() -> None:
    # "for me" says who shops only in a question that picks products: a fact "for me" is no listing of products.
    assert parse_question("got a biathlon fact for me?", KNOWLEDGE).excluded is None


@pytest.mark.parametrize(("text", "said"), [
    ("most expensive of the kids stuff?", "The most expensive one for kids is the Snowy Owl Mascot Plush for $29.99."),
    ("priciest kids item?", "The most expensive one for kids is the Snowy Owl Mascot Plush for $29.99."),
    ("cheapest of the kids' things?", "The cheapest one for kids is the Kids' Squeeze Bottle for $12.")])
def test_a_superlative_of_the_kids_products_ranks_every_one_for_kids(text: str, said: str) -> None:
    # The plush is for kids by its tags, not its name: it is ranked with the "Kids'" products.
    assert spoken(ask(text)) == said


@pytest.mark.parametrize(("text", "said"), [
    ("hoodie minus beanie, how many dollars apart are they?",
     "The Glacier Blue Team Hoodie costs $41 more than the Snowflake Knit Beanie: $65 against $24."),
    ("what's the hoodie minus the goggles?",
     "The Glacier Blue Team Hoodie costs $17 more than the Aurora Ski Goggles: $65 against $48."),
    ("how far apart are the plush and the thermal bottle in price?",
     "The Snowy Owl Mascot Plush costs $7.49 more than the Thermal Bottle: $29.99 against $22.50."),
    # A count applies to the difference as to a sum: what the lot costs.
    ("three pin sets minus the beanie?",
     "The three Collector Pin Sets cost $30 more than the Snowflake Knit Beanie: $54 ($18 each) against $24."),
    ("how much more is the hoodie than 3 pin sets?",
     "The Glacier Blue Team Hoodie costs $11 more than the three Collector Pin Sets: $65 against $54 ($18 each).")])
def test_minus_and_how_far_apart_are_the_difference_of_the_prices(text: str, said: str) -> None:
    reply = ask(text)
    assert spoken(reply) == said and reply.intent == "comparison"


@pytest.mark.parametrize(("text", "context"), [
    ("which sells more, the beanie or the hoodie?", ()), ("which is more popular, the plush or the pins?", ()),
    ("does the hoodie have good reviews?", ()), ("is the beanie a best seller?", ()),
    ("is it popular?", ("snowflake-beanie",)), ("how is it rated?", ("team-hoodie",))])
def test_sales_popularity_and_ratings_are_not_in_the_catalogue(text: str, context: tuple[str, ...]) -> None:
    reply = ask(text, context)
    said = spoken(reply)
    assert said == WORDING["en"].not_in_catalogue and "$" not in said
    assert reply.sentences[0].sources == ()  # no product's fact stated


def test_a_zh_question_about_sales_is_declined_in_zh() -> None:
    reply = answer_catalogue("帽子和卫衣哪个销量高？", ZH.knowledge, (), WORDING["zh"])
    assert reply is not None and spoken(reply) == WORDING["zh"].not_in_catalogue


@pytest.mark.parametrize(("text", "context"), [
    ("what ages?", ("kids-mittens",)), ("what age range are they for?", ("kids-mittens",)),
    ("what ages are the kids mittens for?", ())])
def test_the_ages_a_product_is_for_are_its_descriptions(text: str, context: tuple[str, ...]) -> None:
    reply = ask(text, context)
    assert "aged 4 to 10" in spoken(reply) and ids(reply) == ["kids-mittens"] and "$" not in spoken(reply)


def test_ages_no_description_states_are_not_guessed() -> None:
    said = spoken(ask("what ages?", ("mascot-plush",)))
    assert said == "The store page has the details on that for the Snowy Owl Mascot Plush.", said


@pytest.mark.parametrize("text", ["is the plush more than the pin set?", "does the plush cost more than the pin set",
                                  "is the owl plush more than the pins?"])
def test_more_than_a_named_product_asks_which_costs_more(text: str) -> None:
    reply = ask(text)
    said = spoken(reply)
    assert reply.intent == "comparison" and said.startswith("The Snowy Owl Mascot Plush is the more expensive one")
    assert "$29.99" in said and "$18" in said


def test_more_than_a_product_and_by_how_much_is_the_gap() -> None:
    said = spoken(ask("is the plush more than the pin set? by how much?"))
    assert "The Snowy Owl Mascot Plush costs $11.99 more than the Collector Pin Set: $29.99 against $18." in said


def test_more_than_an_amount_is_still_a_price_check() -> None:
    assert spoken(ask("is the plush more than $30?")) == "No, the Snowy Owl Mascot Plush is $29.99. That's under $30."


@pytest.mark.parametrize("text", ["Pins, plush or the beanie, which of the three is cheapest?",
                                  "which is cheapest: the beanie, the plush or the pin set?"])
def test_the_cheapest_of_three_named_products_compares_all_three(text: str) -> None:
    reply = ask(text)
    assert sorted(ids(reply)) == ["mascot-plush", "pin-set", "snowflake-beanie"]
    assert spoken(reply).startswith("The Collector Pin Set is the cheapest of them, at $18.")


@pytest.mark.parametrize(("text", "said"), [
    ("should I hurry with the beanie or is there plenty?", "The Snowflake Knit Beanie is in stock."),
    ("do I need to hurry to get the hoodie?", "The Glacier Blue Team Hoodie is in stock, with only a few left."),
    ("are there plenty of the pin sets left?", "The Collector Pin Set is in stock."),
    ("will the beanie sell out?", "The Snowflake Knit Beanie is in stock.")])
def test_whether_to_hurry_is_the_products_stock(text: str, said: str) -> None:
    reply = ask(text)
    assert spoken(reply) == said and reply.intent == "availability"


@pytest.mark.parametrize("text", [
    "we watch from Brazil with my son, he is 7 and want something warm for hands, what you have for him?",
    "my daughter, she's 6, needs something warm for her hands"])
def test_a_childs_age_said_after_a_pronoun_asks_for_kids_things(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["kids-mittens"] and "$16" in spoken(reply) and "$34" not in spoken(reply)


@pytest.mark.parametrize("text", ["I need something to keep my coffee hot on the chairlift",
                                  "we need something to keep our tea hot at the rink"])
def test_a_thing_needed_for_a_use_a_description_states_is_that_product(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["thermal-bottle"] and "$22.50" in spoken(reply)


def test_a_count_of_the_products_named_after_of_is_their_sum() -> None:
    assert spoken(ask("how much for 3 of the pin sets?")) == "The three Collector Pin Sets are $54 ($18 each)."


@pytest.mark.parametrize(("text", "products"), [
    ("what have you got for snowboarders", ["ski-goggles"]),
    ("what do you have for snowboarding?", ["ski-goggles"]),
    ("anything for skiers?", ["ski-gloves", "ski-goggles"]),
    ("got anything for a skier?", ["ski-gloves", "ski-goggles"]),
])
def test_the_people_of_an_activity_ask_for_the_products_tagged_with_it(text: str, products: list[str]) -> None:
    """"Snowboarders", "skiers": the products whose tags name the activity ("snowboarding"), not her own line."""
    reply = ask(text)
    assert sorted(ids(reply)) == products
    assert "favourite" not in spoken(reply)


@pytest.mark.parametrize(("text", "said"), [
    ("the goggles are above 50 bucks?", "No, the Aurora Ski Goggles are $48. That's under $50."),
    ("pin set is less than $15 isn't it", "No, the Collector Pin Set is $18. That's over $15.")])
def test_a_price_outside_the_range_asked_says_on_which_side(text: str, said: str) -> None:
    assert spoken(ask(text)) == said


@pytest.mark.parametrize("text", ["anything gone already?", "what stuff is sold out or gone?",
                                  "which products are all gone?"])
def test_gone_of_the_stores_things_is_sold_out(text: str) -> None:
    assert ids(ask(text)) == ["ski-gloves"]


@pytest.mark.parametrize("text", ["i got like 20 bucks what can i buy", "ive maybe $20 lol, what's there"])
def test_a_budget_said_loosely_is_still_a_budget(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["kids-bottle", "kids-mittens", "pin-set"] and "Under $20" in spoken(reply)


def test_a_matching_set_the_fan_puts_together_is_no_product_named_set() -> None:
    said = spoken(ask("want matching pairs for me and my son: the gloves and the kids mittens, total?"))
    assert "come to $50" in said and "Pin Set" not in said


def test_a_stock_state_before_a_name_points_at_the_product_in_a_price_comparison() -> None:
    said = spoken(ask("which is pricier, the sold-out gloves or the pre-order goggles?"))
    assert said.startswith("The Aurora Ski Goggles are the more expensive one, at $48.") and "$34" in said


def test_a_choice_of_what_fits_a_grown_up_says_the_sizes_of_the_one_chosen() -> None:
    said = spoken(ask("would the hoodie or the kids mittens fit me? i'm an adult"))
    assert said.startswith("The Glacier Blue Team Hoodie is the one for that.")
    assert "The Glacier Blue Team Hoodie comes in sizes XS, S, M, L, XL and XXL." in said and "Mittens" not in said
    # Without a fit asked, the one chosen alone, as before.
    assert "sizes" not in spoken(ask("squeeze bottle or thermal bottle, which one is for a grown-up?"))


def test_cheaper_one_of_a_product_with_another_of_its_kind_is_that_one() -> None:
    said = spoken(ask("is there a cheaper one?", context=("thermal-bottle",)))
    assert said.startswith("The Kids' Squeeze Bottle is the cheaper one, at $12.")
    # Nothing of its kind is cheaper: which product to compare it with, as before.
    assert "compare" in spoken(ask("cheaper one?", context=("snowflake-beanie",)))


def test_anything_cheaper_than_the_product_discussed_lists_the_cheaper_ones() -> None:
    reply = ask("got something cheaper?", context=("thermal-bottle",))
    assert ids(reply) == ["kids-bottle", "kids-mittens", "pin-set"]
    assert spoken(reply).startswith("Cheaper than the Thermal Bottle:")


def test_sizes_asked_for_a_child_of_a_kids_product_discussed_are_its_sizes() -> None:
    reply = ask("what sizes are there? it's for my 6 year old", context=("kids-mittens",))
    assert spoken(reply) == "The Kids' Snowflake Mittens come in sizes kids S and kids M."


# -- round 26: a feature in its own clause, a colour or size with stock ----------------------------------------------


@pytest.mark.parametrize("text", ["is it packed in a gift box? my niece collects badges",
                                  "does it come in a box? she turns seven on friday"])
def test_a_feature_is_asked_in_its_own_clause(text: str) -> None:
    """What follows the feature's clause says who it is for, not more of the feature."""
    reply = ask(text, ("pin-set",))
    assert spoken(reply).startswith("Yes: ") and "gift box" in spoken(reply)
    assert reply.sentences[0].sources == ("pin-set",)


@pytest.mark.parametrize(("text", "colour", "price"), [
    ("the beanie in white, still in stock?", "white", "$24"),
    ("mittens in pink, do you have them?", "pink", "$16"),
    ("the kids bottle in blue... do ya have it", "blue", "$12"),
])
def test_a_colour_and_the_stock_asked_together_are_both_said(text: str, colour: str, price: str) -> None:
    said = spoken(ask(text))
    assert f"comes in {colour}" in said or f"come in {colour}" in said
    assert "in stock" in said and price in said, said


# -- round 27: an activity, a colour or a size across the store, stock across it, a price gap after a choice --------


@pytest.mark.parametrize(("text", "expected"), [
    ("gear for snowboarding?", ["ski-goggles"]),
    ("what have you got for my wife? she snowboards", ["ski-goggles"]),
    ("my husband skis every weekend, any ideas?", ["ski-goggles", "ski-gloves"]),
    ("things for a friend who loves to ski", ["ski-goggles", "ski-gloves"]),
])
def test_an_activity_lists_the_products_made_for_it(text: str, expected: list[str]) -> None:
    """What someone does ("she snowboards", "loves to ski") is the activity a product's words say it is for."""
    reply = ask(text)
    assert ids(reply) == expected, spoken(reply)


def test_a_verb_that_is_no_products_activity_stays_the_fans_word() -> None:
    """Only an activity some product's words have is read so: "do you sell snowboards?" still asks for a kind."""
    assert spoken(ask("do you sell snowboards?")) == "I don't have snowboards right now."
    assert answer_catalogue("who skis fastest in the world?", KNOWLEDGE, (), WORDING["en"]) is None


@pytest.mark.parametrize(("text", "colour", "expected"), [
    ("navy things?", "navy", ["snowflake-beanie", "kids-mittens"]),
    ("any black stuff? love that colour", "black", ["thermal-bottle", "ski-gloves"]),
])
def test_a_colour_across_the_store_lists_what_comes_in_it(text: str, colour: str, expected: list[str]) -> None:
    reply = ask(text)
    assert ids(reply) == expected
    assert spoken(reply).startswith(f"In {colour}:")


def test_a_colour_no_product_comes_in_is_said_to_fit_nothing() -> None:
    assert spoken(ask("orange stuff?")) == "I don't have anything in orange right now."


def test_one_size_across_the_store_lists_the_products_in_one_size() -> None:
    reply = ask("got anything in one size fits all?")
    assert ids(reply) == ["snowflake-beanie"]
    assert spoken(reply).startswith("In one size: the Snowflake Knit Beanie for $24.")


@pytest.mark.parametrize("text", ["are any of the products sold out, or is it all in stock?",
                                  "can I still buy everything, or is some of it out of stock?"])
def test_stock_across_the_store_names_what_cannot_be_bought(text: str) -> None:
    """"Some of it" with nothing discussed is of the store the question names, not a product to ask back."""
    said = spoken(ask(text))
    assert "Touchscreen Ski Gloves" in said and "sold out" in said.lower() and "Beanie" not in said, said


@pytest.mark.parametrize(("text", "value"), [("still some mittens left in navy?", "navy"),
                                             ("any hoodies left in size S?", "S")])
def test_left_with_a_colour_or_size_says_the_stock_too(text: str, value: str) -> None:
    said = spoken(ask(text))
    assert f"in {value}." in said and "in stock" in said, said


def test_a_price_gap_after_a_choice_is_of_both_products_chosen_among() -> None:
    said = spoken(ask("hoodie or pin set for my dad who skis? what's the price diff"))
    assert "The Glacier Blue Team Hoodie costs $47 more than the Collector Pin Set: $65 against $18." in said


def test_a_price_gap_after_a_choice_through_the_engine() -> None:
    engine = RetrievalEngine(PERSONA, KnowledgeIndex(KNOWLEDGE, backend="bm25"))
    answer = engine.compose(ChatTurn("fan", "mittens or beanie for my niece? diff in price?"))
    said = " ".join(s.spoken for s in answer.sentences)
    assert "$24" in said and "$16" in said and "$8 more" in said, said


@pytest.mark.parametrize("text", ["can i preorder anything", "what's up for pre order right now?",
                                  "which things are pre-order only"])
def test_preorder_however_spelt_lists_the_preorder_products(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["ski-goggles"] and "pre-order" in spoken(reply)


@pytest.mark.parametrize(("text", "stock"), [("is the beanie in red available?", "in stock"),
                                             ("team hoodie in XL, is it available", "few left"),
                                             ("ski gloves in L available?", "sold out")])
def test_a_colour_or_size_asked_with_availability_says_the_stock_too(text: str, stock: str) -> None:
    reply = ask(text)
    assert stock in spoken(reply).lower() and len(reply.sentences) >= 2, spoken(reply)


def test_which_colours_are_available_only_lists_them() -> None:
    assert "stock" not in spoken(ask("which colours is the beanie available in?")).lower()


@pytest.mark.parametrize("text", ["does it come in a bag or a box?", "does it come loose or in a gift box"])
def test_a_feature_asked_as_one_of_two_is_answered_by_the_one_it_states(text: str) -> None:
    said = spoken(ask(text, ("pin-set",)))
    assert "gift box" in said and "store page" not in said, said


@pytest.mark.parametrize("text", ["no hoodies, I want something I can collect", "something to collect, not a hat",
                                  "anything to collect except clothing?"])
def test_a_purpose_with_a_kind_ruled_out_finds_the_product_for_it(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["pin-set"], spoken(reply)


def test_a_kind_ruled_out_is_left_out_of_the_list() -> None:
    assert "snowflake-beanie" not in ids(ask("no hats, something warm"))


@pytest.mark.parametrize("text", ["anything to keep soup hot at the game?", "something I could keep cocoa hot in"])
def test_a_use_said_as_the_things_purpose_finds_the_product(text: str) -> None:
    assert ids(ask(text)) == ["thermal-bottle"]


# -- round 29: a size or colour asked of a product that cannot be bought now ----------------------------------------

@pytest.mark.parametrize(("text", "context", "stock"), [
    ("any chance you've got these in large?", ("ski-gloves",), "sold out"),
    ("can I get them in small?", ("ski-gloves",), "sold out"),
    ("got the goggles in gold mirror?", (), "pre-order"),
])
def test_a_product_not_to_be_had_now_gets_no_yes_for_its_size_or_colour(text: str, context: tuple[str, ...],
                                                                         stock: str) -> None:
    """It comes in that size or colour, but "yes" would say the fan can have it: the fact and its stock, no yes."""
    said = spoken(ask(text, context))
    assert not said.lower().startswith("yes") and " come in " in said and stock in said, said


def test_got_them_asks_the_stock_of_the_colour_and_size_named() -> None:
    said = spoken(ask("pink mittens in kids S, have them?"))
    assert "come in pink" in said and "come in kids S" in said and "in stock" in said


def test_a_product_on_pre_order_is_said_with_its_price() -> None:
    said = spoken(ask("can I get the goggles right now or what"))
    assert "pre-order" in said and "$48" in said


def test_a_colour_asked_of_two_products_names_all_each_comes_in() -> None:
    said = spoken(ask("are the beanie and the mittens both available in red?"))
    assert "Snowflake Knit Beanie comes in red; the choices are" in said
    assert "Kids' Snowflake Mittens come in red; the choices are" in said


def test_a_need_said_without_i_is_the_product_whose_description_states_it() -> None:
    assert ids(ask("need something that keeps soup hot on a long hike")) == ["thermal-bottle"]


@pytest.mark.parametrize("text", ["are the mittens pure cotton?", "is the plush polyester or cotton",
                                  "are the ski goggles glass or plastic?"])
def test_a_material_no_description_states_is_an_honest_i_dont_know(text: str) -> None:
    reply = ask(text)
    said = spoken(reply)
    assert "don't know" in said and "$" not in said and reply.sentences[0].sources == (), said


def test_a_material_the_description_states_is_told() -> None:
    said = spoken(ask("are the collector pins enamel?"))
    assert said.startswith("Yes: ") and "enamel" in said, said


@pytest.mark.parametrize("text", ["can I still get the touchscreen gloves?", "ski gloves available?"])
def test_a_sold_out_product_asked_of_its_stock_is_said_with_what_it_is(text: str) -> None:
    reply = ask(text)
    said = spoken(reply)
    assert "sold out" in said and "touchscreen fingertips" in said and ids(reply) == ["ski-gloves"], said


@pytest.mark.parametrize("text", ["team hoodie avail in L?", "is the hoodie still avail in size S"])
def test_avail_asks_the_stock_of_the_size_asked(text: str) -> None:
    said = spoken(ask(text))
    assert "only a few left" in said, said


@pytest.mark.parametrize("text", ["little gifts for my class, under 14 bucks each", "presents under $13 for my class"])
def test_gifts_under_a_price_are_any_products_within_it(text: str) -> None:
    reply = ask(text)
    said = spoken(reply)
    assert ids(reply) == ["kids-bottle"] and "$12" in said and "$18" not in said, said


def test_a_gift_for_someone_under_a_price_says_what_the_product_is() -> None:
    reply = ask("present for a plush lover, under 40 bucks?")
    said = spoken(reply)
    assert "$29.99" in said and "snowy owl mascot" in said and ids(reply) == ["mascot-plush"], said


@pytest.mark.parametrize("text", ["got any clothes or only accessories?", "do u have clothes or only accessories"])
def test_kinds_asked_either_or_are_each_listed(text: str) -> None:
    reply = ask(text)
    said = spoken(reply)
    assert said.startswith("Clothing: the Glacier Blue Team Hoodie") and "Accessories: " in said, said


@pytest.mark.parametrize("text", ["do they have a pom pom, the knit beanies?", "does the beanie come with a pompom"])
def test_a_compound_of_the_description_is_one_word_however_spelled(text: str) -> None:
    said = spoken(ask(text))
    assert said.startswith("Yes: ") and "pom-pom" in said, said


@pytest.mark.parametrize("text", ["anything below 30 bucks? nothing on backorder pls",
                                  "stuff under $26 that isn't sold out, what is there",
                                  "what's under 25 dollars without the pre-order items"])
def test_a_stock_state_excluded_asks_for_what_is_in_stock(text: str) -> None:
    reply = ask(text)
    said = spoken(reply)
    assert "in stock" in said and "ski-goggles" not in ids(reply) and "ski-gloves" not in ids(reply), said
    assert "$12" in said and "$48" not in said and "pre-order" not in said, said


@pytest.mark.parametrize("text", ["my two kiddos are 6 and 8, what do you have for them?",
                                  "shopping for our four little ones (2, 4, 6 and 10), any ideas?"])
def test_children_named_as_the_fans_own_ask_for_the_kids_products(text: str) -> None:
    reply = ask(text)
    assert set(ids(reply)) == {"mascot-plush", "kids-mittens", "kids-bottle"}, spoken(reply)


@pytest.mark.parametrize(("text", "limit"), [("what could I buy for 25?", "Under $25"),
                                             ("anything I can get with 20", "Under $20")])
def test_a_bare_number_ending_what_the_fan_can_get_is_a_budget(text: str, limit: str) -> None:
    said = spoken(ask(text))
    assert limit in said and "$65" not in said, said


def test_a_number_of_people_after_for_is_no_budget() -> None:
    assert "Under $" not in spoken(ask("what can I get for 2 kids?"))


@pytest.mark.parametrize("text", ["anything in red? my team plays in red",
                                  "something in black maybe, the hoodie is too bright for me"])
def test_a_colour_asked_of_the_store_lists_every_product_in_it(text: str) -> None:
    reply = ask(text)
    said = spoken(reply)
    assert "team-hoodie" not in ids(reply) and len(ids(reply)) == 2 and said.startswith("In "), said


@pytest.mark.parametrize("text", ["black things only, it's for a winter themed party",
                                  "only red stuff pls its for a festive room"])
def test_what_a_colour_is_for_picks_nothing_out_of_it(text: str) -> None:
    reply = ask(text)
    said = spoken(reply)
    assert said.startswith("In ") and len(ids(reply)) == 2 and "$65" not in said, said


@pytest.mark.parametrize("text", ["soft toys??", "any teddies?"])
def test_a_kind_named_by_its_class_lists_the_products_of_it(text: str) -> None:
    reply = ask(text)
    assert ids(reply) == ["mascot-plush"] and "$29.99" in spoken(reply), spoken(reply)


def test_a_gift_for_a_grown_up_may_be_a_kids_thing_so_both_are_described() -> None:
    reply = ask("owl plush or the pin set, which makes a better present for my boss")
    said = spoken(reply)
    assert "Pin Set is $18" in said and "Mascot Plush is $29.99" in said, said
    assert all(p.description in said for p in reply.products), said


@pytest.mark.parametrize(("text", "total"), [("the goggles plus the beanie, what's that together?", "$72"),
                                             ("thermal bottle and pins, what would that be altogether", "$40.50")])
def test_what_two_products_are_together_is_their_sum(text: str, total: str) -> None:
    said = spoken(ask(text))
    assert said.startswith("Together") and total in said, said


def test_a_colour_it_comes_in_asked_as_available_states_its_stock_and_price() -> None:
    beanie = product("snowflake-beanie")
    reply = ask(f"is the {beanie.colors[0]} beanie available?")
    said = spoken(reply)
    assert beanie.price_text in said and "in stock" in said, said
    # A colour it does not come in: the colours it does, no price as if it could be bought so.
    said = spoken(ask("are the mittens available in white?"))
    assert "not in white" in said and product("kids-mittens").price_text not in said, said


def test_something_missing_from_an_order_is_no_question_of_the_stock() -> None:
    assert parse_question("some items are missing from my order", KNOWLEDGE).stock != "unavailable"



@pytest.mark.parametrize("text", ["something warm for a grown woman?", "anything cosy for an adult guy?",
                                  "need gear to keep warm, it's for a grown man"])
def test_a_grown_up_named_rules_out_the_kids_products(text: str) -> None:
    reply = ask(text)
    assert reply.products and not any("kids" in p.tags for p in reply.products), (text, reply)


@pytest.mark.parametrize(("text", "ids"), [("what comes in red?", {"snowflake-beanie", "kids-mittens"}),
                                           ("what is in navy??", {"snowflake-beanie", "kids-mittens"})])
def test_a_colour_asked_of_the_whole_store_lists_what_comes_in_it(text: str, ids: set[str]) -> None:
    assert {p.id for p in ask(text).products} == ids


def test_the_priciest_thing_a_budget_buys_with_it_is_within_the_budget() -> None:
    reply = ask("i have 30 bucks, what's the most expensive thing i can buy with that?")
    assert reply.products == (product("mascot-plush"),)
    assert "$29.99" in strip_tags(" ".join(s.text for s in reply.sentences))


@pytest.mark.parametrize(("text", "said"), [
    ("do you have the gloves in black at the moment?", ("black", "sold out")),
    ("does the shop have the hoodie in L currently", ("L", "in stock"))])
def test_a_colour_or_size_asked_as_had_now_states_its_stock_too(text: str, said: tuple[str, str]) -> None:
    spoken = strip_tags(" ".join(s.text for s in ask(text).sentences))
    assert all(s in spoken for s in said), (text, spoken)


def test_chat_spellings_of_kids_and_sizes_ask_the_sizes() -> None:
    spoken = strip_tags(" ".join(s.text for s in ask("mittens for kidz, which sizs?").sentences))
    assert "kids S" in spoken and "kids M" in spoken, spoken


@pytest.mark.parametrize("text", ["any curling trivia for my 8 year old son?", "a fun fact for the kids please"])
def test_a_fact_asked_for_a_child_is_no_shopping_question(text: str) -> None:
    assert answer_catalogue(text, KNOWLEDGE, (), WORDING["en"]) is None


@pytest.mark.parametrize(("text", "said"), [("what's the cheapest item you sell, payday is next week", "$12"),
                                            ("priciest thing in your store? asking for my rich uncle", "$65")])
def test_a_superlative_of_the_store_is_answered_whatever_else_the_fan_says(text: str, said: str) -> None:
    assert said in strip_tags(" ".join(s.text for s in ask(text).sentences))


@pytest.mark.parametrize(("text", "said"), [("are the gloves gone already?", "sold out"),
                                            ("beanie all gone??", "in stock")])
def test_a_product_named_as_gone_asks_its_stock(text: str, said: str) -> None:
    assert said in strip_tags(" ".join(s.text for s in ask(text).sentences))


def test_something_gone_that_is_no_product_asks_no_stock() -> None:
    assert answer_catalogue("is the snow all gone yet?", KNOWLEDGE, (), WORDING["en"]) is None
