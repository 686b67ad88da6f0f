// The ingestion pipeline's settings, from the configuration.
import { chunkingFor, type IngestDeps } from "../ingestion/pipeline.js";
import type { Config } from "../src/config/index.js";
import type { Embedder } from "../src/models/index.js";
import type { DocumentRepository } from "../src/store/documents.js";
import type { Originals } from "../src/store/originals.js";

/** Pipeline settings from the configuration: limits and chunk sizes (and where uploads are kept, for a worker). */
export function ingestSettings(
  config: Config,
  documents: DocumentRepository,
  embedder: Embedder,
  originals?: Originals,
): IngestDeps {
  return {
    documents,
    embedder,
    originals,
    limits: {
      maxBytes: config.UPLOAD_MAX_BYTES,
      maxPages: config.MAX_PAGES,
      maxExpandedBytes: config.MAX_EXPANDED_BYTES,
      ocrLanguages: config.OCR_LANGUAGES,
      maxAttachments: config.MAX_ATTACHMENTS,
      office: { converter: config.OFFICE_CONVERTER, timeoutMs: config.OFFICE_CONVERT_TIMEOUT_MS },
    },
    chunking: chunkingFor(config.CHUNK_TOKENS),
  };
}
