FROM python:3.11-slim-bookworm
WORKDIR /app
COPY pyproject.toml README.md ./
COPY edge edge
COPY hub hub
COPY labels labels
COPY lumbung lumbung
COPY firmware-config firmware-config
RUN pip install --no-cache-dir '.[edge,hub,labels]'
ENTRYPOINT ["lumbung"]
