"""C30: phones from shared contacts and typed text all end up in E.164, or are asked again."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.contact_rules import ContactRules
from bot.ordering.conversation import step
from bot.ordering.events import ContactShared, TextEntered
from bot.ordering.model import Customer, Draft, Step
from bot.ordering.screens import Ask, Problem
from bot.sandbox.run import Sandbox
from bot.settings import Settings, load_settings
from tests.cases.steps import fill_the_cart, order_values
from tests.flows.conftest import BotRunner, Chat, answer_the_rest_of_the_form

MOSCOW = "+79161234567"
AT_PHONE = Draft(42, "d-c30", Customer(42, "Ivan"), Step.PHONE, name="Ivan")


@pytest.mark.parametrize("shared", ["79161234567", "+79161234567", "++79161234567"])
def test_c30_a_shared_contact_with_or_without_the_plus_becomes_one_e164_number(
    shared: str,
) -> None:
    """C30 (1, 2): Telegram clients differ on the +; the stored phone is +79161234567 either way."""
    outcome = step(AT_PHONE, ContactShared(shared, own=True), ContactRules("US"))
    assert outcome.draft is not None
    assert (outcome.draft.step, outcome.draft.phone) == (Step.EMAIL, MOSCOW)


@pytest.mark.parametrize(
    ("region", "typed", "stored"),
    [
        ("RU", "8 (916) 123-45-67", MOSCOW),  # 3: national format with the trunk prefix 8
        ("US", "+44 20 7946 0958", "+442079460958"),  # 4
        ("US", "0044 20 7946 0958", "+442079460958"),  # 5: 00 as the international prefix
        ("RU", "0044 20 7946 0958", "+442079460958"),  # 5, where 8~10 is the local one
        ("GB", "0044 20 7946 0958", "+442079460958"),
        ("US", "17748019715", "+17748019715"),  # 6: country code without the +
        ("US", "011 44 20 7946 0958", "+442079460958"),  # the US international prefix
        ("US", "+7 916 123-45-67", MOSCOW),
    ],
)
def test_c30_typed_numbers_are_read_with_the_configured_region_and_stored_in_e164(
    region: str, typed: str, stored: str
) -> None:
    """C30 (3-6): national and international spellings, parsed with PHONE_REGION."""
    assert ContactRules(region).phone(typed) == stored
    outcome = step(AT_PHONE, TextEntered(typed), ContactRules(region))
    assert outcome.draft is not None and outcome.draft.phone == stored


@pytest.mark.parametrize("typed", ["12345", "call me", "", "00", "+", "8 (916) 123", "0" * 40])
def test_c30_implausible_numbers_are_asked_again_and_the_draft_is_kept(typed: str) -> None:
    """C30 (8): a re-prompt naming the problem; the draft stays at PHONE with its answers."""
    outcome = step(AT_PHONE, TextEntered(typed), ContactRules("RU"))
    assert outcome.draft == AT_PHONE
    (screen,) = outcome.screens
    assert isinstance(screen, Ask) and screen.problem is Problem.BAD_PHONE


def test_c30_someone_elses_contact_is_refused_and_the_draft_is_kept() -> None:
    """C30 (7): a contact that is not the sender's own is not taken as the customer's phone."""
    outcome = step(AT_PHONE, ContactShared(MOSCOW, own=False), ContactRules("RU"))
    assert outcome.draft == AT_PHONE
    (screen,) = outcome.screens
    assert isinstance(screen, Ask) and screen.problem is Problem.NOT_OWN_CONTACT


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path) -> Settings:
    """The flow settings with PHONE_REGION=RU."""
    env = {key.lower(): value for key, value in sandbox.settings().items()}
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    return load_settings(_env_file=None, **env, database_url=url, phone_region="RU")


async def test_c30_only_the_customers_own_contact_is_taken_and_stored_with_its_plus(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C30 (1, 7, 8): bad text, contacts of user 99 and of no user refused; own contact kept."""
    telegram = sandbox.telegram
    async with bot_runner():
        await fill_the_cart(chat, sandbox)
        await chat.tap("✅ Checkout", expect="Your name")
        await chat.say("Ivan Petrov", expect="phone number")
        await chat.say("12345", expect="does not look like a phone number")
        await chat.say("call me", expect="does not look like a phone number")
        chat._set_mark()
        telegram.share_contact(chat.user_id, MOSCOW, contact_user_id=99, first_name="Olga")
        await chat.expect("someone else")
        chat._set_mark()
        telegram.share_contact(chat.user_id, MOSCOW, contact_user_id=None, first_name="Olga")
        await chat.expect("someone else")
        await chat.share_contact("79161234567", expect="E-mail")
        summary = await answer_the_rest_of_the_form(chat)
        assert f"Phone: {MOSCOW}" in summary.text
        await chat.tap("✅ Confirm", expect="placed")
    assert order_values(sandbox)["guest_phone"] == MOSCOW


async def test_c30_a_national_number_typed_in_the_shops_region_is_stored_in_e164(
    sandbox: Sandbox, chat: Chat, bot_runner: BotRunner
) -> None:
    """C30 (3): with PHONE_REGION=RU, "8 (916) 123-45-67" reaches OneEntry as +79161234567."""
    async with bot_runner():
        await fill_the_cart(chat, sandbox)
        await chat.tap("✅ Checkout", expect="Your name")
        await chat.say("Ivan Petrov", expect="phone number")
        await chat.say("8 (916) 123-45-67", expect="E-mail")
        await answer_the_rest_of_the_form(chat)
        await chat.tap("✅ Confirm", expect="placed")
    assert order_values(sandbox)["guest_phone"] == MOSCOW
