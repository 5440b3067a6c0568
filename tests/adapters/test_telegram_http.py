"""The Telegram emulator speaks Bot API HTTP: envelope, statuses, parameter transports, faults."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, RetryAfter

from bot.sandbox.telegram import TelegramEmulator

TOKEN = "7000000001:AAHtest-token_0123456789abcdefghijk"  # the conftest's emulator token
CUSTOMER = 777000111
OTHER = 777000222
GROUP = -4123456789


async def post(api: httpx.AsyncClient, method: str, **params: Any) -> httpx.Response:
    """A form-urlencoded call, the way python-telegram-bot sends one (objects as JSON text)."""
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return await api.post(f"/bot{TOKEN}/{method}", data=form)


def started(telegram: TelegramEmulator, user_id: int = CUSTOMER) -> None:
    """The user has pressed Start, so the bot may write to them."""
    telegram.send_text(user_id, "/start", first_name="Ann")


# --- envelope and statuses ----------------------------------------------------------------------


async def test_a_success_is_ok_true_with_the_result(api: httpx.AsyncClient) -> None:
    """getMe answers 200 {"ok": true, "result": <the bot user>}."""
    response = await api.post(f"/bot{TOKEN}/getMe")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["result"]["is_bot"] is True
    assert body["result"]["username"] == "sandbox_shop_bot"


async def test_method_names_are_case_insensitive(api: httpx.AsyncClient) -> None:
    """`getme` and `GETME` are getMe, as on Telegram."""
    for name in ("getme", "GETME"):
        assert (await api.post(f"/bot{TOKEN}/{name}")).json()["ok"] is True


async def test_an_error_has_the_http_status_of_its_error_code(api: httpx.AsyncClient) -> None:
    """A refused call answers with HTTP status == error_code and Telegram's description."""
    response = await post(api, "sendMessage", chat_id=404404, text="hi")
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }


