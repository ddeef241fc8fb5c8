# Tributary server image: Node 24 runs the TypeScript sources directly (type stripping), no build step.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# The pinned `node` devDependency is not needed in the image: the base image is Node 24.
RUN npm ci --omit=dev --no-audit --no-fund
COPY bin ./bin
COPY src ./src
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 6875
VOLUME ["/data"]
ENV TRIBUTARY_LISTEN=0.0.0.0:6875 TRIBUTARY_DATA_DIR=/data TRIBUTARY_LOG_FORMAT=json
CMD ["node", "src/main.ts"]
