import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { createEgressPolicy, type EgressPolicy, type EgressPolicyOptions } from './egress-policy.js';
import { EgressDeniedError, type EgressRule } from './errors.js';
import { checkEgressTarget } from './guarded-lookup.js';
import { fakeResolver } from './loopback-server.test-kit.js';

const resolver = fakeResolver({
  'public.test': ['93.184.216.34'],
  localhost: ['127.0.0.1', '::1'],
  'internal.test': ['10.0.0.1'],
  'rebind.test': ['93.184.216.34', '127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'v6internal.test': ['fd12::1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'git.corp.example': ['10.20.0.7'],
});

/** What a refusal message must say, per rule, so a reader knows which rule fired. */
const PHRASES: Record<EgressRule, RegExp> = {
  invalid_url: /URL/,
  scheme: /scheme|http is not allowed/,
  https_downgrade: /from https/,
  userinfo: /credentials in the URL/,
  hostname: /host/,
  port: /port \d+ is not allowed/,
  cloud_metadata: /cloud metadata/,
  unspecified: /this network|unspecified/,
  loopback: /loopback|local host/,
  private: /private network/,
  carrier_grade_nat: /carrier-grade NAT/,
  link_local: /link-local/,
  multicast: /multicast/,
  broadcast: /broadcast/,
  reserved: /reserved/,
  unique_local: /unique local/,
  site_local: /site-local/,
  nat64: /NAT64/,
  '6to4': /6to4/,
  teredo: /Teredo/,
};

function policyOf(options: Partial<EgressPolicyOptions> = {}): EgressPolicy {
  return createEgressPolicy({ allowPrivateNetworks: false, allowlist: [], ...options });
}

/** The refusal of `input` (URL checks, then every resolved address), or undefined when allowed. */
async function refusalOf(policy: EgressPolicy, input: string): Promise<EgressDeniedError | undefined> {
  try {
    await checkEgressTarget(policy, policy.parseUrl(input), resolver);
    return undefined;
  } catch (error) {
    if (error instanceof EgressDeniedError) return error;
    throw error;
  }
}

const HOSTILE: readonly (readonly [string, EgressRule])[] = [
  // Loopback in every numeric spelling (§3.3).
  ['http://127.0.0.1/', 'loopback'],
  ['http://127.1/', 'loopback'],
  ['http://127.0.1/', 'loopback'],
  ['http://0177.1/', 'loopback'],
  ['http://0x7f.1/', 'loopback'],
  ['http://0x7f.0.0.1/', 'loopback'],
  ['http://0x7f000001/', 'loopback'],
  ['http://2130706433/', 'loopback'],
  ['http://017700000001/', 'loopback'],
  ['http://127.000.000.001/', 'loopback'],
  ['http://[::1]/', 'loopback'],
  ['http://[::ffff:7f00:1]/', 'loopback'],
  ['http://[::ffff:127.0.0.1]/', 'loopback'],
  ['http://[::7f00:1]/', 'loopback'],
  ['http://localhost/', 'loopback'],
  ['http://api.localhost/', 'loopback'],
  ['http:/localhost:9201', 'loopback'],
  // Cloud metadata.
  ['http://169.254.169.254/latest/meta-data/', 'cloud_metadata'],
  ['http://169.254.170.2/v2/credentials', 'cloud_metadata'],
  ['http://[fd00:ec2::254]/', 'cloud_metadata'],
  ['http://100.100.100.200/latest/meta-data/', 'cloud_metadata'],
  ['http://[::ffff:a9fe:a9fe]/', 'cloud_metadata'],
  ['http://0xa9fea9fe/', 'cloud_metadata'],
  ['http://2852039166/', 'cloud_metadata'],
  ['http://[64:ff9b::a9fe:a9fe]/', 'cloud_metadata'],
  // Private, link-local, CGNAT, this network, broadcast, multicast, reserved.
  ['http://10.0.0.5/', 'private'],
  ['http://012.0.0.1/', 'private'],
  ['http://172.16.0.1/', 'private'],
  ['http://172.31.255.255/', 'private'],
  ['http://192.168.1.1/', 'private'],
  ['http://[::ffff:c0a8:101]/', 'private'],
  ['http://169.254.1.1/', 'link_local'],
  ['http://[fe80::]/', 'link_local'],
  ['http://[fe80::1]/', 'link_local'],
  ['http://100.64.0.1/', 'carrier_grade_nat'],
  ['http://100.127.255.254/', 'carrier_grade_nat'],
  ['http://0/', 'unspecified'],
  ['http://0.0.0.0/', 'unspecified'],
  ['http://[::]/', 'unspecified'],
  ['http://[0:0:0:0:0:0:0:0]/', 'unspecified'],
  ['http://255.255.255.255/', 'broadcast'],
  ['http://0377.0377.0377.0377/', 'broadcast'],
  ['http://0xffffffff/', 'broadcast'],
  ['http://4294967295/', 'broadcast'],
  ['http://[::ffff:ffff:ffff]/', 'broadcast'],
  ['http://224.0.0.1/', 'multicast'],
  ['http://[ff02::1]/', 'multicast'],
  ['http://240.0.0.1/', 'reserved'],
  ['http://192.0.2.1/', 'reserved'],
  ['http://[2001:db8::1]/', 'reserved'],
  // IPv6 ranges and IPv6 ways back into IPv4.
  ['http://[fc00::]/', 'unique_local'],
  ['http://[fd12:3456::1]/', 'unique_local'],
  ['http://[feef::1]/', 'site_local'],
  ['http://[fec0::1]/', 'site_local'],
  ['http://[64:ff9b::7f00:1]/', 'nat64'],
  ['http://[2002:7f00:1::]/', '6to4'],
  ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'teredo'],
  // Schemes, userinfo, hostnames, ports, malformed input (§6, GitLab's url_blocker_spec).
  ['file:///etc/passwd', 'scheme'],
  ['gopher://127.0.0.1:70/_GET', 'scheme'],
  ['ftp://example.com/', 'scheme'],
  ['javascript:alert(1)', 'scheme'],
  ['javascript://localhost:80/t.git%0aalert(1)', 'scheme'],
  ['ssh://-oProxyCommand=whoami/a', 'scheme'],
  ['dict://127.0.0.1:11211/stat', 'scheme'],
  ['http://user:pass@example.com/', 'userinfo'],
  ['https://token@example.com/', 'userinfo'],
  ['http://example.com@127.0.0.1/', 'userinfo'],
  ['http://-oProxyCommand=whoami/', 'hostname'],
  ['http://exa*mple.com/', 'hostname'],
  [`http://${'a'.repeat(64)}.example.com/`, 'hostname'],
  [`http://${'abcdefghi.'.repeat(26)}com/`, 'hostname'],
  ['http://example.com:8080/', 'port'],
  ['https://example.com:22/', 'port'],
  ['http://127.0.0.1:65536/', 'invalid_url'],
  ['http://example.com:99999/', 'invalid_url'],
  ['http://:8080', 'invalid_url'],
  ['not a url', 'invalid_url'],
  ['http://exa\nmple.com/', 'invalid_url'],
  ['http://example.com/\r\nX-Injected: 1', 'invalid_url'],
  ['http://example.com\t.evil/', 'invalid_url'],
  // Names whose DNS answers are internal (the injected resolver stands in for DNS).
  ['http://internal.test/', 'private'],
  ['http://rebind.test/', 'loopback'],
  ['http://metadata.test/', 'cloud_metadata'],
  ['http://v6internal.test/', 'unique_local'],
  ['http://mapped.test/', 'loopback'],
];

