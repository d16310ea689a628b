import { fileURLToPath } from 'node:url';
import { loadOpenApiDocument } from '../openapi/document.js';
import { basePathOf } from '../openapi/swagger2.js';
import { createOpenApiValidator, type OpenApiValidator } from '../openapi/validator.js';

/**
 * Harbor's own API description (`api/v2.0/swagger.yaml` of goharbor/harbor, Swagger 2.0), converted to
 * OpenAPI 3.0 on load (`../openapi/swagger2.ts`). Nothing in it is adapted: the fake answers what it
 * says.
 */

/** The description the fake holds requests to, relative to this repository's checkout. */
export const HARBOR_DESCRIPTION_FILE = fileURLToPath(
  new URL('../specs/harbor-v2.0-swagger.yaml', import.meta.url),
);

let memo: OpenApiValidator | undefined;

/** The validator of Harbor's description, loaded once per process (320 KB of YAML, about 0.5 s). */
export function harborValidator(): OpenApiValidator {
  memo ??= createOpenApiValidator(loadOpenApiDocument(HARBOR_DESCRIPTION_FILE), 'harbor');
  return memo;
}

/** `/api/v2.0`: the description's `basePath`. */
export function harborBasePath(): string {
  return basePathOf(harborValidator().document);
}
