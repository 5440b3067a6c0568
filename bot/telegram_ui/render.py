"""Screens of the conversation as Telegram messages: HTML text and a keyboard."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.ordering.conversation import (
    ANSWER_STEPS,
    answers_missing,
    cart_total,
    current_question,
    page_count,
    page_of,
)
from bot.ordering.model import CartLine, Customer, Draft, Money, PlacedOrder, Step
from bot.ordering.screens import (
    AdminOrderFailed,
    AdminOrderPlaced,
    AdminScreen,
    Ask,
    Notice,
    OrderConfirmed,
    OrderHistory,
    Screen,
    Summary,
)
from bot.telegram_ui import form_render, texts
from bot.telegram_ui.callback_data import Action, Button, encode
from bot.telegram_ui.i18n import Catalogues, Texts
from bot.telegram_ui.texts import esc

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove
QUANTITY_BUTTONS = (1, 2, 3, 5, 10)
# The answers the summary can change, by the number their edit button carries.
EDITABLE = {1: Step.NAME, 2: Step.PHONE, 3: Step.EMAIL}


@dataclass(frozen=True)
class Reply:
    text: str
    markup: Markup | None = None
    photo: str | None = None  # a picture's URL: the text is its caption


def render_outgoing(
    screen: Screen | AdminScreen, currency: str, tr: Texts, admin_tr: Texts
) -> Reply:
    """A message of the outbox: the customer's screens, or the admins' notices."""
    if isinstance(screen, AdminOrderPlaced):
        return Reply(admin_notification(screen.draft, screen.order, admin_tr))
    if isinstance(screen, AdminOrderFailed):
        return Reply(admin_failure(screen, currency, admin_tr))
    return render(screen, currency, tr)


def render(screen: Screen, currency: str, tr: Texts) -> Reply:
    if isinstance(screen, Notice):
        return Reply(tr(texts.NOTICES[screen.kind]))
    if isinstance(screen, Ask):
        return _ask(screen, currency, tr)
    if isinstance(screen, Summary):
        return _summary(screen, currency, tr)
    if isinstance(screen, OrderHistory):
        return _history(screen, tr)
    return _order_confirmed(screen, tr)


def _with_problem(text: str, problem_text: str | None) -> str:
    return f"{problem_text}\n\n{text}" if problem_text else text


def _ask(screen: Ask, currency: str, tr: Texts) -> Reply:
    draft = screen.draft
    problem = None
    if screen.problem:
        problem = form_render.problem_text(screen.problem, draft, tr)
        problem = problem or tr(texts.PROBLEMS[screen.problem])
    if screen.question in ANSWER_STEPS:
        return _question(screen, problem, tr)
    if screen.question is Step.PRODUCT:
        return _catalogue(screen, problem, currency, tr)
    if screen.question is Step.CART:
        return _cart(draft, problem, currency, tr)
    if screen.question is Step.REUSE:
        return _reuse(screen, problem, tr)
    return _product_card(draft, problem, currency, tr)


def _question(screen: Ask, problem: str | None, tr: Texts) -> Reply:
    hint = tr(texts.HINT_BACK) if answers_missing(screen.draft) else tr(texts.HINT_BACK_TO_SUMMARY)
    if current_question(screen.draft) is not None:
        return Reply(*form_render.question_message(screen.draft, problem, hint, tr))
    if screen.question is Step.NAME:
        return Reply(_with_problem(f"{tr(texts.ASK_NAME)}\n{hint}", problem), ReplyKeyboardRemove())
    if screen.question is Step.PHONE:
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(tr(texts.SHARE_PHONE), request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        return Reply(_with_problem(f"{tr(texts.ASK_PHONE)}\n{hint}", problem), keyboard)
    return Reply(_with_problem(f"{tr(texts.ASK_EMAIL)}\n{hint}", problem), ReplyKeyboardRemove())


def _money(amount: Decimal | None, currency: str) -> str:
    return str(Money(amount, currency)) if amount is not None else "?"


def short_title(title: str) -> str:
    """A title cut to fit on a button (the messages show titles whole)."""
    if len(title) <= texts.BUTTON_TITLE_MAX:
        return title
    return title[: texts.BUTTON_TITLE_MAX - 1].rstrip() + "…"


def _catalogue(screen: Ask, problem: str | None, currency: str, tr: Texts) -> Reply:
    draft = screen.draft
    if not screen.products:
        return Reply(_with_problem(tr(texts.NO_PRODUCTS), problem))
    page, products = page_of(screen.products, screen.page)
    pages = page_count(screen.products)
    rows = [
        [
            InlineKeyboardButton(
                tr(
                    texts.PRODUCT_BUTTON,
                    title=short_title(p.title),
                    price=_money(p.price, currency),
                ),
                callback_data=_data(Action.PRODUCT, draft, p.id),
            )
        ]
        for p in products
    ]
    nav = []
    if page > 0:
        nav.append(
            InlineKeyboardButton(
                tr(texts.PREVIOUS_PAGE), callback_data=_data(Action.PAGE, draft, page - 1)
            )
        )
    if page < pages - 1:
        nav.append(
            InlineKeyboardButton(
                tr(texts.NEXT_PAGE), callback_data=_data(Action.PAGE, draft, page + 1)
            )
        )
    if nav:
        rows.append(nav)
    if draft.lines:
        count = sum(line.quantity for line in draft.lines)
        label = tr(texts.OPEN_CART, count=count, total=_money(cart_total(draft.lines), currency))
        rows.append([InlineKeyboardButton(label, callback_data=_data(Action.CART, draft))])
    text = f"{tr(texts.ASK_PRODUCT)}\n{tr(texts.CATALOGUE_PAGE, page=page + 1, pages=pages)}"
    return Reply(_with_problem(text, problem), InlineKeyboardMarkup(rows))


def _product_card(draft: Draft, problem: str | None, currency: str, tr: Texts) -> Reply:
    pending = draft.pending
    title = esc(pending.title) if pending else ""
    price = _money(pending.price, currency) if pending else "?"
    row = [
        InlineKeyboardButton(str(n), callback_data=_data(Action.QUANTITY, draft, n))
        for n in QUANTITY_BUTTONS
    ]
    back = InlineKeyboardButton(
        tr(texts.BACK_TO_CATALOGUE), callback_data=_data(Action.PAGE, draft, 0)
    )
    card = tr(texts.PRODUCT_CARD, title=title, price=esc(price))
    text = _with_problem(f"{card}\n\n{tr(texts.ASK_QUANTITY)}", problem)
    photo = pending.image_url if pending else None
    return Reply(text, InlineKeyboardMarkup([row, [back]]), photo=photo)


def _cart(draft: Draft, problem: str | None, currency: str, tr: Texts) -> Reply:
    parts = [tr(texts.CART_TITLE), ""]
    rows = []
    for number, line in enumerate(draft.lines, 1):
        amount = _money(
            line.unit_price * line.quantity if line.unit_price is not None else None, currency
        )
        parts.append(
            tr(
                texts.CART_LINE,
                number=number,
                title=esc(line.title),
                quantity=line.quantity,
                amount=esc(amount),
            )
        )
        title = short_title(line.title)
        rows.append(
            [
                InlineKeyboardButton(
                    tr(texts.DECREASE, title=title),
                    callback_data=_data(Action.MINUS, draft, line.product_id),
                ),
                InlineKeyboardButton(
                    tr(texts.INCREASE, title=title),
                    callback_data=_data(Action.PLUS, draft, line.product_id),
                ),
                InlineKeyboardButton(
                    tr(texts.REMOVE, title=title),
                    callback_data=_data(Action.REMOVE, draft, line.product_id),
                ),
            ]
        )
    total = esc(_money(cart_total(draft.lines), currency))
    parts += ["", tr(texts.SUBTOTAL, total=total), tr(texts.TOTAL, total=total)]
    rows.append([InlineKeyboardButton(tr(texts.ADD_MORE), callback_data=_data(Action.MORE, draft))])
    rows.append(
        [
            InlineKeyboardButton(tr(texts.CLEAR_CART), callback_data=_data(Action.CLEAR, draft)),
            InlineKeyboardButton(tr(texts.CHECKOUT), callback_data=_data(Action.CHECKOUT, draft)),
        ]
    )
    return Reply(_with_problem("\n".join(parts), problem), InlineKeyboardMarkup(rows))


def _reuse(screen: Ask, problem: str | None, tr: Texts) -> Reply:
    draft, saved = screen.draft, screen.saved
    rows = []
    parts = [tr(texts.ASK_REUSE)]
    if saved is not None:
        parts += [
            "",
            tr(
                texts.SUMMARY_CONTACTS,
                name=esc(saved.name),
                phone=esc(saved.phone),
                email=esc(saved.email),
            ),
        ]
        rows.append(
            [InlineKeyboardButton(tr(texts.REUSE_YES), callback_data=_data(Action.REUSE, draft, 1))]
        )
    rows.append(
        [InlineKeyboardButton(tr(texts.REUSE_NO), callback_data=_data(Action.REUSE, draft, 0))]
    )
    return Reply(_with_problem("\n".join(parts), problem), InlineKeyboardMarkup(rows))


def cart_lines(lines: Sequence[CartLine], currency: str, tr: Texts) -> list[str]:
    out = []
    for line in lines:
        amount = (
            str(Money(line.unit_price * line.quantity, currency))
            if line.unit_price is not None
            else "?"
        )
        out.append(
            tr(texts.LINE, title=esc(line.title), quantity=line.quantity, amount=esc(amount))
        )
    return out


def _summary(screen: Summary, currency: str, tr: Texts) -> Reply:
    draft = screen.draft
    parts = [tr(texts.SUMMARY_TITLE), "", *cart_lines(draft.lines, currency, tr)]
    total = cart_total(draft.lines)
    if total is not None:
        parts.append(tr(texts.TOTAL, total=esc(Money(total, currency))))
    parts += ["", form_render.answer_lines(draft, tr)]
    if screen.problem:
        problem = tr(texts.PROBLEMS[screen.problem])
        if screen.detail:
            problem += f"\n{esc(screen.detail)}"
        parts = [problem, "", *parts]
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(tr(texts.CONFIRM), callback_data=_data(Action.CONFIRM, draft))],
            *form_render.edit_rows(draft, tr),
            [InlineKeyboardButton(tr(texts.CHANGE_CART), callback_data=_data(Action.CART, draft))],
            [InlineKeyboardButton(tr(texts.CANCEL), callback_data=_data(Action.CANCEL, draft))],
        ]
    )
    return Reply("\n".join(parts), keyboard)


def _data(action: Action, draft: Draft, number: int | None = None) -> str:
    return encode(Button(action, draft.draft_id, number))


def _history(screen: OrderHistory, tr: Texts) -> Reply:
    if not screen.orders:
        return Reply(tr(texts.ORDERS_NONE))
    parts = [tr(texts.ORDERS_TITLE)]
    for order in screen.orders:
        status = tr(texts.ORDER_STATUS, status=esc(order.status_title or order.status_id))
        payment = tr(texts.PAYMENT_STATUS, status=esc(payment_status(tr, order.payment_status)))
        parts += [
            "",
            tr(
                texts.ORDERS_ENTRY,
                order_id=order.order_id,
                total=esc(order.total),
                status=status,
                payment=payment,
            ),
        ]
    if screen.stale:
        parts += ["", tr(texts.ORDERS_STALE)]
    return Reply("\n".join(parts))


def _contacts(draft: Draft, tr: Texts) -> str:
    return tr(
        texts.SUMMARY_CONTACTS,
        name=esc(draft.name or ""),
        phone=esc(draft.phone or ""),
        email=esc(draft.email or ""),
    )


def _order_lines(order: PlacedOrder, tr: Texts) -> list[str]:
    return [
        *cart_lines(order.lines, order.total.currency, tr),
        tr(texts.TOTAL, total=esc(order.total)),
    ]


def _order_confirmed(screen: OrderConfirmed, tr: Texts) -> Reply:
    order = screen.order
    parts = [
        tr(texts.ORDER_PLACED, order_id=order.order_id),
        "",
        *_order_lines(order, tr),
        "",
        tr(texts.ORDER_STATUS, status=esc(order.status_title or order.status_id)),
        tr(texts.PAYMENT_STATUS, status=esc(payment_status(tr, order.payment_status))),
    ]
    markup = None
    if order.payment_url:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(tr(texts.PAY_BUTTON), url=order.payment_url)]]
        )
    return Reply("\n".join(parts), markup)


def payment_status(tr: Texts, status: str | None) -> str:
    """A payment status in words; one the catalogues don't know is shown as OneEntry sent it."""
    message_id = texts.payment_status_id(status)
    return tr(message_id) if message_id else str(status)