describe('createEgressPolicy with the default policy', () => {
  it('holds at least 45 hostile URLs', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(45);
  });

  it.each(HOSTILE)('refuses %j by rule %s, naming it', async (input, rule) => {
    const policy = policyOf();

    const refusal = await refusalOf(policy, input);

    expect(refusal?.rule).toBe(rule);
    expect(refusal?.message).toMatch(PHRASES[rule]);
    expect(refusal?.isTransient).toBe(false);
    expect(refusal?.code).toBe('egress_denied');
  });

  it.each([
    ['https://public.test/', 'http://public.test/', 'https_downgrade'],
    ['https://public.test/', 'https://127.0.0.1/', 'loopback'],
    ['https://public.test/', 'https://[::ffff:a9fe:a9fe]/latest', 'cloud_metadata'],
    ['http://public.test/', 'http://10.1.2.3/', 'private'],
    ['https://public.test/', 'gopher://public.test/', 'scheme'],
  ] as const)('refuses the redirect from %s to %s by rule %s', (from, to, rule) => {
    const policy = policyOf();

    const act = () => policy.checkRedirect(new URL(from), new URL(to));

    expect(act).toThrow(EgressDeniedError);
    expect(act).toThrow(PHRASES[rule]);
  });

  it('names the rule, the range and the settings in the message', async () => {
    const refusal = await refusalOf(policyOf(), 'https://10.0.0.5/');

    expect(refusal?.message).toBe(
      'refused https://10.0.0.5/: 10.0.0.5 is in a private network (10.0.0.0/8); an administrator can allow it ' +
        'with INTEGRATIONS_EGRESS_ALLOWLIST or INTEGRATIONS_ALLOW_PRIVATE_NETWORKS',
    );
  });

  it('never shows URL credentials or secret query values in a refusal', async () => {
    const refusal = await refusalOf(policyOf(), 'http://user:SECRET1@10.0.0.5/?access_token=SECRET2');

    expect(refusal?.message).not.toMatch(/SECRET/);
  });

  it('refuses every hostile URL again when one policy is asked twice (host verdicts are remembered)', async () => {
    const policy = policyOf();
    const rulesOf = async () =>
      Promise.all(HOSTILE.map(async ([input]) => (await refusalOf(policy, input))?.rule));

    const first = await rulesOf();
    const second = await rulesOf();

    expect(first).toEqual(HOSTILE.map(([, rule]) => rule));
    expect(second).toEqual(first);
  });

  it('checks scheme, userinfo and port of every URL of a host it has allowed before', async () => {
    const policy = policyOf();
    expect(await refusalOf(policy, 'https://public.test/')).toBeUndefined();
    expect(await refusalOf(policy, 'https://93.184.216.34/')).toBeUndefined();

    expect((await refusalOf(policy, 'https://public.test:8443/'))?.rule).toBe('port');
    expect((await refusalOf(policy, 'ftp://public.test/'))?.rule).toBe('scheme');
    expect((await refusalOf(policy, 'https://user:pw@public.test/'))?.rule).toBe('userinfo');
    expect((await refusalOf(policy, 'https://93.184.216.34:22/'))?.rule).toBe('port');
  });

  it.each([
    'https://93.184.216.34/',
    'https://[2606:4700::1111]/',
    'https://[::ffff:93.184.216.34]/',
    'https://public.test/path?q=1',
    'http://public.test/',
    'https://1.1.1.1:443/',
  ])('allows the public destination %s', async (input) => {
    expect(await refusalOf(policyOf(), input)).toBeUndefined();
  });
});

