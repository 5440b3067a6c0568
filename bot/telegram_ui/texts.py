"""Ids of every text the customer and the admins read; the texts are in the catalogues.

The texts themselves, in Telegram HTML, are in `locales/<language>/LC_MESSAGES/bot.po` (see
`i18n.py`); render them with a language's `Texts`: `tr(ASK_NAME)`, `tr(CART_LINE, title=...)`.
Values that come from people or from the shop are escaped with `esc` before they are put in.
A test checks that the ids here and the English catalogue's are the same, and that every other
catalogue translates each of them.
"""

from __future__ import annotations

import html

from bot.ordering.screens import NoticeKind, Problem

# The bot's menu (setMyCommands): each command with the id of its description.
BOT_COMMANDS = (
    ("start", "command_start"),
    ("orders", "command_orders"),
    ("back", "command_back"),
    ("cancel", "command_cancel"),
    ("language", "command_language"),
    ("help", "command_help"),
)

NOTICES: dict[NoticeKind, str] = {kind: f"notice_{kind.value}" for kind in NoticeKind}
PROBLEMS: dict[Problem, str] = {problem: f"problem_{problem.value}" for problem in Problem}

ASK_NAME = "ask_name"
ASK_PHONE = "ask_phone"
ASK_EMAIL = "ask_email"
HINT_BACK = "hint_back"
HINT_BACK_TO_SUMMARY = "hint_back_to_summary"
SHARE_PHONE = "share_phone"

ASK_PRODUCT = "ask_product"
CATALOGUE_PAGE = "catalogue_page"
NO_PRODUCTS = "no_products"
PRODUCT_BUTTON = "product_button"
PREVIOUS_PAGE = "previous_page"
NEXT_PAGE = "next_page"
OPEN_CART = "open_cart"

PRODUCT_CARD = "product_card"
ASK_QUANTITY = "ask_quantity"
BACK_TO_CATALOGUE = "back_to_catalogue"

CART_TITLE = "cart_title"
CART_LINE = "cart_line"
SUBTOTAL = "subtotal"
DECREASE = "decrease"
INCREASE = "increase"
REMOVE = "remove"
ADD_MORE = "add_more"
CLEAR_CART = "clear_cart"
CHECKOUT = "checkout"

ASK_REUSE = "ask_reuse"
REUSE_YES = "reuse_yes"
REUSE_NO = "reuse_no"

SUMMARY_TITLE = "summary_title"
SUMMARY_CONTACTS = "summary_contacts"
LINE = "line"
TOTAL = "total"
CONFIRM = "confirm"
EDIT_NAME = "edit_name"
EDIT_PHONE = "edit_phone"
EDIT_EMAIL = "edit_email"
CHANGE_CART = "change_cart"
CANCEL = "cancel"

ORDERS_TITLE = "orders_title"
ORDERS_NONE = "orders_none"
ORDERS_ENTRY = "orders_entry"
ORDERS_STALE = "orders_stale"

ORDER_PLACED = "order_placed"
ORDER_STATUS = "order_status"
PAYMENT_STATUS = "payment_status"
BUTTON_TITLE_MAX = 128  # characters of a product title on a button; messages show titles whole
PAY_BUTTON = "pay_button"
PAYMENT_STATUSES = {
    "waiting": "payment_waiting",
    "completed": "payment_paid",
    "paid": "payment_paid",
    "canceled": "payment_cancelled",
    "cancelled": "payment_cancelled",
    "expired": "payment_expired",
}
PAYMENT_NOT_STARTED = "payment_not_started"

LANGUAGE_NAME = "language_name"  # each catalogue's own name, on the /language buttons
ASK_LANGUAGE = "ask_language"

ADMIN_NEW_ORDER = "admin_new_order"
ADMIN_ORDER_FAILED = "admin_order_failed"
ADMIN_FAILURE_REASONS = {
    Problem.ORDER_REJECTED: "admin_failure_order_rejected",
    Problem.PLACEMENT_GAVE_UP: "admin_failure_placement_gave_up",
}
ADMIN_CUSTOMER = "admin_customer"

SOMETHING_WENT_WRONG = "something_went_wrong"


def esc(value: object) -> str:
    return html.escape(str(value), quote=False)


def payment_status_id(status: str | None) -> str | None:
    """The id of a payment status's text; None for a status the catalogues don't know."""
    if not status:
        return PAYMENT_NOT_STARTED
    return PAYMENT_STATUSES.get(status.lower())


# --- form questions ---
# The questions of the shop's order form (their titles come from OneEntry).
FORM_QUESTION = "form_question"
FORM_HINTS = {
    kind: f"form_hint_{kind}"
    for kind in ("name", "text", "phone", "email", "integer", "float", "date", "choice")
}
FORM_OPTIONAL = "form_optional"
FORM_OPTIONAL_TYPED = "form_optional_typed"
# questions without a title
FORM_LABELS = {kind: f"form_label_{kind}" for kind in ("name", "phone", "email")}
SKIP = "skip"
EDIT_ANSWER = "edit_answer"
SUMMARY_ANSWER = "summary_answer"
SKIPPED = "skipped"
FORM_PROBLEMS = {
    problem: PROBLEMS[problem]
    for problem in (
        Problem.ANSWER_REQUIRED,
        Problem.BAD_FORMAT,
        Problem.TOO_SHORT,
        Problem.TOO_LONG,
        Problem.WRONG_LENGTH,
        Problem.BAD_INTEGER,
        Problem.BAD_NUMBER,
        Problem.BAD_DATE,
        Problem.BAD_CHOICE,
    )
}
