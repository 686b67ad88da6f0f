# Cited: one image for the API, the workers and model provisioning.
FROM node:20-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates poppler-utils tesseract-ocr tesseract-ocr-eng \
      tesseract-ocr-spa libtiff-tools libreoffice-writer-nogui libreoffice-impress-nogui fonts-liberation \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV NODE_ENV=production DATA_DIR=/data MODELS_DIR=/models HOST=0.0.0.0 PORT=8080
VOLUME ["/data", "/models"]
EXPOSE 8080
CMD ["npm", "run", "api"]
