import type { ApiClient } from './client.js';
import { CliError, EXIT } from './exit-codes.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An integration's id, from its id or its exact name. */
export async function integrationId(client: ApiClient, idOrName: string): Promise<string> {
  if (UUID.test(idOrName)) return idOrName;
  const { body } = await client.get<{ items: { id: string; name: string }[] }>(
    `/api/v1/integrations?pageSize=500&q=${encodeURIComponent(idOrName)}`,
  );
  const match = body.items.find((item) => item.name === idOrName);
  if (!match) throw new CliError(`no integration named '${idOrName}'`, EXIT.notFound);
  return match.id;
}
