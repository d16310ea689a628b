import { Type } from '@sinclair/typebox';
import { StringEnum } from '../../core/string-enum.js';
import { SECRET_STORE_TYPES } from './contract.js';

/**
 * The `secretStores` setting: admin-configured named stores. One flat object per store, so the
 * validator's messages stay short; `readSecretStoresConfig` (stores/config.ts) then checks what each
 * type needs and fills defaults. Store credentials are never written here: a Vault token or AppRole
 * secret id is named by an `authref://` to an `env` or `file` store.
 */
export const SecretStoreSettingSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$', description: 'Used as authref://<name>/…' }),
    type: StringEnum(SECRET_STORE_TYPES),
    tenants: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 10_000,
        description: "Tenants that may use the store; '*' for all (not for env and file).",
      }),
    ),
    prefix: Type.Optional(
      Type.String({ pattern: '^[A-Z][A-Z0-9_]*_$', description: 'env: variable prefix.' }),
    ),
    root: Type.Optional(Type.String({ minLength: 1, description: 'file: directory served.' })),
    maxBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536, description: 'file: size cap.' })),
    address: Type.Optional(Type.String({ minLength: 1, description: 'vault: https://host:8200' })),
    namespace: Type.Optional(Type.String({ minLength: 1, description: 'vault: X-Vault-Namespace.' })),
    mount: Type.Optional(Type.String({ minLength: 1, description: 'vault: KV v2 mount (default secret).' })),
    pathPrefix: Type.Optional(
      Type.String({ description: 'vault: prefix of every path (default tenants/{tenantId}).' }),
    ),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
    auth: Type.Optional(
      Type.Object(
        {
          method: StringEnum(['token', 'approle'] as const),
          tokenRef: Type.Optional(Type.String({ minLength: 1 })),
          roleId: Type.Optional(Type.String({ minLength: 1 })),
          secretIdRef: Type.Optional(Type.String({ minLength: 1 })),
          mount: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SecretStoresSchema = Type.Array(SecretStoreSettingSchema, {
  default: [],
  maxItems: 100,
  description:
    'Named secret stores (local, env, file, vault) and the tenants that may use each; config file only. See src/secrets/README.md.',
});
