FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/order-bot.db

RUN useradd --create-home --uid 10001 bot && mkdir /data && chown bot /data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY db ./db
COPY migrations ./migrations
RUN pip install --no-cache-dir .

USER bot
VOLUME ["/data"]
ENTRYPOINT ["order-bot"]
CMD ["run"]
