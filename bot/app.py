"""The composition root: builds the bot from settings and wires the adapters around the core."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeAlias

import httpx
from telegram import BotCommand, Update
from telegram.ext import AIORateLimiter, Application, ContextTypes

from bot.contact_rules import ContactRules
from bot.oneentry.client import OneEntryClient, default_timeout
from bot.oneentry.shop import OneEntryShop
from bot.ordering.expiry import DraftExpiry, RetentionPolicy
from bot.ordering.placement import Placer, RetryPolicy, utc_now
from bot.ordering.service import OrderingService, PlacementWorker
from bot.settings import Settings
from bot.telegram_ui import texts
from bot.telegram_ui.courier import TelegramCourier
from bot.telegram_ui.handlers import TelegramHandlers
from bot.telegram_ui.i18n import SOURCE_LANGUAGE, Catalogues
from bot.telegram_ui.updates import PerChatUpdateProcessor
from db.engine import create_engine
from db.migrate import upgrade_async
from db.outbox import SqlOutbox
from db.session_keeping import SqlTokenKeeper, SqlUpdateLog
from db.store import SqlStore

log = logging.getLogger(__name__)

BotApp: TypeAlias = "Application[Any, Any, Any, Any, Any, Any]"


def device_fingerprint(settings: Settings) -> str:
    """Stable per deployment (project and bot), so OneEntry keeps one session for this bot."""
    seed = f"{settings.oneentry_project_url}|{settings.bot_id}|{settings.oneentry_guest_login}"
    return hashlib.sha256(seed.encode()).hexdigest()[:24]


def build_application(settings: Settings) -> BotApp:
    """The python-telegram-bot Application, with everything it needs opened in post_init."""
    scheduler_log = logging.getLogger("apscheduler.executors.default")
    if not any(isinstance(f, _StoppingJobs) for f in scheduler_log.filters):
        scheduler_log.addFilter(_StoppingJobs())
    processor = PerChatUpdateProcessor()
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .rate_limiter(
            AIORateLimiter(
                overall_max_rate=settings.telegram_messages_per_second,
                group_max_rate=settings.telegram_group_messages_per_minute,
                max_retries=3,
            )
        )
        .concurrent_updates(processor)
    )
    if settings.telegram_api_url:
        builder = builder.base_url(f"{settings.telegram_api_url}/bot").base_file_url(
            f"{settings.telegram_api_url}/file/bot"
        )
    resources = contextlib.AsyncExitStack()

    async def post_init(app: BotApp) -> None:
        await upgrade_async(settings.database_url)
        engine = create_engine(settings.database_url)
        resources.push_async_callback(engine.dispose)
        http = httpx.AsyncClient(timeout=default_timeout(settings.oneentry_read_timeout_seconds))
        resources.push_async_callback(http.aclose)
        client = OneEntryClient(
            http,
            project_url=settings.oneentry_project_url,
            app_token=settings.oneentry_app_token.get_secret_value(),
            guest_login=settings.oneentry_guest_login,
            guest_password=settings.oneentry_guest_password.get_secret_value(),
            fingerprint=device_fingerprint(settings),
            lang=settings.oneentry_lang,
            token_keeper=SqlTokenKeeper(engine, settings.oneentry_guest_login),
        )
        shop = OneEntryShop(
            client,
            storage_marker=settings.order_storage_marker,
            form_marker=settings.order_form_marker,
            payment_account=settings.payment_account,
            lang=settings.oneentry_lang,
            reference_marker=settings.order_reference_marker,
            catalogue_ttl=settings.catalogue_cache_seconds,
            unavailable_statuses=settings.unavailable_statuses,
        )
        store = SqlStore(engine)
        rules = ContactRules(settings.phone_region)
        policy = RetryPolicy(
            base=settings.retry_base_seconds,
            cap=settings.retry_max_seconds,
            give_up_after=settings.placement_give_up_minutes * 60,
        )
        placer = Placer(store, shop, rules, policy)
        catalogues = Catalogues()
        courier = TelegramCourier(
            app.bot,
            SqlOutbox(engine),
            settings.admin_chat_id,
            settings.shop_currency,
            utc_now,
            catalogues,
            language_of=_language_of(store),
            admin_language=settings.admin_language,
        )
        await courier.start()
        updates = SqlUpdateLog(engine)
        processor.deduplicate(updates.first_time)
        service = OrderingService(store, store, shop, placer, courier, rules)
        worker = PlacementWorker(store, placer, courier)
        resumed = await worker.resume()
        if resumed:
            log.info("resuming %d placement(s) left in flight", resumed)
        handlers = TelegramHandlers(service, courier, settings.shop_currency, catalogues)
        app.add_handlers(handlers.handlers())
        app.add_error_handler(error_handler(catalogues))
        await set_commands(app, catalogues)
        assert app.job_queue is not None, "python-telegram-bot[job-queue] is a dependency"
        placing = _job("the placement worker", worker.run_once, settings.worker_interval_seconds)
        app.job_queue.run_once(placing, when=0, name="placements")
        expiry = DraftExpiry(
            store,
            courier,
            RetentionPolicy(
                idle_after=timedelta(hours=settings.draft_idle_hours),
                keep_for=timedelta(days=settings.personal_data_retention_days),
            ),
            utc_now,
        )

        async def clean_up() -> None:
            await expiry.run_once()
            await updates.forget_old()

        app.job_queue.run_repeating(
            _job("cleaning up", clean_up),
            interval=settings.cleanup_interval_seconds,
            first=settings.cleanup_interval_seconds,
            name="cleanup",
        )

    async def post_shutdown(app: BotApp) -> None:
        await resources.aclose()

    return builder.post_init(post_init).post_shutdown(post_shutdown).build()


Job = Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


class _StoppingJobs(logging.Filter):
    """Drops APScheduler's "Error running job" for a job cancelled because the bot stops.

    The scheduler cancels jobs that are under way when it shuts down and logs that at ERROR;
    it is no error here: placements and messages are resumed at the next start.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, asyncio.CancelledError)