describe('createEgressPolicy with administrator settings', () => {
  it('opens loopback and private networks with allowPrivateNetworks', async () => {
    const policy = policyOf({ allowPrivateNetworks: true, allowedPorts: [8080] });

    const results = await Promise.all(
      ['http://127.0.0.1:8080/', 'http://localhost/', 'http://internal.test/', 'http://[fd12::1]/'].map(
        (url) => refusalOf(policy, url),
      ),
    );

    expect(results).toEqual([undefined, undefined, undefined, undefined]);
  });

  it.each([
    'http://169.254.169.254/',
    'http://[fd00:ec2::254]/',
    'http://100.100.100.200/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://metadata.test/',
  ])('still refuses the cloud metadata address %s with allowPrivateNetworks', async (input) => {
    const refusal = await refusalOf(policyOf({ allowPrivateNetworks: true }), input);

    expect(refusal?.rule).toBe('cloud_metadata');
  });

  it('opens an allowlisted CIDR and hostname, and nothing next to them', async () => {
    const policy = policyOf({ allowlist: ['10.20.0.0/16', 'GIT.corp.example'] });

    expect(await refusalOf(policy, 'http://10.20.3.4/')).toBeUndefined();
    expect(await refusalOf(policy, 'http://git.corp.example/')).toBeUndefined();
    expect((await refusalOf(policy, 'http://10.21.0.1/'))?.rule).toBe('private');
    expect((await refusalOf(policy, 'http://internal.test/'))?.rule).toBe('private');
  });

  it('opens a metadata address only when that exact address is listed', async () => {
    const broad = policyOf({ allowlist: ['169.254.0.0/16', 'metadata.test'] });
    const exact = policyOf({ allowlist: ['169.254.169.254'] });

    expect((await refusalOf(broad, 'http://169.254.169.254/'))?.rule).toBe('cloud_metadata');
    expect((await refusalOf(broad, 'http://metadata.test/'))?.rule).toBe('cloud_metadata');
    expect(await refusalOf(broad, 'http://169.254.1.1/')).toBeUndefined();
    expect(await refusalOf(exact, 'http://169.254.169.254/')).toBeUndefined();
  });

  it('refuses http when allowHttp is false', async () => {
    const refusal = await refusalOf(policyOf({ allowHttp: false }), 'http://public.test/');

    expect(refusal?.rule).toBe('scheme');
  });

  it.each([['*.corp.example'], ['10.0.0.0/33'], ['git.corp.example:8443'], ['bad host']])(
    'rejects the allowlist entry %s at configuration time',
    (entry) => {
      expect(() => policyOf({ allowlist: [entry] })).toThrow(ConfigError);
    },
  );
});