def language_menu(catalogues: Catalogues, tr: Texts) -> Reply:
    """/language: a button for each language, labelled in that language."""
    rows = [
        [
            InlineKeyboardButton(
                own(texts.LANGUAGE_NAME), callback_data=encode(Button(Action.LANGUAGE, language))
            )
        ]
        for language, own in catalogues.all().items()
    ]
    return Reply(tr(texts.ASK_LANGUAGE), InlineKeyboardMarkup(rows))


def user_link(customer: Customer) -> str:
    link = f'<a href="tg://user?id={customer.user_id}">{esc(customer.first_name)}</a>'
    if customer.username:
        link += f" @{esc(customer.username)}"
    return link


def admin_notification(draft: Draft, order: PlacedOrder, tr: Texts) -> str:
    return "\n".join(
        [
            tr(texts.ADMIN_NEW_ORDER, order_id=order.order_id),
            "",
            *_order_lines(order, tr),
            tr(texts.ORDER_STATUS, status=esc(order.status_title or order.status_id)),
            tr(texts.PAYMENT_STATUS, status=esc(payment_status(tr, order.payment_status))),
            "",
            _admin_customer(draft, tr),
        ]
    )


def _admin_customer(draft: Draft, tr: Texts) -> str:
    """The customer's contacts and Telegram link, then the other answers to the form."""
    customer = tr(
        texts.ADMIN_CUSTOMER,
        name=esc(draft.name or ""),
        phone=esc(draft.phone or ""),
        email=esc(draft.email or ""),
        link=user_link(draft.customer),
    )
    others = form_render.answer_lines(draft, tr, contacts=False)
    return f"{customer}\n{others}" if others else customer


def admin_failure(screen: AdminOrderFailed, currency: str, tr: Texts) -> str:
    draft = screen.draft
    reason_id = texts.ADMIN_FAILURE_REASONS.get(screen.problem)
    reason = tr(reason_id) if reason_id else screen.problem.value
    parts = [tr(texts.ADMIN_ORDER_FAILED), esc(reason)]
    if screen.detail:
        parts.append(esc(screen.detail))
    total = cart_total(draft.lines)
    parts += ["", *cart_lines(draft.lines, currency, tr)]
    if total is not None:
        parts.append(tr(texts.TOTAL, total=esc(Money(total, currency))))
    parts += ["", _admin_customer(draft, tr)]
    return "\n".join(parts)
