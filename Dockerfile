# One image for the API, the worker and beat; the command picks the process.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VAR_DIR=/var/lib/reos
WORKDIR /app

COPY requirements.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir uv==0.13.9 \
 && uv pip install --system --no-cache -r requirements.lock
COPY backend ./backend
COPY providers ./providers
COPY scripts ./scripts
RUN uv pip install --system --no-cache --no-deps -e . \
 && useradd --system --uid 10001 reos && mkdir -p "$VAR_DIR" && chown reos "$VAR_DIR"

USER reos
EXPOSE 8000
CMD ["uvicorn", "reos.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", "--no-server-header"]