def _job(what: str, work: Callable[[], Awaitable[object]], then: float | None = None) -> Job:
    """A job-queue callback that logs failures (the next run tries again; nothing is lost).

    With `then`, the job schedules its next run `then` seconds after it ends: runs never overlap.
    """

    async def run(context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await work()
        except Exception:
            log.exception("%s failed", what)
        queue = context.job_queue
        if then is not None and queue is not None and queue.scheduler.running:
            queue.run_once(run, when=then, name=what)

    return run


def _language_of(store: SqlStore) -> Callable[[int], Awaitable[str | None]]:
    async def language_of(chat_id: int) -> str | None:
        draft = await store.load(chat_id)
        return draft.customer.language if draft is not None else None

    return language_of


async def set_commands(app: BotApp, catalogues: Catalogues) -> None:
    """The bot's menu: English for everyone, and each other language for its speakers."""
    for language, tr in catalogues.all().items():
        commands = [BotCommand(name, tr(description)) for name, description in texts.BOT_COMMANDS]
        code = None if language == SOURCE_LANGUAGE else language
        await app.bot.set_my_commands(commands, language_code=code)


ErrorHandler = Callable[[object, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def error_handler(catalogues: Catalogues) -> ErrorHandler:
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure; tell the customer something went wrong rather than staying silent.

        In the user's Telegram language: the database may be what failed.
        """
        log.error("update failed", exc_info=context.error)
        if isinstance(update, Update) and update.effective_chat is not None:
            if update.effective_chat.type != update.effective_chat.PRIVATE:
                return
            user = update.effective_user
            tr = catalogues.texts(user.language_code if user is not None else None)
            with contextlib.suppress(Exception):
                await context.bot.send_message(
                    update.effective_chat.id, tr(texts.SOMETHING_WENT_WRONG)
                )

    return on_error


@contextlib.asynccontextmanager
async def running(app: BotApp, poll_timeout: int = 10) -> AsyncIterator[BotApp]:
    """Poll for updates inside an already running event loop (the demo and the tests use it)."""
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=poll_timeout)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
    finally:
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
