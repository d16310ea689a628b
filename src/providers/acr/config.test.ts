import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/errors.js';
import { cloudOf, readAcrSettings } from './config.js';

/** The cloud by the registry's host, and the authority it takes its tokens from. */

describe('acr settings', () => {
  it.each([
    ['contoso.azurecr.io', 'AzureCloud', 'https://management.azure.com/.default'],
    ['Contoso.AzureCR.cn', 'AzureChinaCloud', 'https://management.chinacloudapi.cn/.default'],
    ['contoso.azurecr.us', 'AzureUSGovernment', 'https://management.usgovcloudapi.net/.default'],
    ['registry.contoso.com', 'AzureCloud', 'https://management.azure.com/.default'],
    ['127.0.0.1:5000', 'AzureCloud', 'https://management.azure.com/.default'],
  ])('%s is in %s and exchanges a token for %s', (host, name, scope) => {
    expect(cloudOf(host)).toMatchObject({ name, scope });
  });

  it("takes the cloud's authority unless one is configured", () => {
    const china = readAcrSettings('https://contoso.azurecr.cn/', { plainHttp: false });
    const gov = readAcrSettings('https://contoso.azurecr.us', { plainHttp: false });
    const custom = readAcrSettings('https://contoso.azurecr.io/v2/', {
      plainHttp: false,
      authorityHost: 'https://login.example.com/',
    });

    expect(china).toMatchObject({
      service: 'contoso.azurecr.cn',
      authority: 'https://login.chinacloudapi.cn',
    });
    expect(gov.authority).toBe('https://login.microsoftonline.us');
    expect(custom).toMatchObject({ service: 'contoso.azurecr.io', authority: 'https://login.example.com' });
    expect(custom.base.href).toBe('https://contoso.azurecr.io/v2/');
  });

  it.each([
    ['http://login.example.com', /https/],
    ['not a url', /not a URL/],
    ['https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47', /without the tenant/],
    ['https://user:pw@login.example.com', /credentials/],
    ['https://login.example.com?x=1', /query/],
  ])('refuses the authority %s', (authorityHost, words) => {
    const read = () => readAcrSettings('https://contoso.azurecr.io', { plainHttp: false, authorityHost });

    expect(read).toThrow(InvalidInputError);
    expect(read).toThrow(words);
  });

  it('allows plain http for the registry and the authority only with plainHttp', () => {
    expect(() => readAcrSettings('http://127.0.0.1:5000', { plainHttp: false })).toThrow(/plainHttp/);
    expect(
      readAcrSettings('http://127.0.0.1:5000', { plainHttp: true, authorityHost: 'http://127.0.0.1:6000' }),
    ).toMatchObject({ service: '127.0.0.1:5000', authority: 'http://127.0.0.1:6000' });
  });
});