async def test_a_wrong_token_of_the_right_shape_is_401_unauthorized(
    api: httpx.AsyncClient,
) -> None:
    """A token that looks like one but is not the bot's is 401 "Unauthorized"."""
    response = await api.post("/bot7000000001:AAHsomeone-elses-token/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_a_malformed_token_is_404_not_found(api: httpx.AsyncClient) -> None:
    """A token without `<id>:` is not a bot route at all: 404 "Not Found"."""
    response = await api.post("/botnot-a-token/getMe")
    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_an_unknown_method_is_404_not_found(api: httpx.AsyncClient) -> None:
    """A method the API does not have is 404 "Not Found", recorded as a refused call."""
    response = await api.post(f"/bot{TOKEN}/sendTelepathy")
    assert response.status_code == 404
    assert response.json()["description"] == "Not Found"


async def test_ptb_refuses_to_start_with_a_wrong_token(telegram_url: str) -> None:
    """python-telegram-bot's initialize() (getMe) raises InvalidToken on the 401."""
    bot = Bot("7000000001:AAHwrong-token", base_url=f"{telegram_url}/bot")
    try:
        with pytest.raises(InvalidToken):
            await bot.initialize()
    finally:
        await bot.shutdown()


async def test_ptb_raises_bad_request_and_forbidden(telegram: TelegramEmulator, bot: Bot) -> None:
    """A 400 is BadRequest with Telegram's text; a blocked user's 403 is Forbidden."""
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(404404, "hi")
    started(telegram)
    telegram.block(CUSTOMER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CUSTOMER, "hi")


async def test_ptb_raises_retry_after_with_the_seconds_to_wait(
    telegram: TelegramEmulator, bot: Bot
) -> None:
    """A 429 with parameters.retry_after is RetryAfter carrying those seconds."""
    started(telegram)
    telegram.fail("sendMessage", status=429, retry_after=2)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(CUSTOMER, "hi")
    with pytest.warns(DeprecationWarning):  # PTB 22 returns an int, warning it will change
        seconds = raised.value.retry_after
    assert seconds in (2, dtm.timedelta(seconds=2))


async def test_ptb_raises_chat_migrated_with_the_new_chat_id(
    telegram: TelegramEmulator, bot: Bot
) -> None:
    """Writing to a group that became a supergroup raises ChatMigrated(new_chat_id)."""
    telegram.add_group(GROUP, "Shop admins")
    telegram.migrate_group(GROUP, -1001987654321)
    with pytest.raises(ChatMigrated) as raised:
        await bot.send_message(GROUP, "hi")
    assert raised.value.new_chat_id == -1001987654321


# --- parameter transports -----------------------------------------------------------------------


async def test_parameters_are_read_from_the_query_string(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """GET /sendMessage?chat_id=...&text=... sends the message."""
    started(telegram)
    response = await api.get(f"/bot{TOKEN}/sendMessage", params={"chat_id": CUSTOMER, "text": "q"})
    assert response.json()["result"]["text"] == "q"


async def test_form_parameters_carry_objects_as_json_text(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """A form's reply_markup is JSON text; the result carries the keyboard as an object."""
    started(telegram)
    keyboard = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy:15"}]]}
    response = await post(
        api, "sendMessage", chat_id=str(CUSTOMER), text="Cup", reply_markup=keyboard
    )
    assert response.json()["result"]["reply_markup"] == keyboard
    assert telegram.calls_for(CUSTOMER, "sendMessage")[-1].params["reply_markup"] == keyboard


async def test_a_json_body_carries_real_values(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """A JSON body with an int chat_id and an object reply_markup is accepted."""
    started(telegram)
    keyboard = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy:15"}]]}
    response = await api.post(
        f"/bot{TOKEN}/sendMessage",
        json={
            "chat_id": CUSTOMER,
            "text": "<b>Cup</b>",
            "parse_mode": "HTML",
            "reply_markup": keyboard,
        },
    )
    result = response.json()["result"]
    assert (result["text"], result["reply_markup"]) == ("Cup", keyboard)


async def test_a_malformed_json_body_is_a_bad_request(api: httpx.AsyncClient) -> None:
    """A body that claims to be JSON but is not is refused with 400."""
    response = await api.post(
        f"/bot{TOKEN}/getMe", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["description"] == "Bad Request: can't parse JSON encoded request body"


async def test_a_multipart_upload_becomes_a_photo_that_can_be_fetched(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """sendPhoto with a file part gives PhotoSizes; getFile and the file route serve the bytes."""
    started(telegram)
    picture = b"\x89PNG\r\n\x1a\nfake picture"
    response = await api.post(
        f"/bot{TOKEN}/sendPhoto",
        data={"chat_id": str(CUSTOMER), "caption": "Cup"},
        files={"photo": ("application.octet-stream", picture, "application/octet-stream")},
    )
    result = response.json()["result"]
    assert result["caption"] == "Cup"
    sizes = result["photo"]
    assert [size["width"] for size in sizes] == [90, 320, 800]
    file = (await post(api, "getFile", file_id=sizes[-1]["file_id"])).json()["result"]
    assert file["file_size"] == len(picture)
    download = await api.get(f"/file/bot{TOKEN}/{file['file_path']}")
    assert download.content == picture


async def test_a_photo_sent_before_can_be_sent_again_by_any_size_file_id(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """Re-sending by the file_id of one size gives the same sizes, as Telegram's caching does."""
    started(telegram)
    first = await api.post(
        f"/bot{TOKEN}/sendPhoto",
        data={"chat_id": str(CUSTOMER)},
        files={"photo": ("p.jpg", b"jpeg bytes", "image/jpeg")},
    )
    sizes = first.json()["result"]["photo"]
    again = await post(api, "sendPhoto", chat_id=CUSTOMER, photo=sizes[1]["file_id"])
    assert again.json()["result"]["photo"] == sizes


async def test_an_unknown_photo_file_id_is_refused(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """A file_id Telegram never gave out is "wrong file identifier/HTTP URL specified"."""
    started(telegram)
    response = await post(api, "sendPhoto", chat_id=CUSTOMER, photo="AgACno-such-file")
    assert response.json()["description"] == (
        "Bad Request: wrong file identifier/HTTP URL specified"
    )


# --- faults -------------------------------------------------------------------------------------


async def test_a_flood_fault_answers_429_with_retry_after(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """fail(status=429, retry_after=2) answers like Telegram's flood control."""
    started(telegram)
    telegram.fail("sendMessage", status=429, retry_after=2)
    response = await post(api, "sendMessage", chat_id=CUSTOMER, text="hi")
    assert response.status_code == 429
    assert response.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 2",
        "parameters": {"retry_after": 2},
    }


async def test_a_delay_only_fault_answers_late_but_normally(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """Status 0 with a delay only holds the answer back; the message is still sent."""
    started(telegram)
    telegram.fail("sendMessage", status=0, delay=0.3)
    loop = asyncio.get_running_loop()
    began = loop.time()
    response = await post(api, "sendMessage", chat_id=CUSTOMER, text="slow")
    assert loop.time() - began >= 0.3
    assert response.status_code == 200
    assert response.json()["result"]["text"] == "slow"


async def test_a_fault_hits_only_the_next_count_calls(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """count=2: two calls fail with the given status, the third goes through."""
    started(telegram)
    telegram.fail("sendMessage", status=502, count=2)
    statuses = [
        (await post(api, "sendMessage", chat_id=CUSTOMER, text=str(n))).status_code
        for n in range(3)
    ]
    assert statuses == [502, 502, 200]


async def test_a_chat_specific_fault_spares_other_chats(
    telegram: TelegramEmulator, api: httpx.AsyncClient
) -> None:
    """A fault for one chat leaves the same method to another chat untouched."""
    started(telegram, CUSTOMER)
    started(telegram, OTHER)
    telegram.fail("sendMessage", chat_id=CUSTOMER, status=500)
    other = await post(api, "sendMessage", chat_id=OTHER, text="fine")
    mine = await post(api, "sendMessage", chat_id=CUSTOMER, text="broken")
    assert (other.status_code, mine.status_code) == (200, 500)
    assert mine.json()["description"] == "Internal Server Error"


async def test_a_fault_for_a_method_the_emulator_lacks_is_refused(
    telegram: TelegramEmulator,
) -> None:
    """fail() checks the method name, so a typo cannot silently never fire."""
    with pytest.raises(ValueError, match="no method"):
        telegram.fail("sendMesage")
