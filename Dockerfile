# syntax=docker/dockerfile:1
# The bot's image: built with the dev dependencies, run with the production ones only, as the
# unprivileged `node` user. Needs MONGODB_URI (the embedded MongoDB is for trials on a laptop, not
# for containers). See "Deploying" in README.md and compose.yaml.
ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# mongodb-memory-server's install step would download a mongod the image never uses.
ENV MONGOMS_DISABLE_POSTINSTALL=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.app.json ./
COPY src ./src
RUN npx tsc -p tsconfig.app.json

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    MONGOMS_DISABLE_POSTINSTALL=1 \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY bin ./bin
USER node
EXPOSE 3000
# 200 once the database is connected (src/slack/app.ts); Node 20 has fetch, so no curl in the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node itself, not npm: SIGTERM reaches the bot, which stops taking jobs, lets running bulk jobs
# stop at a batch boundary (Agenda drain, up to 30 s) and closes the database. Node installs its
# own SIGTERM/SIGINT handlers (src/main.ts), so it stops properly even as PID 1; run the container
# with an init process (`docker run --init`, `init: true` in compose.yaml) to also reap zombies.
STOPSIGNAL SIGTERM
CMD ["node", "bin/license-bot.js", "serve"]
