import { type Static, Type } from '@sinclair/typebox';
import { InvalidInputError } from '../../core/errors.js';
import { OciConfigSchema, registryBaseOf } from '../oci/index.js';

/**
 * Settings of an `acr` integration (Azure Container Registry). The endpoint is the registry's login
 * server (`https://<name>.azurecr.io`, `.azurecr.cn` in Azure China, `.azurecr.us` in Azure US
 * Government); `authRef` names a service principal `{ tenantId, clientId, clientSecret }` or a
 * registry login `{ username, password }` (see `credential.ts`).
 */
export const AcrConfigSchema = Type.Object(
  {
    authorityHost: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          "Microsoft Entra ID's authority for a service principal's token: by default the registry's cloud's (https://login.microsoftonline.com, https://login.chinacloudapi.cn for .azurecr.cn, https://login.microsoftonline.us for .azurecr.us).",
      }),
    ),
    repositories: OciConfigSchema.properties.repositories,
    plainHttp: OciConfigSchema.properties.plainHttp,
    tokenRealmHosts: OciConfigSchema.properties.tokenRealmHosts,
  },
  { additionalProperties: false },
);

export type AcrConfig = Static<typeof AcrConfigSchema>;

/** An Azure cloud, as a registry's host names it: where its tokens come from and for what. */
export interface AzureCloud {
  readonly name: 'AzureCloud' | 'AzureChinaCloud' | 'AzureUSGovernment';
  /** The default authority host of Microsoft Entra ID in that cloud. */
  readonly authorityHost: string;
  /** The scope of the Entra token ACR exchanges: Azure Resource Manager's, in that cloud. */
  readonly scope: string;
}

const PUBLIC: AzureCloud = {
  name: 'AzureCloud',
  authorityHost: 'https://login.microsoftonline.com',
  scope: 'https://management.azure.com/.default',
};
const CLOUDS: readonly (readonly [suffix: string, cloud: AzureCloud])[] = [
  [
    '.azurecr.cn',
    {
      name: 'AzureChinaCloud',
      authorityHost: 'https://login.chinacloudapi.cn',
      scope: 'https://management.chinacloudapi.cn/.default',
    },
  ],
  [
    '.azurecr.us',
    {
      name: 'AzureUSGovernment',
      authorityHost: 'https://login.microsoftonline.us',
      scope: 'https://management.usgovcloudapi.net/.default',
    },
  ],
];

/**
 * The cloud of a registry host: `.azurecr.cn` is Azure China, `.azurecr.us` Azure US Government, and
 * anything else (`.azurecr.io`, a custom domain, a test registry) the public cloud.
 */
export function cloudOf(host: string): AzureCloud {
  const name = host.toLowerCase().replace(/:\d+$/, '');
  return CLOUDS.find(([suffix]) => name.endsWith(suffix))?.[1] ?? PUBLIC;
}

/** What an integration's endpoint and config come to, checked once. */
export interface AcrSettings {
  /** `<endpoint>/v2/`. */
  readonly base: URL;
  /** The registry's host, as ACR's exchange names the registry (`service`). */
  readonly service: string;
  readonly cloud: AzureCloud;
  /** Entra's authority, without a trailing slash: `https://login.microsoftonline.com`. */
  readonly authority: string;
}

/**
 * Reads the endpoint and `authorityHost`: both https (http only with `plainHttp`, for a registry or an
 * authority on a test network), no credentials, query or fragment; the authority is a bare origin.
 */
export function readAcrSettings(endpoint: string, config: AcrConfig): AcrSettings {
  const base = registryBaseOf(endpoint, config);
  const cloud = cloudOf(base.host);
  return { base, service: base.host, cloud, authority: authorityOf(config, cloud) };
}

function authorityOf(config: AcrConfig, cloud: AzureCloud): string {
  if (config.authorityHost === undefined) return cloud.authorityHost;
  const problem = (message: string) => InvalidInputError.field('config.authorityHost', message);
  let url: URL;
  try {
    url = new URL(config.authorityHost);
  } catch {
    throw problem('is not a URL (e.g. https://login.microsoftonline.com)');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && config.plainHttp))
    throw problem('must be an https:// URL (config.plainHttp allows http:// on a test network)');
  if (url.username || url.password || url.search || url.hash)
    throw problem('must not hold credentials, a query or a fragment');
  if (url.pathname !== '/' && url.pathname !== '')
    throw problem(
      'is the authority host alone (https://login.microsoftonline.com), without the tenant or a path',
    );
  return url.origin;
}
