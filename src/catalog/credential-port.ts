import type { SecretInput } from '../secrets/index.js';
import type { Repositories } from '../store/store.js';

/**
 * What the catalog needs from the credentials core, and no more: the catalog never holds a
 * plaintext value beyond handing inline credentials straight to the store.
 */
export interface CredentialPort {
  /** Checks a reference the tenant may use and returns its canonical form; `InvalidInputError` naming `field` otherwise. */
  canonicalRef(ref: string, tenantId: string, field?: string): string;
  /**
   * Stores credentials given inline with an integration in the `local` store, inside the caller's
   * transaction, and returns the reference to keep in their place. When `current` already names a
   * local secret of this tenant, that secret gets a new version instead.
   */
  storeInline(
    tx: Repositories,
    input: {
      readonly tenantId: string;
      readonly actor: string;
      readonly integrationId: string;
      readonly current: string | null;
      readonly value: SecretInput;
    },
  ): Promise<string>;
}
